"""The backend the suite runs on: SQLite (the default) or PostgreSQL.

``pytest --db=postgresql`` (or ``SAMENSPRAAK_TEST_DB=postgresql``) runs the whole
suite against PostgreSQL: one cluster for the session, started here from the
machine's PostgreSQL (``initdb`` and ``pg_ctl``, as the ``postgres`` user when the
suite runs as root) on a free loopback port, and a fresh database for every node
directory a test opens, copied from a migrated template. Nodes the tests start
in this process open their database through ``Database.open``, which the
``postgres_databases`` fixture points at those databases, writing each one's URL
into the node's ``samenspraak.toml`` too, for commands the test runs in a child
process; ``database_url`` is an empty database for a node such a command creates.

Tests of what only SQLite has (its inline connection, its file) are marked
``sqlite_only`` and skipped on PostgreSQL.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import shutil
import signal
import subprocess
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from node.config import CONFIG_FILE, set_database
from node.runner import free_port
from node.storage.database import Database

BACKENDS = ("sqlite", "postgresql")


def _newest_postgresql() -> Path:
    """The bin folder of the newest PostgreSQL Debian installed (15 on bookworm)."""
    found = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/initdb"),
        key=lambda p: int(p.parts[-3]) if p.parts[-3].isdigit() else 0,
    )
    return found[-1].parent if found else Path("/usr/lib/postgresql/15/bin")


PG_BIN = _newest_postgresql()
TEMPLATE = "samenspraak_template"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--db",
        choices=BACKENDS,
        default=os.environ.get("SAMENSPRAAK_TEST_DB", "sqlite"),
        help="the database backend the nodes of the suite use (default: sqlite)",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "sqlite_only: tests SQLite's own machinery; skipped on PostgreSQL"
    )
    config.addinivalue_line(
        "markers",
        "needs_postgresql: uses a PostgreSQL server also on SQLite runs "
        "(-m 'not needs_postgresql' leaves them out where PostgreSQL is not installed)",
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.getoption("--db") != "postgresql":
        return
    skip = pytest.mark.skip(reason="tests SQLite's own machinery (run with --db=sqlite)")
    for item in items:
        if "sqlite_only" in item.keywords:
            item.add_marker(skip)


@dataclass
class PostgresCluster:
    """A PostgreSQL cluster of the test session, on a loopback port."""

    port: int
    directory: Path
    runner: list[str]
    names: Iterator[int] = field(default_factory=itertools.count)

    def url(self, database: str) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def sql(self, statement: str) -> None:
        """Run one statement on the maintenance database."""
        subprocess.run(
            [
                str(PG_BIN / "psql"),
                "-q",
                "-v",
                "ON_ERROR_STOP=1",
                "-c",
                statement,
                self.url("postgres"),
            ],
            check=True,
            capture_output=True,
        )

    def fresh_database(self, template: str = TEMPLATE) -> str:
        """The URL of a new database, by default with every migration applied."""
        name = f"test_{os.getpid()}_{next(self.names)}"
        self.sql(f"CREATE DATABASE {name} TEMPLATE {template}")
        return self.url(name)

    def drop(self, url: str) -> None:
        self.sql(f"DROP DATABASE IF EXISTS {url.rsplit('/', 1)[1]} WITH (FORCE)")

    def start(self) -> None:
        """initdb, start the server, and migrate the template of the tests' databases."""
        subprocess.run(
            [
                *self.runner,
                str(PG_BIN / "initdb"),
                "-D",
                str(self.directory / "data"),
                "-A",
                "trust",
                "-U",
                "postgres",
                "-E",
                "UTF8",
                "--no-sync",
            ],
            check=True,
            capture_output=True,
        )
        # A throwaway cluster: nothing it holds must survive a crash, so no syncing.
        options = (
            f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1 -c fsync=off"
            " -c synchronous_commit=off -c full_page_writes=off -c max_connections=300"
        )
        subprocess.run(
            [
                *self.runner,
                str(PG_BIN / "pg_ctl"),
                "-D",
                str(self.directory / "data"),
                "-o",
                options,
                "-l",
                str(self.directory / "log"),
                "-w",
                "start",
            ],
            check=True,
            capture_output=True,
        )
        self.sql(f"CREATE DATABASE {TEMPLATE}")
        _in_thread(_migrate(self.url(TEMPLATE)))

    def stop(self) -> None:
        subprocess.run(
            [
                *self.runner,
                str(PG_BIN / "pg_ctl"),
                "-D",
                str(self.directory / "data"),
                "-m",
                "immediate",
                "stop",
            ],
            check=False,
            capture_output=True,
        )
        shutil.rmtree(self.directory, ignore_errors=True)


