"""The ``samenspraak`` parser: every command reaches a handler, every refusal is one line."""

from __future__ import annotations

import argparse
import inspect
from collections.abc import Iterator

import pytest

from node.cli import build_parser
from node.cli.errors import CliError, run_within_error_boundary
from node.config import ConfigError


def _leaves(parser: argparse.ArgumentParser, path: tuple[str, ...]) -> Iterator[tuple[str, ...]]:
    """The command paths that take no further subcommand, e.g. ``("vote", "open")``."""
    choices = [
        action.choices
        for action in parser._actions
        if isinstance(action, argparse._SubParsersAction)
    ]
    if not choices:
        yield path
        return
    for name, child in choices[0].items():
        yield from _leaves(child, (*path, name))


def _parser_at(path: tuple[str, ...]) -> argparse.ArgumentParser:
    parser = build_parser()
    for name in path:
        sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
        parser = sub.choices[name]
    return parser


def test_every_command_registers_an_async_handler() -> None:
    paths = list(_leaves(build_parser(), ()))
    assert ("process", "create") in paths and ("demo",) in paths
    for path in paths:
        handler = _parser_at(path).get_default("handler")
        assert handler is not None, path
        assert inspect.iscoroutinefunction(handler), path


@pytest.mark.parametrize(
    "error",
    [
        CliError("--threshold must be at least 1 support"),
        ConfigError("--threshold must be at least 1 support"),
    ],
)
def test_a_refusal_is_one_line_and_exit_status_2(
    error: Exception, capsys: pytest.CaptureFixture[str]
) -> None:
    def refuse() -> int:
        raise error

    assert run_within_error_boundary(refuse) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == "samenspraak: error: --threshold must be at least 1 support\n"


def test_an_unexpected_error_keeps_its_traceback() -> None:
    def crash() -> int:
        raise RuntimeError("a bug")

    with pytest.raises(RuntimeError):
        run_within_error_boundary(crash)
