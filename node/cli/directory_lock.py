"""One serving process per node directory: a lock file held while ``serve`` runs.

Two processes serving one directory would both deliver the same queue and race on
the same database. The lock is ``fcntl.flock`` on ``samenspraak.lock``, so the
operating system releases it when the process ends in any way, ``kill -9``
included; a stale file left behind locks nothing.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from node.cli.errors import CliError

LOCK_FILE = "samenspraak.lock"


@contextmanager
def held_directory(directory: Path, doing: str = "serve") -> Iterator[None]:
    """Hold the directory's lock for the life of the block (and of the process).

    Refuses with one line when the directory cannot be written (the lock file
    cannot be made) or another process holds the lock.
    """
    path = directory / LOCK_FILE
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        raise CliError(
            f"cannot {doing} {directory}: cannot write its lock file ({exc.strerror}); "
            "the node directory must be writable"
        ) from exc
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            holder = os.pread(fd, 32, 0).decode("ascii", "replace").strip() or "unknown"
            raise CliError(
                f"cannot {doing} {directory}: another process (pid {holder}) serves it already"
            ) from exc
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode("ascii"), 0)
        yield
    finally:
        os.close(fd)
