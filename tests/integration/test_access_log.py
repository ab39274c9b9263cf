"""The access log of a real node keeps requests but never the credentials in their URLs."""

from __future__ import annotations

import logging
from pathlib import Path

import aiohttp

from node.runner import dev_config, free_port, start_node

SECRETS = ("tok3n-geheim", "c0de-geheim", "wachtw00rd", "s3cret-geheim", "verif1er")


class Lines(logging.Handler):
    """Keeps every formatted log line."""

    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


async def test_tokens_codes_passwords_and_secrets_in_urls_are_not_logged(tmp_path: Path) -> None:
    captured = Lines()
    access = logging.getLogger("samenspraak.test.access")
    access.setLevel(logging.INFO)
    access.addHandler(captured)
    port = free_port()
    running = await start_node(
        tmp_path / "wijk", dev_config("wijk", "Wijk", port), run_workers=False, access_log=access
    )
    base = running.base_url
    try:
        async with aiohttp.ClientSession() as http:
            for path, referer in (
                ("/api/v1/timelines/public?limit=2&access_token=tok3n-geheim", None),
                ("/api/v1/timelines/public?access%5Ftoken=tok3n-geheim", None),
                ("/oauth/authorize?client_id=buurtapp&code=c0de-geheim&password=wachtw00rd", None),
                ("/oauth/token?client_secret=s3cret-geheim&code_verifier=verif1er", None),
                ("/", "https://app.example/callback?code=c0de-geheim&token=tok3n-geheim"),
            ):
                headers = {"Referer": referer} if referer else {}
                async with http.get(base + path, headers=headers) as answer:
                    await answer.read()
    finally:
        await running.stop()
        access.removeHandler(captured)

    log = "\n".join(captured.lines)
    assert len(captured.lines) == 5, log
    for secret in SECRETS:
        assert secret not in log
    assert "GET /api/v1/timelines/public?limit=2&access_token=[redacted] HTTP/1.1" in log
    assert "client_id=buurtapp&code=[redacted]&password=[redacted]" in log
    assert '"https://app.example/callback?code=[redacted]&token=[redacted]"' in log
