"""The node's aiohttp application: keys, middlewares, routes and workers.

Refusals become responses in one place, ``node/web/refusals.py``."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import jinja2
from aiohttp import BodyPartReader, MultipartReader, web
from multidict import MultiDictProxy

from federation.errors import BodyTooLarge, Invalid, MalformedDocument
from federation.inbox import MAX_INBOX_BODY
from node.images import MAX_IMAGE_BYTES
from node.node import Node
from node.storage.web_sessions import WebSession
from node.web.i18n import install_gettext, remember_language

NODE = web.AppKey("node", Node)
TEMPLATES = web.AppKey("templates", jinja2.Environment)
RUN_WORKERS = web.AppKey("run_workers", bool)


@dataclass
class Background:
    """The node's background task (delivery worker and periodic jobs), once started;
    ``/healthz`` looks at it."""

    task: asyncio.Task[None] | None = None


BACKGROUND = web.AppKey("background", Background)
# The logged-in visitor of a page request, found by node.web.sessions.
WEB_SESSION = web.RequestKey("web_session", WebSession)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
FormData = MultiDictProxy[str | bytes | web.FileField]
MAX_FIELD_BYTES = 64 * 1024
MAX_PARTS = 50
_CHUNK = 64 * 1024
CORS_PREFIXES = ("/api/", "/oauth/token", "/oauth/revoke", "/.well-known/", "/nodeinfo/")


async def read_form(request: web.Request) -> FormData:
    """The fields of a posted form, for the pages and the client API alike. aiohttp meets
    a body that is no readable form (a multipart part without a name, say) with a
    ValueError; that is the sender's mistake, refused with 400, not a 500."""
    try:
        return await request.post()
    except ValueError as exc:
        raise MalformedDocument("The form could not be read", detail=str(exc)) from exc
    except web.HTTPRequestEntityTooLarge as exc:
        raise too_large(exc) from exc


async def read_body(request: web.Request) -> bytes:
    """A request's whole body, up to the application's limit; over it, a refusal that
    each surface answers in its own shape (aiohttp's own answer is plain text)."""
    try:
        return await request.read()
    except web.HTTPRequestEntityTooLarge as exc:
        raise too_large(exc) from exc


@dataclass(frozen=True)
class MultipartForm:
    """The text fields and files of a multipart request."""

    fields: dict[str, str]
    files: dict[str, bytes]


async def read_multipart(
    request: web.Request, file_fields: frozenset[str], file_limit: int = MAX_IMAGE_BYTES
) -> MultipartForm:
    """Read a multipart body part by part: files (the parts named in ``file_fields``) up to
    ``file_limit`` bytes, text fields up to ``MAX_FIELD_BYTES``, at most ``MAX_PARTS``. A
    body that is no readable form (no boundary, a part without a name) is refused with
    400, as ``read_form`` refuses it."""
    if request.content_type != "multipart/form-data":
        raise Invalid("Validation failed: send images as multipart/form-data")
    try:
        return await _read_parts(await request.multipart(), file_fields, file_limit)
    except (ValueError, LookupError) as exc:  # LookupError: a part's unknown charset
        raise MalformedDocument("The form could not be read", detail=str(exc)) from exc


async def _read_parts(
    reader: MultipartReader, file_fields: frozenset[str], file_limit: int
) -> MultipartForm:
    fields: dict[str, str] = {}
    files: dict[str, bytes] = {}
    count = 0
    while (part := await reader.next()) is not None:
        count += 1
        if count > MAX_PARTS:
            raise Invalid(f"Validation failed: more than {MAX_PARTS} form fields")
        if not isinstance(part, BodyPartReader) or not part.name:
            raise ValueError("a form part without a name")
        if part.name in file_fields:
            files[part.name] = await _read_part(part, file_limit, "File")
        else:
            text = await _read_part(part, MAX_FIELD_BYTES, part.name)
            fields[part.name] = text.decode(part.get_charset("utf-8"), "replace")
    return MultipartForm(fields, files)


