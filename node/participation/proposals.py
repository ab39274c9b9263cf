"""Proposals: Notes with a title, addressed to a process, carrying their status.

A proposal is published by its author's node and hosted by its process: the
process's node counts its supports and decides its status. Mastodon shows
only the content, so the content opens with the title and, once the status
has changed, ends with the current status and its reason.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from html import escape
from typing import TYPE_CHECKING, Any

import schemas
from activitypub.vocabulary import PUBLIC, ASObject, as_list, id_of
from federation.actors import host_of
from federation.errors import Invalid, Refused
from moderation.sanitize import html_to_text, plain_text, sanitize_html, text_to_html
from node.clock import iso_now
from node.i18n import N_, STATUS_LABELS, translator
from node.participation.announce import announce_to_followers
from node.participation.models import Money, Place, Process, Proposal, StatusChange
from node.participation.status import INITIAL_STATUS
from node.social_actions import create_object
from node.storage.actors import LocalActor

if TYPE_CHECKING:
    from node.participation.services import ParticipationServices

MAX_TITLE = 140
SUBMITTED_REASON = "Ingediend door de indiener."
STATUS_PARAGRAPH = re.compile(r'<p class="proposal-status">.*?</p>\s*$', re.DOTALL)


def invalid(kind: str, problems: list[schemas.SchemaProblem]) -> Invalid:
    """The 422 for a document that fails its schema, naming each failing place."""
    details = "; ".join(f"{p.path or '/'}: {p.message}" for p in problems)
    return Invalid(
        f"invalid {kind}: {details}",
        [{"path": p.path, "message": p.message, "schema_path": p.schema_path} for p in problems],
    )


def validate(kind: str, document: dict[str, Any]) -> None:
    """Refuse a document that does not match its Samenspraak schema."""
    problems = schemas.validate(kind, document)
    if problems:
        raise invalid(kind, problems)


def mention_html(process: Process) -> str:
    """The mention of a process as Mastodon writes it, so replies reach the process."""
    return (
        f'<span class="h-card"><a href="{escape(process.uri)}" class="u-url mention">'
        f"@<span>{escape(process.slug)}</span></a></span>"
    )


def status_html(status: str, reason: str, progress: int | None, language: str) -> str:
    """The closing paragraph that tells Mastodon readers the current status, in the
    node's ``language``."""
    t = translator(language)
    label = t(STATUS_LABELS[status])
    if status == "in_progress" and progress is not None:
        label = f"{label} ({progress}%)"
    shown = t(N_("Status: %(status)s"), status=label)
    return f'<p class="proposal-status">{escape(shown)}. {escape(reason)}</p>'


def change_document(change: StatusChange) -> dict[str, Any]:
    """A status change as a ``StatusChange`` object."""
    doc: dict[str, Any] = {
        "type": "StatusChange",
        "status": change.status,
        "reason": change.reason,
        "actor": change.actor,
        "published": change.published,
    }
    if change.previous_status is not None:
        doc["previousStatus"] = change.previous_status
    if change.progress is not None:
        doc["progress"] = change.progress
    return doc


def _cost_document(cost: Money) -> dict[str, Any]:
    return {"type": "MonetaryAmount", "amount": cost.amount, "currency": cost.currency}


async def create_proposal(
    services: ParticipationServices,
    author: LocalActor,
    process: Process,
    title: str,
    text: str,
    *,
    cost: float | None = None,
    area: str | None = None,
    location: Place | None = None,
    images: Sequence[Mapping[str, Any]] = (),
) -> Proposal:
    """Submit a proposal from a local person to a process on this node or another one;
    ``images`` are its ``Image`` attachments (``node/images.py``)."""
    await services.guard.check(author.uri, "post")
    check_takes_proposals(process)
    title = plain_text(title, MAX_TITLE)
    if not title:
        raise Refused("a proposal needs a title", code="proposal_title_missing")
    if not text.strip():
        raise Refused("a proposal needs a text", code="proposal_text_missing")
    if cost is not None and cost < 0:
        raise Refused("the cost cannot be negative", code="cost_negative")
    now = iso_now()
    uri = services.urls.new_object()
    followers = services.urls.followers(author.username)
    first = StatusChange(uri, INITIAL_STATUS, None, SUBMITTED_REASON, author.uri, None, now)
    money = None
    if cost is not None:
        money = Money(cost, process.budget.currency if process.budget else "EUR")
    document: dict[str, Any] = {
        "id": uri,
        "type": "Note",
        "name": title,
        "content": sanitize_html(
            f"<p><strong>{escape(title)}</strong></p>{text_to_html(text)}"
            f"<p>{mention_html(process)}</p>"
        ),
        "attributedTo": author.uri,
        "audience": process.uri,
        "to": [PUBLIC],
        "cc": [process.uri, followers],
        "tag": [
            {
                "type": "Mention",
                "href": process.uri,
                "name": f"@{process.slug}@{host_of(process.uri)}",
            }
        ],
        "url": uri,
        "published": now,
        "proposalStatus": INITIAL_STATUS,
        "supportCount": 0,
        "statusHistory": [change_document(first)],
    }
    if money is not None:
        document["cost"] = _cost_document(money)
    if area:
        document["area"] = plain_text(area, 100)
    if location is not None:
        document["location"] = {"type": "Place", "name": plain_text(location.name, 100)}
        if location.latitude is not None and location.longitude is not None:
            document["location"] |= {
                "latitude": location.latitude,
                "longitude": location.longitude,
            }
    if images:
        document["attachment"] = [dict(image) for image in images]
    validate("proposal", document)
    proposal = Proposal(
        uri=uri,
        process_uri=process.uri,
        author=author.uri,
        title=title,
        cost=money,
        area=document.get("area"),
        status=INITIAL_STATUS,
        progress=None,
        awaiting_response=False,
        question_uri=None,
        local=True,
        published=now,
    )
    async with services.db.transaction():
        await create_object(services.social, author, document, [followers, process.uri])
        await services.store.save_proposal(proposal)
        await services.store.add_status_change(first)
        if process.local:
            await announce_to_followers(services, process, document)
    return proposal


