"""Several processes for one node: ``samenspraak serve --workers N`` and ``samenspraak worker``.

``serve --workers N`` binds the port once and starts N web processes (``serve
--listen-fd``, each an ordinary ``serve`` on the inherited socket, the kernel
handing each connection to one of them). The first of them also runs the jobs
unless ``--no-jobs`` leaves them to ``samenspraak worker`` processes: delivery,
the process schedule and tally updates, with no web server. When one web process
ends, the others are stopped and ``serve`` exits with an error, for systemd or
the container runtime to start it again.

Any number of each may run against one PostgreSQL database: jobs are claimed
(``node/storage/deliveries.py``), a periodic round runs in one process at a time
(``Node.run_background``). An SQLite node has one process: SQLite takes one
writer at a time, and its queue is taken without claims, so ``--workers``,
``--no-jobs`` and ``worker`` are refused there.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import socket
import sys
from pathlib import Path

from aiohttp.log import access_logger

from node.cli.errors import CliError
from node.config import NodeConfig, load_config
from node.node import DELIVERY_POLL, open_node
from node.runner import listening_socket, start_node, until_stopped
from node.storage import database
from node.storage.database import Database, is_postgres_url
from node.storage.deliveries import JOB_LEASE


def add_commands(sub: argparse._SubParsersAction) -> None:
    """Add ``worker`` to the ``samenspraak`` parser."""
    worker = sub.add_parser(
        "worker",
        help="run a node's delivery, schedule and tally updates without a web server (PostgreSQL)",
    )
    worker.add_argument("directory", type=Path)
    worker.add_argument(
        "--lease",
        type=float,
        default=JOB_LEASE,
        help="seconds a claimed job stays this process's; after that another process"
        f" takes it again, should this one have died (default {JOB_LEASE:.0f})",
    )
    worker.add_argument(
        "--poll",
        type=float,
        default=DELIVERY_POLL,
        help="seconds between looks for deliveries due again (retries); new ones are"
        f" announced by the database and taken at once (default {DELIVERY_POLL:.0f})",
    )
    worker.set_defaults(handler=work, serves_until_stopped=True)


def add_serve_options(serve: argparse.ArgumentParser) -> None:
    """``serve``'s options for several processes."""
    serve.add_argument(
        "--workers",
        type=int,
        default=1,
        help="web processes sharing the port (PostgreSQL only; default 1)",
    )
    serve.add_argument(
        "--no-jobs",
        action="store_true",
        help="leave delivery, schedule and tally updates to `samenspraak worker`"
        " processes (PostgreSQL only)",
    )
    # A web process started by serve --workers: the listening socket it inherited.
    serve.add_argument("--listen-fd", type=int, default=None, help=argparse.SUPPRESS)


def require_shared_database(directory: Path, config: NodeConfig, what: str) -> None:
    """Refuse ``what`` for a node whose database only one process may use."""
    if not is_postgres_url(config.database_location(directory)):
        raise CliError(
            f"{what} needs a PostgreSQL database; {directory} has SQLite, which one process"
            " serves (with its jobs): run `samenspraak serve` alone, or move the node with"
            " `samenspraak migrate-to-postgres`"
        )


def several_processes(args: argparse.Namespace) -> bool:
    """Whether ``serve`` was asked for more than one process for the node."""
    if args.workers < 1:
        raise CliError(f"--workers must be at least 1, not {args.workers}")
    return args.workers > 1 or args.no_jobs


async def serve_web_process(args: argparse.Namespace, config: NodeConfig) -> int:
    """One web process of ``serve --workers``, on the socket its parent listens on."""
    sock = socket.socket(fileno=args.listen_fd)
    running = await start_node(
        args.directory, config, run_workers=not args.no_jobs, sock=sock, access_log=access_logger
    )
    try:
        await until_stopped()
    finally:
        await running.stop()
    return 0


async def serve_with_workers(args: argparse.Namespace, config: NodeConfig) -> int:
    """``serve --workers N``: migrate once, bind once, run N web processes until stopped."""
    db = await Database.open(config.database_location(args.directory))
    await db.close()
    sock = listening_socket(config.host, config.port)
    stopped = asyncio.create_task(until_stopped())
    # Let until_stopped take SIGINT and SIGTERM before any child exists.
    await asyncio.sleep(0)
    children: list[asyncio.subprocess.Process] = []
    try:
        for number in range(args.workers):
            # The first runs the jobs, unless workers do; the others only serve.
            no_jobs = args.no_jobs or number > 0
            children.append(await _web_process(args, sock.fileno(), no_jobs))
        jobs = "left to samenspraak worker" if args.no_jobs else "in the first"
        print(
            f"Serving {config.name} at {config.base_url} (listening on {config.host}:"
            f"{config.port}, {args.workers} web processes, jobs {jobs})",
            flush=True,
        )
        ended = [asyncio.create_task(child.wait()) for child in children]
        done, _ = await asyncio.wait([stopped, *ended], return_when=asyncio.FIRST_COMPLETED)
    finally:
        for child in children:
            if child.returncode is None:
                child.terminate()
        for child in children:
            await child.wait()
        stopped.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await stopped
        sock.close()
    if stopped not in done:
        codes = ", ".join(str(child.returncode) for child in children)
        raise CliError(f"a web process of {args.directory} ended (exit statuses {codes})")
    return 0


async def _web_process(
    args: argparse.Namespace, fd: int, no_jobs: bool
) -> asyncio.subprocess.Process:
    command = [sys.executable, "-m", "node.cli"]
    if args.verbose:
        command.append("-v")
    command += ["serve", str(args.directory), "--listen-fd", str(fd)]
    command += ["--log-format", args.log_format]
    if args.host:
        command += ["--host", args.host]
    if no_jobs:
        command.append("--no-jobs")
    return await asyncio.create_subprocess_exec(*command, pass_fds=(fd,))


async def work(args: argparse.Namespace) -> int:
    """``samenspraak worker``: the node's jobs, without a web server, until stopped."""
    for option, value in (("--lease", args.lease), ("--poll", args.poll)):
        if value <= 0:
            raise CliError(f"{option} must be more than 0 seconds, not {value}")
    config = load_config(args.directory)
    require_shared_database(args.directory, config, "samenspraak worker")
    try:
        node = await open_node(args.directory, config, job_lease=args.lease)
    except Exception as exc:
        if not database.database_error(exc):
            raise
        raise CliError(f"cannot work for {args.directory}: its database: {exc}") from exc
    try:
        await node.start()
        jobs = asyncio.create_task(node.run_background(args.poll), name="node-background")
        stopped = asyncio.create_task(until_stopped())
        print(
            f"Working for {config.name}: delivery, schedule and tally updates"
            f" (database {node.db.location})",
            flush=True,
        )
        await asyncio.wait([jobs, stopped], return_when=asyncio.FIRST_COMPLETED)
        for task in (stopped, jobs):
            # A job that failed raises here, with its traceback.
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
    finally:
        await node.close()
    return 0
