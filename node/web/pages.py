"""HTML pages for people: home, profiles, posts."""

from __future__ import annotations

from functools import partial
from typing import Any

from aiohttp import web

from activitypub.vocabulary import parse_object
from federation.errors import NotFound
from node.i18n import (
    LANGUAGES,
    STATUS_LABELS,
    Translate,
    labels,
    readable_amount,
    readable_moment,
    translator,
)
from node.storage.actors import LocalActor
from node.storage.objects import ObjectRecord
from node.web.app import NODE, TEMPLATES, WEB_SESSION
from node.web.i18n import (
    LANGUAGE_NAMES,
    PHASE_LABELS,
    STANCE_LABELS,
    VOTE_OPTION_LABELS,
    language_of,
    trail_reason,
)


async def author_names(request: web.Request, posts: list[ObjectRecord]) -> dict[str, str]:
    """Display names of the authors of some posts, for the templates' ``names``."""
    return await request.app[NODE].actors.display_names(
        [p.attributed_to for p in posts if p.attributed_to]
    )


def page_translator(request: web.Request) -> Translate:
    """``t(msgid, **values)`` in the language this request's page is shown in."""
    return translator(
        language_of(request, request.app[NODE].config.language, request.app[NODE].config.languages)
    )


def render(request: web.Request, template: str, status: int = 200, **values: Any) -> web.Response:
    """Render a page template with the node's common values."""
    node = request.app[NODE]
    language = language_of(request, node.config.language, node.config.languages)
    html = (
        request.app[TEMPLATES]
        .get_template(template)
        .render(
            config=node.config,
            urls=node.urls,
            lang=language,
            when=partial(readable_moment, language=language),
            money=partial(readable_amount, language=language),
            reason=partial(trail_reason, language=language),
            phase_labels=labels(PHASE_LABELS, language),
            status_labels=labels(STATUS_LABELS, language),
            stance_labels=labels(STANCE_LABELS, language),
            option_names=labels(VOTE_OPTION_LABELS, language),
            other_languages=[
                (code, LANGUAGE_NAMES[code])
                for code in LANGUAGES
                if code != language and code in node.config.languages
            ],
            session=request.get(WEB_SESSION),
            path=request.path,
            **values,
        )
    )
    headers = {"Vary": "Accept, Accept-Language, Cookie"}
    if request.get(WEB_SESSION) is not None:
        # The page holds the resident's form token: no shared cache may keep it.
        headers["Cache-Control"] = "private, no-store"
    return web.Response(text=html, content_type="text/html", status=status, headers=headers)


async def render_actor_page(request: web.Request, actor: LocalActor) -> web.Response:
    """The profile page of a local actor with its latest public posts."""
    node = request.app[NODE]
    posts = await node.objects.by_author(actor.uri)
    followers = await node.follows.followers_of(actor.uri)
    return render(
        request,
        "actor.html",
        actor=actor,
        posts=posts,
        follower_count=len(followers),
        handle=f"@{actor.username}@{node.urls.host}",
        names=await author_names(request, posts),
    )


# An image of a post: its address and its alt text.
Image = tuple[str, str]


def post_images(record: ObjectRecord, base: str) -> tuple[list[Image], list[Image]]:
    """(address, alt text) of the images a post carries: those this node serves itself,
    which a page shows, and those on other servers, which it links to (the page's
    security policy shows no other server's files)."""
    here: list[Image] = []
    elsewhere: list[Image] = []
    for a in parse_object(record.document).attachments:
        if a.type == "Image" and a.url:
            shown = here if a.url.startswith(base + "/media/") else elsewhere
            shown.append((a.url, a.name or ""))
    return here, elsewhere


async def render_object_page(request: web.Request, record: ObjectRecord) -> web.Response:
    """A post with its images and replies."""
    node = request.app[NODE]
    replies = await node.objects.replies_to(record.uri)
    likes = await node.reactions.likes_of(record.uri)
    return render(
        request,
        "object.html",
        status=410 if record.deleted_at else 200,
        post=record,
        images=post_images(record, node.urls.base)[0] if record.deleted_at is None else [],
        replies=replies,
        like_count=len(likes),
        names=await author_names(request, [record, *replies]),
    )


async def profile_alias(request: web.Request) -> web.StreamResponse:
    """``/@name``: the profile page, as Mastodon users expect."""
    node = request.app[NODE]
    actor = await node.actors.by_username(request.match_info["username"])
    if actor is None:
        raise NotFound("no such account here", code="account_unknown")
    return await render_actor_page(request, actor)


def register(app: web.Application) -> None:
    """Add the page routes."""
    app.router.add_get("/@{username}", profile_alias)
