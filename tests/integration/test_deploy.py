"""The deploy files work as written: the entrypoint initialises a node on its first start
and only serves it after, for real; the compose file, the image and the systemd unit
are checked as files, since these machines have no container engine to run them
(``docker`` here is only a client; ``docker build`` and ``compose`` need an engine)."""

from __future__ import annotations

import asyncio
import configparser
import os
import re
import sys
from pathlib import Path

import aiohttp
import yaml

from node.runner import free_port

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
NODES = ("gemeente", "oosterpark", "wijert")


async def run_entrypoint(data: Path, port: int) -> tuple[asyncio.subprocess.Process, str]:
    """Start deploy/entrypoint.sh as the container would; return it and what it printed
    before the node answered /healthz."""
    env = os.environ | {
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        "SAMENSPRAAK_DATA": str(data),
        "SAMENSPRAAK_DOMAIN": f"127.0.0.1:{port}",
        "SAMENSPRAAK_NAME": "Wijkdeal De Wijert",
        "SAMENSPRAAK_HANDLE": "wijert",
        "SAMENSPRAAK_TRUSTED_PROXY": "172.16.0.0/12",
        "SAMENSPRAAK_DEV": "1",
        "SAMENSPRAAK_HOST": "127.0.0.1",
        "SAMENSPRAAK_PORT": str(port),
    }
    process = await asyncio.create_subprocess_exec(
        "sh", str(DEPLOY / "entrypoint.sh"), env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    assert process.stdout is not None
    printed = ""
    async with aiohttp.ClientSession() as http:
        for _ in range(300):
            try:
                async with http.get(f"http://127.0.0.1:{port}/healthz") as answer:
                    if answer.status == 200:
                        break
            except aiohttp.ClientError:
                pass
            assert process.returncode is None, "the entrypoint stopped"
            await asyncio.sleep(0.1)
        else:
            raise AssertionError("the node did not answer /healthz")
    try:
        printed = (await asyncio.wait_for(process.stdout.read(4096), 1)).decode()
    except TimeoutError:
        pass
    return process, printed


async def stop(process: asyncio.subprocess.Process) -> None:
    process.terminate()
    await asyncio.wait_for(process.wait(), 30)


async def test_the_entrypoint_initialises_a_node_once_then_serves_it(tmp_path: Path) -> None:
    data = tmp_path / "data" / "node"
    port = free_port()

    first, printed = await run_entrypoint(data, port)
    await stop(first)
    assert "Created node Wijkdeal De Wijert" in printed and "one-time password" in printed
    config = (data / "samenspraak.toml").read_text(encoding="utf-8")
    assert 'trusted_proxies = ["172.16.0.0/12"]' in config

    again, printed = await run_entrypoint(data, port)
    await stop(again)
    # The second start serves the same node: no second admin, the same keys.
    assert "Created node" not in printed
    assert (data / "samenspraak.toml").read_text(encoding="utf-8") == config


def test_the_compose_file_runs_three_nodes_on_postgresql_behind_caddy() -> None:
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text(encoding="utf-8"))
    services = compose["services"]
    created = set(re.findall(r"CREATE DATABASE (\w+)", (DEPLOY / "postgres-init.sql").read_text()))
    caddy = (DEPLOY / "Caddyfile").read_text(encoding="utf-8")
    for name in NODES:
        node = services[name]
        assert node["build"] == {"context": "..", "dockerfile": "deploy/Dockerfile"}
        assert node["depends_on"]["postgres"]["condition"] == "service_healthy"
        environment = node["environment"]
        database = environment["SAMENSPRAAK_DATABASE"]
        assert database.startswith("postgresql://") and database.rsplit("/", 1)[1] in created
        assert f"{environment['SAMENSPRAAK_DOMAIN']} {{\n\treverse_proxy {name}:8700" in caddy
        assert any(v.endswith(":/data") for v in node["volumes"])
    assert services["postgres"]["healthcheck"]["test"][1] == "pg_isready"
    assert (
        "./postgres-init.sql:/docker-entrypoint-initdb.d/samenspraak.sql:ro"
        in (services["postgres"]["volumes"])
    )
    assert set(services["proxy"]["depends_on"]) == set(NODES)
    # The municipality in several processes: two web processes, jobs in two workers.
    gemeente = services["gemeente"]["environment"]
    assert gemeente["SAMENSPRAAK_WORKERS"] == "2" and gemeente["SAMENSPRAAK_NO_JOBS"] == "1"
    worker = services["gemeente-worker"]
    assert worker["environment"] == {"SAMENSPRAAK_ROLE": "worker"}
    assert worker["volumes"] == services["gemeente"]["volumes"]
    assert worker["deploy"]["replicas"] == 2


def test_the_image_has_what_it_copies_runs_unprivileged_and_checks_its_health() -> None:
    dockerfile = (DEPLOY / "Dockerfile").read_text(encoding="utf-8")
    for source in re.findall(r"^COPY (\S+(?: \S+)*) \S+$", dockerfile, re.MULTILINE):
        for path in source.split():
            assert (ROOT / path).exists(), f"the build context has no {path}"
    assert re.search(r"^USER samenspraak$", dockerfile, re.MULTILINE)
    assert "HEALTHCHECK" in dockerfile and "/healthz" in dockerfile
    assert os.access(DEPLOY / "entrypoint.sh", os.X_OK)
    assert 'ENTRYPOINT ["samenspraak-entrypoint"]' in dockerfile


def test_the_systemd_unit_serves_a_node_directory_unprivileged() -> None:
    unit = configparser.ConfigParser(strict=False, interpolation=None)
    unit.read(DEPLOY / "samenspraak.service", encoding="utf-8")
    command = unit["Service"]["ExecStart"].split()
    assert command[0].endswith("/samenspraak") and command[1:3] == [
        "serve",
        "/var/lib/samenspraak/node",
    ]
    assert command[-1] == "$SERVE_OPTIONS" and "SERVE_OPTIONS=--workers 2 --no-jobs" in (
        DEPLOY / "samenspraak.service"
    ).read_text(encoding="utf-8")
    assert unit["Service"]["User"] == "samenspraak"
    assert unit["Service"]["NoNewPrivileges"] == "true"


def test_the_worker_unit_runs_the_jobs_of_the_same_node_directory() -> None:
    unit = configparser.ConfigParser(strict=False, interpolation=None)
    unit.read(DEPLOY / "samenspraak-worker@.service", encoding="utf-8")
    command = unit["Service"]["ExecStart"].split()
    assert command[0].endswith("/samenspraak") and command[1:] == [
        "worker",
        "/var/lib/samenspraak/node",
    ]
    assert "samenspraak.service" in unit["Unit"]["After"]
    assert unit["Service"]["User"] == "samenspraak"
    assert unit["Service"]["NoNewPrivileges"] == "true"