async def _read_part(part: BodyPartReader, limit: int, what: str) -> bytes:
    chunks = bytearray()
    while chunk := await part.read_chunk(_CHUNK):
        chunks += chunk
        if len(chunks) > limit:
            shown = f"{limit // (1024 * 1024)} MB" if limit >= 1024 * 1024 else f"{limit} bytes"
            raise BodyTooLarge(f"{what} is over the limit of {shown}")
    # Files may come with a transfer encoding (base64, quoted-printable).
    return bytes(part.decode(bytes(chunks)))


def too_large(exc: web.HTTPRequestEntityTooLarge) -> BodyTooLarge:
    """aiohttp's refusal of an oversized body as ours."""
    return BodyTooLarge(f"The body is over the limit of {MAX_INBOX_BODY} bytes", detail=exc.text)


@web.middleware
async def cors(request: web.Request, handler: Handler) -> web.StreamResponse:
    """CORS as Mastodon sets it, on the API and discovery paths only."""
    applies = request.path.startswith(CORS_PREFIXES)
    if applies and request.method == "OPTIONS":
        response: web.StreamResponse = web.Response(status=204)
    else:
        response = await handler(request)
    if applies:
        response.headers["Access-Control-Allow-Origin"] = "*"
        response.headers["Access-Control-Expose-Headers"] = "Link, X-RateLimit-Reset"
        response.headers["Access-Control-Allow-Headers"] = (
            "Authorization, Content-Type, Idempotency-Key"
        )
        response.headers["Access-Control-Allow-Methods"] = "GET, POST, PUT, DELETE, PATCH"
    return response


def create_app(node: Node, *, run_workers: bool = True) -> web.Application:
    """The web application of a node. ``run_workers=False`` lets tests step the queue."""
    from node.mastodon_api import routes as mastodon_routes
    from node.web import (
        account_pages,
        activitypub_routes,
        agreement_pages,
        discovery,
        health,
        home_page,
        interaction_pages,
        look,
        mail_pages,
        moderation_routes,
        new_process_page,
        organiser_pages,
        own_page,
        pages,
        panel_pages,
        participation_forms,
        participation_pages,
        process_edit_pages,
        register_pages,
        role_pages,
        sessions,
        settings_page,
        signup_pages,
        voting_pages,
    )
    from node.web.refusals import error_boundary
    from node.web.security_headers import add_security_headers

    app = web.Application(
        middlewares=[health.measure, cors, error_boundary, remember_language],
        client_max_size=MAX_INBOX_BODY + 1,
    )
    app.on_response_prepare.append(add_security_headers)
    app[NODE] = node
    app[RUN_WORKERS] = run_workers
    app[BACKGROUND] = Background()
    app[TEMPLATES] = jinja2.Environment(
        loader=jinja2.PackageLoader("node", "templates"),
        autoescape=jinja2.select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    install_gettext(app[TEMPLATES])
    discovery.register(app)
    health.register(app)
    activitypub_routes.register(app)
    sessions.register(app)
    pages.register(app)
    home_page.register(app)
    look.register(app)
    participation_pages.register(app)
    participation_forms.register(app)
    own_page.register(app)
    mail_pages.register(app)
    signup_pages.register(app)
    account_pages.register(app)
    role_pages.register(app)
    organiser_pages.register(app)
    new_process_page.register(app)
    process_edit_pages.register(app)
    register_pages.register(app)
    settings_page.register(app)
    interaction_pages.register(app)
    moderation_routes.register(app)
    voting_pages.register(app)
    panel_pages.register(app)
    agreement_pages.register(app)
    mastodon_routes.register(app)
    app.router.add_static("/static", Path(__file__).parent.parent / "static")
    app.cleanup_ctx.append(_node_lifecycle)
    return app


async def _node_lifecycle(app: web.Application) -> AsyncIterator[None]:
    node = app[NODE]
    await node.start()
    worker: asyncio.Task[None] | None = None
    if app[RUN_WORKERS]:
        worker = asyncio.create_task(node.run_background(), name="node-background")
        app[BACKGROUND].task = worker
    yield
    if worker is not None:
        worker.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await worker
    await node.close()
