"""The one outbound HTTP client for all federation traffic.

Every request is signed, has a timeout and a response size cap, and outside
development mode may only reach public addresses (SSRF guard): the resolver
refuses private, loopback and link-local answers, so a hostname cannot be
pointed at the node's own network after the check.
"""

from __future__ import annotations

import ipaddress
import logging
import socket
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import aiohttp
from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.resolver import DefaultResolver
from yarl import URL

from activitypub.bounded_json import loads_bounded
from activitypub.signatures import sign_request
from federation.errors import FetchError
from federation.ports import SYSTEM_TIME, LocalSigner, Now

log = logging.getLogger(__name__)

ACTIVITY_JSON = "application/activity+json"
LD_JSON = 'application/ld+json; profile="https://www.w3.org/ns/activitystreams"'
ACCEPT = f"{ACTIVITY_JSON}, {LD_JSON}"
MAX_RESPONSE_BYTES = 1024 * 1024
USER_AGENT = "Samenspraak/0.1 (+https://samenspraak.nl)"


class RefusedAddress(FetchError):
    """A destination outside the public internet while not in development mode."""


class NetworkInsideTransaction(RuntimeError):
    """A request was made while the calling task holds the database's write lock.

    A programming error, never a peer's fault: the request could hold every other
    writer (inbox POSTs included) for as long as the peer takes. Fetch first, then
    write; send from the delivery worker.
    """


