"""The CLI's one error boundary: a problem the user can fix is one line on standard error."""

from __future__ import annotations

import sys
from collections.abc import Callable

from federation.errors import Refusal
from node.config import ConfigError
from node.participation.addresses import RegisterImportError
from node.storage.backup import BackupError
from node.storage.database import NewerDatabase

# The exit status of every refusal, so scripts can tell it from a crash (1).
REFUSED = 2


class CliError(Exception):
    """A wrong argument or a missing input; the message says which and how to fix it."""


def run_within_error_boundary(command: Callable[[], int]) -> int:
    """Run ``command`` and turn each refusal into ``samenspraak: error: REASON``, exit 2.

    This is the only place the CLI maps errors; anything not listed here is a bug
    and keeps its traceback. Ctrl-C ends a serving command normally (exit 0).
    """
    try:
        return command()
    except (CliError, ConfigError, RegisterImportError, Refusal, BackupError, NewerDatabase) as exc:
        reason = str(exc)
    except KeyboardInterrupt:
        return 0
    print(f"samenspraak: error: {reason}", file=sys.stderr)
    return REFUSED
