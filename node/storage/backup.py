"""Backups of a node directory, taken while the node serves, and their restore.

A backup is one tar archive (gzip-compressed) holding the node's configuration,
its media and a copy of its database. The copy is made with SQLite's online
backup API in one step: it reads one snapshot of the database (one read
transaction), so it is consistent however many writes the serving node makes
meanwhile, and in WAL mode it holds none of them up. Copying the database file
itself could catch a transaction half-written, or miss what is still in the WAL.

Restoring unpacks the archive into a new directory and checks that the database
is whole (``PRAGMA integrity_check``) and not newer than this code
(``Database.open`` refuses that when the node starts).

A node on PostgreSQL is backed up with ``pg_dump`` instead (its own snapshot, one
transaction, consistent while the node writes): the archive holds the dump in
PostgreSQL's custom format, restored with ``pg_restore`` into an empty database
that ``restore`` is given, in one transaction.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from pathlib import Path

from node.config import CONFIG_FILE, DATABASE_FILE, load_config, set_database
from node.storage.database import shipped_versions, without_password

# The dump of a node on PostgreSQL, in place of DATABASE_FILE.
PG_DUMP_FILE = "samenspraak.pgdump"

# Files of a node directory that are not copied as they are: the database (copied
# through the backup API), its journals, and the lock of the serving process.
_NOT_COPIED = frozenset(
    {
        DATABASE_FILE,
        f"{DATABASE_FILE}-wal",
        f"{DATABASE_FILE}-shm",
        f"{DATABASE_FILE}-journal",
        "samenspraak.lock",
    }
)


class BackupError(Exception):
    """A backup or restore that cannot be made; the message says why and what to do."""


def back_up(directory: Path, archive: Path) -> int:
    """Write a backup of the node in ``directory`` to ``archive``; return its size in bytes.

    The archive is written beside its final name and renamed at the end, so a
    backup cut short never leaves a file that looks whole.
    """
    database = directory / DATABASE_FILE
    if not (directory / CONFIG_FILE).is_file():
        raise BackupError(f"{directory} is not a node directory (no {CONFIG_FILE} or database)")
    url = load_config(directory).database
    if not url and not database.is_file():
        raise BackupError(f"{directory} is not a node directory (no {CONFIG_FILE} or database)")
    if archive.exists():
        raise BackupError(f"{archive} exists already; choose a new file name")
    archive.parent.mkdir(parents=True, exist_ok=True)
    partial = archive.with_name(f".{archive.name}.partial")
    with tempfile.TemporaryDirectory(dir=archive.parent) as scratch:
        snapshot = Path(scratch) / (PG_DUMP_FILE if url else DATABASE_FILE)
        if url:
            _run("pg_dump", "--format=custom", "--no-owner", f"--file={snapshot}", url)
        else:
            _snapshot(database, snapshot)
        with tarfile.open(partial, "w:gz") as tar:
            tar.add(snapshot, arcname=snapshot.name)
            for path in sorted(directory.rglob("*")):
                relative = path.relative_to(directory)
                if path.is_file() and relative.as_posix() not in _NOT_COPIED:
                    tar.add(path, arcname=relative.as_posix(), recursive=False)
    os.replace(partial, archive)
    return archive.stat().st_size


def _snapshot(database: Path, target: Path) -> None:
    # Read-only: the backup must never write to the node's database (nor create it).
    source = sqlite3.connect(f"{database.resolve().as_uri()}?mode=ro", uri=True)
    copy = sqlite3.connect(target)
    try:
        # One step (pages=-1): one read transaction over the whole copy. In steps, a
        # write by the node between them would start the copy over, again and again
        # on a busy node.
        source.backup(copy, pages=-1)
        # The copy stands alone: no WAL file beside it in the archive.
        copy.execute("PRAGMA journal_mode=DELETE")
    finally:
        copy.close()
        source.close()


def _run(program: str, *arguments: str) -> None:
    """Run a PostgreSQL client program; its error, without the URL's password, is a
    BackupError."""
    try:
        subprocess.run([program, *arguments], check=True, capture_output=True, text=True)
    except FileNotFoundError as exc:
        raise BackupError(f"{program} is not installed (Debian: postgresql-client)") from exc
    except subprocess.CalledProcessError as exc:
        message = " ".join(exc.stderr.split()) or f"exit status {exc.returncode}"
        for argument in arguments:
            message = message.replace(argument, without_password(argument))
        raise BackupError(f"{program} failed: {message}") from exc


def restore(archive: Path, directory: Path, database: str = "") -> None:
    """Unpack the backup ``archive`` into ``directory``, which must be new or empty.

    It is unpacked and checked beside ``directory`` first, and moved there only
    when whole: a refused archive leaves nothing behind. The backup of a node on
    PostgreSQL is restored into the empty PostgreSQL ``database``, which the
    restored node then uses.
    """
    if directory.exists() and any(directory.iterdir()):
        raise BackupError(f"{directory} already exists and is not empty; restore into a new one")
    try:
        tar = tarfile.open(archive, "r:gz")
    except (OSError, tarfile.TarError) as exc:
        raise BackupError(f"{archive} is not a Samenspraak backup: {exc}") from exc
    directory.parent.mkdir(parents=True, exist_ok=True)
    unpacked = Path(tempfile.mkdtemp(prefix=f".{directory.name}.", dir=directory.parent))
    try:
        with tar:
            names = set(tar.getnames())
            dumped = PG_DUMP_FILE in names
            if CONFIG_FILE not in names or not (dumped or DATABASE_FILE in names):
                raise BackupError(
                    f"{archive} is not a Samenspraak backup (no {CONFIG_FILE} and {DATABASE_FILE})"
                )
            if dumped and not database:
                raise BackupError(
                    f"{archive} holds a PostgreSQL database: restore it with "
                    "--database postgresql://… naming an empty database"
                )
            if database and not dumped:
                raise BackupError(
                    f"{archive} holds an SQLite database, restored into the directory: "
                    "leave out --database (migrate-to-postgres copies it into PostgreSQL)"
                )
            # The "data" filter refuses absolute paths, links out of the directory and
            # device files: an archive from elsewhere cannot write outside it.
            tar.extractall(unpacked, filter="data")
        if dumped:
            dump = unpacked / PG_DUMP_FILE
            _run(
                "pg_restore",
                "--no-owner",
                "--exit-on-error",
                "--single-transaction",
                f"--dbname={database}",
                str(dump),
            )
            dump.unlink()
            set_database(unpacked, database)
        else:
            _check_database(unpacked / DATABASE_FILE, archive)
        if directory.exists():
            directory.rmdir()
        unpacked.rename(directory)
    finally:
        shutil.rmtree(unpacked, ignore_errors=True)


def _check_database(database: Path, archive: Path) -> None:
    connection = sqlite3.connect(f"{database.resolve().as_uri()}?mode=ro", uri=True)
    try:
        [(verdict,)] = connection.execute("PRAGMA integrity_check(1)").fetchall()
        versions = [v for (v,) in connection.execute("SELECT version FROM schema_migrations")]
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{archive}: its database cannot be read: {exc}") from exc
    finally:
        connection.close()
    if verdict != "ok":
        raise BackupError(f"{archive}: its database is damaged: {verdict}")
    unknown = sorted(set(versions) - set(shipped_versions()))
    if unknown:
        raise BackupError(
            f"{archive} was made by a newer Samenspraak (migration {unknown[-1]:04d}); "
            "restore it with that version"
        )