def is_public_address(address: str) -> bool:
    """Whether an IP address is globally routable (not loopback, private, link-local...)."""
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def check_destination(url: str, allow_private: bool) -> None:
    """Refuse URLs a federation request must never go to."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise RefusedAddress(f"not a web address: {url}")
    if allow_private:
        return
    if parts.scheme != "https":
        raise RefusedAddress(f"plain http is only allowed in development mode: {url}")
    try:
        literal = ipaddress.ip_address(parts.hostname)
    except ValueError:
        return  # a name: the resolver checks what it resolves to
    if not is_public_address(str(literal)):
        raise RefusedAddress(f"address {parts.hostname} is not public")


class PublicOnlyResolver(AbstractResolver):
    """Resolve names, refusing any answer that is not a public address."""

    def __init__(self) -> None:
        self._inner = DefaultResolver()

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        """Resolve ``host``; raise RefusedAddress when any answer is not public."""
        results = await self._inner.resolve(host, port, family)
        for result in results:
            if not is_public_address(result["host"]):
                raise RefusedAddress(f"{host} resolves to a non-public address")
        return results

    async def close(self) -> None:
        """Close the underlying resolver."""
        await self._inner.close()


@dataclass(frozen=True)
class PostOutcome:
    """What came back from a POST to an inbox."""

    status: int
    retry_after: float | None
    error: str


class Transport:
    """Signed GETs and POSTs to other servers over one shared client session."""

    def __init__(
        self,
        *,
        allow_private: bool,
        write_transaction_open: Callable[[], bool],
        timeout: float = 10.0,
        max_connections_per_host: int = 4,
        now: Now = SYSTEM_TIME,
    ) -> None:
        """``write_transaction_open`` tells whether the calling task holds a write
        transaction; every request refuses to start while it does."""
        self.allow_private = allow_private
        # The node's clock dates every signature, so its peers check them on the same time.
        self._now = now
        self._write_transaction_open = write_transaction_open
        self._timeout = aiohttp.ClientTimeout(total=timeout, connect=min(timeout, 5.0))
        self._per_host = max_connections_per_host
        self._session: aiohttp.ClientSession | None = None

    async def start(self) -> None:
        """Open the client session."""
        connector = aiohttp.TCPConnector(
            limit=100,
            limit_per_host=self._per_host,
            resolver=None if self.allow_private else PublicOnlyResolver(),
        )
        self._session = aiohttp.ClientSession(
            connector=connector,
            timeout=self._timeout,
            headers={"User-Agent": USER_AGENT},
            auto_decompress=True,
        )

    async def close(self) -> None:
        """Close the client session."""
        if self._session is not None:
            await self._session.close()
            self._session = None

    @property
    def session(self) -> aiohttp.ClientSession:
        """The open session; start() must have been called."""
        if self._session is None:
            raise RuntimeError("Transport.start() was not called")
        return self._session

    async def get_json(self, url: str, signer: LocalSigner | None) -> dict[str, Any]:
        """Fetch an ActivityStreams document, signed when a signer is given.

        The response must be 200 with an ActivityStreams or JSON content type,
        at most MAX_RESPONSE_BYTES, and a JSON object.
        """
        self._refuse_inside_transaction("GET", url)
        check_destination(url, self.allow_private)
        headers = {"Accept": ACCEPT}
        if signer is not None:
            headers |= sign_request(
                method="GET",
                url=url,
                body=None,
                key_id=signer.key_id,
                private_key_pem=signer.private_key_pem,
                now=self._now(),
            )
        try:
            async with self.session.get(
                URL(url, encoded=True), headers=headers, allow_redirects=False
            ) as resp:
                if resp.status != 200:
                    raise FetchError(
                        f"GET {url} answered {resp.status}", refusal=await _refusal_of(resp)
                    )
                ctype = resp.headers.get("Content-Type", "")
                if "json" not in ctype:
                    raise FetchError(f"GET {url} gave {ctype or 'no content type'}, not JSON")
                body = await _read_capped(resp)
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise FetchError(f"GET {url} failed: {exc or type(exc).__name__}") from exc
        try:
            doc = loads_bounded(body)
        except ValueError as exc:
            raise FetchError(f"GET {url} did not return JSON") from exc
        if not isinstance(doc, dict):
            raise FetchError(f"GET {url} did not return a JSON object")
        return doc

    def _refuse_inside_transaction(self, method: str, url: str) -> None:
        if self._write_transaction_open():
            raise NetworkInsideTransaction(
                f"{method} {url} while a write transaction is open in this task"
            )

    async def post_activity(self, inbox: str, body: bytes, signer: LocalSigner) -> PostOutcome:
        """POST a signed activity to an inbox and report the outcome (never raises on HTTP)."""
        self._refuse_inside_transaction("POST", inbox)
        try:
            check_destination(inbox, self.allow_private)
        except RefusedAddress as exc:
            return PostOutcome(status=0, retry_after=None, error=str(exc))
        headers = sign_request(
            method="POST",
            url=inbox,
            body=body,
            key_id=signer.key_id,
            private_key_pem=signer.private_key_pem,
            content_type=ACTIVITY_JSON,
            now=self._now(),
        )
        try:
            # encoded=True: send the URL exactly as it was signed.
            async with self.session.post(
                URL(inbox, encoded=True), data=body, headers=headers, allow_redirects=False
            ) as resp:
                text = (await resp.content.read(2048)).decode("utf-8", "replace")
                return PostOutcome(
                    status=resp.status,
                    retry_after=_retry_after(resp.headers.get("Retry-After")),
                    error="" if resp.status < 300 else f"{resp.status}: {text[:200]}",
                )
        except RefusedAddress as exc:
            return PostOutcome(status=0, retry_after=None, error=str(exc))
        except (aiohttp.ClientError, TimeoutError) as exc:
            return PostOutcome(status=0, retry_after=None, error=str(exc) or type(exc).__name__)


async def read_capped(stream: aiohttp.StreamReader, limit: int) -> bytes:
    """Read a whole body, but never more than ``limit`` + 1 bytes (so "too long" shows).

    ``StreamReader.read(n)`` returns what has arrived so far, not n bytes: a
    body that comes in several pieces must be read in a loop.
    """
    chunks: list[bytes] = []
    size = 0
    while size <= limit:
        chunk = await stream.read(limit + 1 - size)
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)


async def _refusal_of(resp: aiohttp.ClientResponse) -> str:
    """The ``error`` a refusing server put in its JSON answer, or ""."""
    if "json" not in resp.headers.get("Content-Type", ""):
        return ""
    try:
        answer = loads_bounded(await _read_capped(resp))
    except (FetchError, ValueError):
        return ""
    error = answer.get("error") if isinstance(answer, dict) else None
    return error if isinstance(error, str) else ""


async def _read_capped(resp: aiohttp.ClientResponse) -> bytes:
    length = resp.content_length
    if length is not None and length > MAX_RESPONSE_BYTES:
        raise FetchError(f"response of {length} bytes is over the limit")
    body = await read_capped(resp.content, MAX_RESPONSE_BYTES)
    if len(body) > MAX_RESPONSE_BYTES:
        raise FetchError("response is over the size limit")
    return body


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None