def _new_cluster() -> PostgresCluster:
    """A cluster's place and port, not started yet."""
    if not (PG_BIN / "initdb").exists():
        pytest.fail(
            f"PostgreSQL is not installed ({PG_BIN}/initdb): tests/run.sh installs it "
            "(Debian's postgresql)"
        )
    directory = Path(tempfile.mkdtemp(prefix="samenspraak-pg-"))
    runner: list[str] = []
    if os.geteuid() == 0:
        # PostgreSQL refuses to run as root.
        shutil.chown(directory, "postgres")
        runner = ["runuser", "-u", "postgres", "--"]
    port = free_port()
    return PostgresCluster(port, directory, runner)


async def _migrate(url: str) -> None:
    db = await Database.open(url)
    await db.close()


def _in_thread(coroutine: object) -> None:
    """Run ``coroutine`` to its end on a loop of its own (a test's loop may be running)."""
    failure: list[BaseException] = []

    def run() -> None:
        try:
            asyncio.run(coroutine)  # type: ignore[arg-type]
        except BaseException as exc:
            failure.append(exc)

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    if failure:
        raise failure[0]


@pytest.fixture(scope="session")
def postgres_cluster(request: pytest.FixtureRequest) -> Iterator[PostgresCluster]:
    cluster = _new_cluster()
    request.addfinalizer(cluster.stop)

    def stop_and_end(signum: int, _frame: object) -> None:
        # A run ended by `timeout` (SIGTERM) runs no finalizer: the server would
        # outlive it, with its files in /tmp.
        cluster.stop()
        os._exit(128 + signum)

    previous = signal.signal(signal.SIGTERM, stop_and_end)
    cluster.start()
    yield cluster
    signal.signal(signal.SIGTERM, previous)


@pytest.fixture(autouse=True)
def postgres_databases(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> Iterator[dict[Path, str]]:
    """On PostgreSQL: each SQLite file a test opens (a node directory's) is a database
    of its own instead, the same one each time it is opened; all are dropped after
    the test."""
    databases: dict[Path, str] = {}
    if request.config.getoption("--db") != "postgresql":
        yield databases
        return
    cluster: PostgresCluster = request.getfixturevalue("postgres_cluster")
    opened = Database.open.__func__  # type: ignore[attr-defined]

    async def open_on_postgres(cls: type[Database], location: Path | str) -> Database:
        if isinstance(location, Path):
            # The tests open their nodes by absolute paths (under tmp_path).
            if location not in databases:
                databases[location] = await asyncio.to_thread(cluster.fresh_database)
                if (location.parent / CONFIG_FILE).is_file():
                    # Commands the test runs in a child process open it there.
                    set_database(location.parent, databases[location])
            location = databases[location]
        return await opened(cls, location)

    monkeypatch.setattr(Database, "open", classmethod(open_on_postgres))
    yield databases
    for url in databases.values():
        cluster.drop(url)


@pytest.fixture
def database_url(request: pytest.FixtureRequest) -> str:
    """On PostgreSQL, the URL of an empty database (no tables) for a node a command
    creates or restores (``init``/``restore --database``); "" on SQLite."""
    if request.config.getoption("--db") != "postgresql":
        return ""
    cluster: PostgresCluster = request.getfixturevalue("postgres_cluster")
    url = cluster.fresh_database(template="template0")
    request.addfinalizer(lambda: cluster.drop(url))
    return url
