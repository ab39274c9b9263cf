"""Uploaded register extracts kept between their preview and the organiser's confirmation.

/organise/register shows what an extract would import and refuse; only the organiser's
confirmation imports it. The upload waits in the node's directory under a random token,
for the account that uploaded it and for ``PREVIEW_LIFETIME``; the confirmation reads the
very bytes that were previewed, so what is imported is what was shown.
"""

from __future__ import annotations

import asyncio
import hashlib
import secrets
from datetime import datetime, timedelta
from pathlib import Path

from federation.errors import Refused
from node.clock import utc_now

PREVIEW_LIFETIME = timedelta(hours=1)
PREVIEW_FOLDER = "register-previews"


class RegisterPreviews:
    """The extracts waiting for confirmation, in ``<node directory>/register-previews``."""

    def __init__(self, data_dir: Path) -> None:
        self._folder = data_dir / PREVIEW_FOLDER

    def _path(self, token: str, owner: str) -> Path:
        # Named by the token and the account together: another account's token finds nothing.
        return self._folder / hashlib.sha256(f"{owner}\n{token}".encode()).hexdigest()

    async def keep(self, raw: bytes, owner: str) -> str:
        """Keep an uploaded extract for ``owner``; the token that confirms it. Previews
        past their lifetime are removed on the way."""
        token = secrets.token_urlsafe(24)
        stamp = utc_now().isoformat().encode()
        await asyncio.to_thread(self._write, self._path(token, owner), stamp + b"\n" + raw)
        return token

    def _write(self, path: Path, content: bytes) -> None:
        self._folder.mkdir(parents=True, exist_ok=True)
        for old in self._folder.iterdir():
            if _expired(old.read_bytes().split(b"\n", 1)[0]):
                old.unlink(missing_ok=True)
        path.write_bytes(content)

    async def take(self, token: str, owner: str) -> bytes:
        """The extract kept under ``token`` for ``owner``, removed from the waiting ones;
        refused when there is none (another account's, confirmed already, or expired)."""
        path = self._path(token, owner)
        try:
            content = await asyncio.to_thread(path.read_bytes)
        except FileNotFoundError:
            content = b""
        stamp, _, raw = content.partition(b"\n")
        await asyncio.to_thread(path.unlink, missing_ok=True)
        if not content or _expired(stamp):
            raise Refused(
                "this preview has expired or was imported already; upload the file again",
                code="register_preview_gone",
            )
        return raw


def _expired(stamp: bytes) -> bool:
    try:
        kept = datetime.fromisoformat(stamp.decode())
    except (UnicodeDecodeError, ValueError):
        return True
    return utc_now() - kept > PREVIEW_LIFETIME
