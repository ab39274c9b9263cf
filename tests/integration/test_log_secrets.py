"""The node's log at DEBUG holds no secret of a login, an app's OAuth login or a letter
code's redemption (passwords, codes, tokens, session cookies); and ``--log-format json``
writes one JSON object per line, the access log included."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import signal
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import aiohttp
from mastodon import Mastodon

from node.participation.verification import issue_letter_code
from node.runner import dev_config, free_port, start_node
from node.setup import initialise
from tests.integration.oauth_browser import PASSWORD, SCOPES, code_from_browser, resident
from tests.integration.voting_scenarios import import_register
from tests.integration.web_login import logged_in

# The test's own clients (Mastodon.py on requests and urllib3) log on the client
# side, which is not the node's log; every other logger in the process is.
CLIENT_LOGGERS = ("urllib3", "requests", "mastodon", "charset_normalizer")


class Everything(logging.Handler):
    """Keeps each record of the node's loggers, as any formatter would write it."""

    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.name.split(".")[0] not in CLIENT_LOGGERS:
            formatted = logging.Formatter("%(name)s %(message)s").format(record)
            self.lines.append(f"{formatted} {record.__dict__!r}")


@contextmanager
def everything_logged() -> Iterator[Everything]:
    root = logging.getLogger()
    captured = Everything()
    level = root.level
    root.setLevel(logging.DEBUG)
    root.addHandler(captured)
    try:
        yield captured
    finally:
        root.removeHandler(captured)
        root.setLevel(level)


async def test_a_login_an_oauth_login_and_a_letter_code_leave_no_secret_in_the_debug_log(
    tmp_path: Path,
) -> None:
    with everything_logged() as log:
        wijert = await start_node(
            tmp_path / "wijert",
            dev_config("wijert", "Wijkdeal De Wijert", free_port()),
            run_workers=False,
            access_log=logging.getLogger("aiohttp.access"),
        )
        try:
            base = wijert.base_url
            await resident(wijert, "sanne")
            await import_register(wijert)
            letter_code, _ = await issue_letter_code(
                wijert.node.participation_services, "9722AB", "4"
            )
            async with logged_in(wijert, "sanne", PASSWORD) as browser:
                page = await browser.post("/verify", {"code": letter_code})
                assert page.status == 200, page.text
                cookies = [c.value for c in browser.http.cookie_jar]

            client_id, client_secret = await asyncio.to_thread(
                Mastodon.create_app, "Buurtapp", scopes=SCOPES, api_base_url=base
            )
            app = Mastodon(client_id=client_id, client_secret=client_secret, api_base_url=base)
            url = await asyncio.to_thread(app.auth_request_url, scopes=SCOPES, allow_http=True)
            code = await code_from_browser(url, "sanne")
            token = await asyncio.to_thread(app.log_in, code=code, scopes=SCOPES, allow_http=True)
            me = await asyncio.to_thread(app.account_verify_credentials)
            assert me["username"] == "sanne"
            async with aiohttp.ClientSession() as http:
                query = f"{base}/api/v1/accounts/verify_credentials?access_token={token}"
                async with http.get(query) as answer:
                    assert answer.status == 200
                # A wrong password is refused, and logged as a refusal without it.
                async with http.post(
                    f"{base}/login", data={"username": "sanne", "password": "fout-wachtwoord-9"}
                ) as refused:
                    assert refused.status in (403, 422)
        finally:
            await wijert.stop()

    text = "\n".join(log.lines)
    # The log did record these requests, at DEBUG too.
    assert "POST /login" in text and "POST /oauth/token" in text and "POST /verify" in text
    secrets = {
        "password": PASSWORD,
        "wrong password": "fout-wachtwoord-9",
        "letter code": letter_code,
        "letter code without dashes": letter_code.replace("-", ""),
        "OAuth code": code,
        "access token": token,
        "client secret": client_secret,
        **{f"cookie {n}": value for n, value in enumerate(cookies) if len(value) >= 16},
    }
    leaked = [name for name, secret in secrets.items() if secret in text]
    assert leaked == []


def test_serve_with_log_format_json_writes_one_json_object_per_line(tmp_path: Path) -> None:
    port = free_port()
    directory = tmp_path / "oosterpark"
    asyncio.run(initialise(directory, dev_config("oosterpark", "Wijkraad Oosterpark", port)))
    serving = subprocess.Popen(
        [sys.executable, "-m", "node.cli", "-v", "serve", str(directory), "--log-format", "json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        assert serving.stdout is not None
        assert serving.stdout.readline().startswith("Serving Wijkraad Oosterpark")
        url = f"http://127.0.0.1:{port}/.well-known/nodeinfo?access_token=geheim-t0ken"
        with urllib.request.urlopen(url, timeout=30) as answer:
            assert answer.status == 200
    finally:
        serving.send_signal(signal.SIGINT)
        _, errors = serving.communicate(timeout=60)
    assert serving.returncode == 0

    entries = [json.loads(line) for line in errors.splitlines()]
    assert entries, errors
    assert all(set(entry) >= {"time", "level", "logger", "message"} for entry in entries)
    [access] = [e for e in entries if "/.well-known/nodeinfo" in e["message"]]
    assert access["logger"] == "aiohttp.access"
    assert "access_token=[redacted]" in access["message"]
    assert "geheim-t0ken" not in errors