def proposal_from_object(obj: ASObject, process: Process, *, local: bool) -> Proposal:
    """Read a validated proposal document into the domain model."""
    raw = obj.raw
    cost = None
    cost_doc = raw.get("cost")
    if isinstance(cost_doc, dict):
        cost = Money(float(cost_doc["amount"]), str(cost_doc["currency"]))
    area = raw.get("area")
    if isinstance(area, dict):
        area = area.get("name") or area.get("postcodeArea")
    return Proposal(
        uri=obj.id,
        process_uri=process.uri,
        author=obj.attributed_to or "",
        title=obj.name or "",
        cost=cost,
        area=area if isinstance(area, str) else None,
        status=str(raw.get("proposalStatus") or INITIAL_STATUS),
        progress=raw.get("progress") if isinstance(raw.get("progress"), int) else None,
        awaiting_response=raw.get("awaitingResponse") is True,
        question_uri=id_of(raw.get("question")),
        local=local,
        published=obj.published or iso_now(),
    )


def check_takes_proposals(process: Process) -> None:
    """Refuse a proposal to a process that is not in its proposing phase."""
    if process.current_phase != "proposing":
        raise Refused(
            f"{process.title} does not take proposals now (phase: {process.current_phase})",
            code="proposal_wrong_phase",
            values={"process": process.title},
        )


def check_proposal_rules(obj: ASObject) -> None:
    """The rules JSON Schema cannot express: the title opens the content, the mention names
    the audience."""
    text = html_to_text(obj.content or "")
    if obj.name and not text.lstrip().startswith(obj.name.strip()):
        raise Refused("invalid proposal: /content must start with the title in /name")
    if obj.audience not in obj.mentions:
        raise Refused("invalid proposal: /tag must mention the process named in /audience")


def adopt_post(obj: ASObject, process: Process) -> dict[str, Any]:
    """A post addressed to a process in its proposing phase, read as a proposal.

    A Lemmy-family post (a ``Page``) brings its title in ``name``; a Mastodon
    post has none, so its first line is the title. The text stays as written
    (a link post without a body gets its title and link as text), the post is
    tied to the process as a Samenspraak proposal is (``audience`` and a
    ``Mention``), and it starts as ``submitted`` like any proposal.
    """
    document = dict(obj.raw)
    title = plain_text(obj.name or "", MAX_TITLE) or _first_line(obj.content or "")
    if not html_to_text(obj.content or "").strip():
        document["content"] = _title_and_links(title, obj)
    document.update(
        {"name": title or "Voorstel", "audience": process.uri, "proposalStatus": INITIAL_STATUS}
    )
    return with_process_mention(document, process)


def with_process_mention(document: dict[str, Any], process: Process) -> dict[str, Any]:
    """The post with a ``Mention`` of its process, as a proposal names it; a Lemmy-family
    post names its community in ``to`` and ``audience`` only."""
    tags = list(as_list(document.get("tag")))
    if any(
        isinstance(t, dict) and t.get("type") == "Mention" and t.get("href") == process.uri
        for t in tags
    ):
        return document
    return document | {"tag": [*tags, {"type": "Mention", "href": process.uri}]}


def _first_line(content: str) -> str:
    lines = [line.strip() for line in html_to_text(content).splitlines()]
    title = next((line for line in lines if line), "")
    # Mentions lead many Mastodon posts: the title is what follows them.
    title = re.sub(r"^(@\S+\s*)+", "", title).strip() or title
    return plain_text(title, MAX_TITLE)


def _title_and_links(title: str, obj: ASObject) -> str:
    links = [
        str(item["href"])
        for item in as_list(obj.raw.get("attachment"))
        if isinstance(item, dict) and item.get("type") == "Link" and item.get("href")
    ]
    paragraphs = [f"<p>{escape(title)}</p>"]
    paragraphs += [f'<p><a href="{escape(link)}">{escape(link)}</a></p>' for link in links]
    return sanitize_html("".join(paragraphs))


def statused_content(
    content: str, status: str, reason: str, progress: int | None, language: str
) -> str:
    """The content with its closing status paragraph replaced by the current one."""
    return without_status(content) + status_html(status, reason, progress, language)


def without_status(content: str) -> str:
    """The content without the status paragraph written for Mastodon readers."""
    return STATUS_PARAGRAPH.sub("", content)


def addressed_actors(obj: ASObject) -> list[str]:
    """The audience and the mentioned actors: where a post may be addressed to a process."""
    found = [obj.audience] if obj.audience else []
    return list(dict.fromkeys([*found, *obj.mentions]))
