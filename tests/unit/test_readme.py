"""README.md's first command installs what the commands after it use: the Mastodon.py
tour of the demo runs in the virtual environment that command made."""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
OURS = {"node", "activitypub", "federation", "moderation", "schemas", "tests"}


def _name(requirement: str) -> str:
    return re.split(r"[<>=!~\[; ]", requirement, maxsplit=1)[0].lower().replace("_", "-")


def test_the_first_command_installs_every_module_the_tour_imports() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    first = re.search(r"```sh\n(.*?)```", readme, re.S)
    assert first is not None
    assert "samenspraak demo" in first[1]
    extras = re.search(r"pip install -q -e '\.\[([a-z,]+)\]'", first[1])
    assert extras is not None, f"the first command installs no extra: {first[1]}"
    assert "tests.clients.mastodon_py_tour" in readme[first.end() :]

    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    installed = {_name(r) for r in project["dependencies"]}
    for extra in extras[1].split(","):
        installed |= {_name(r) for r in project["optional-dependencies"][extra]}

    tour = ast.parse((ROOT / "tests" / "clients" / "mastodon_py_tour.py").read_text("utf-8"))
    modules = {
        alias.name.split(".")[0]
        for node in ast.walk(tour)
        if isinstance(node, ast.Import)
        for alias in node.names
    } | {
        node.module.split(".")[0]
        for node in ast.walk(tour)
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0
    }
    third_party = modules - set(sys.stdlib_module_names) - OURS - {"__future__"}
    assert third_party, "the tour imports no library; this test reads the wrong file"
    distributions = packages_distributions()
    for module in third_party:
        names = {_name(d) for d in distributions.get(module, [module])}
        assert names & installed, f"{module} ({names}) is not installed by {extras[0]}"
