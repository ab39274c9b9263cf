"""ActivityStreams documents for what this node hosts: actors and collections."""

from __future__ import annotations

from typing import Any

from federation.webfinger import SUBSCRIBE_REL
from node.storage.actors import LocalActor
from node.urls import Urls
from schemas import outgoing_context

PAGE_SIZE = 20


def with_context(document: dict[str, Any]) -> dict[str, Any]:
    """The document with our canonical @context first (inlined, so no peer fetches one)."""
    return {
        "@context": outgoing_context(),
        **{k: v for k, v in document.items() if k != "@context"},
    }


def actor_document(actor: LocalActor, urls: Urls) -> dict[str, Any]:
    """The actor document of a local actor, as Mastodon wants to read it."""
    is_instance = actor.kind == "instance"
    uri = actor.uri
    name = actor.username
    doc: dict[str, Any] = {
        "id": uri,
        "type": actor.as_type,
        "preferredUsername": actor.username,
        "name": actor.display_name,
        "summary": actor.summary,
        "url": urls.base if is_instance else urls.profile_page(name),
        "inbox": urls.inbox(name),
        "outbox": urls.outbox(name),
        "followers": urls.followers(name),
        "following": urls.following(name),
        "endpoints": {"sharedInbox": urls.shared_inbox()},
        "manuallyApprovesFollowers": is_instance,
        "discoverable": not is_instance,
        "indexable": not is_instance,
        "published": actor.created_at,
        "publicKey": {
            "id": actor.key_id,
            "owner": uri,
            "publicKeyPem": actor.public_key_pem,
        },
    }
    if actor.kind == "person":
        # Where Mastodon reads a resident's pinned posts from.
        doc["featured"] = urls.featured(name)
    if actor.kind == "process":
        # Lemmy-style group: it announces what is posted to it.
        doc["postingRestrictedToMods"] = False
    doc.update(actor.properties.get("activitypub", {}))
    return with_context(doc)


# What Mastodon's AccountsController shows of an actor to an unsigned fetch in
# authorized-fetch mode: enough to deliver to it and to verify what it signs.
REDUCED_ACTOR_FIELDS = (
    "@context",
    "id",
    "type",
    "preferredUsername",
    "inbox",
    "publicKey",
    "endpoints",
)


def reduced_actor_document(document: dict[str, Any]) -> dict[str, Any]:
    """An actor document reduced to its address and key (no profile, no collections)."""
    return {key: document[key] for key in REDUCED_ACTOR_FIELDS if key in document}


def ordered_collection(collection_id: str, total: int, first_page: str | None) -> dict[str, Any]:
    """The top of a paged OrderedCollection."""
    doc: dict[str, Any] = {"id": collection_id, "type": "OrderedCollection", "totalItems": total}
    if first_page is not None:
        doc["first"] = first_page
    return with_context(doc)


def collection_page(
    page_id: str, part_of: str, items: list[Any], next_page: str | None
) -> dict[str, Any]:
    """One page of an OrderedCollection."""
    doc: dict[str, Any] = {
        "id": page_id,
        "type": "OrderedCollectionPage",
        "partOf": part_of,
        "orderedItems": items,
    }
    if next_page is not None:
        doc["next"] = next_page
    return with_context(doc)


def webfinger(subject: str, actor_uri: str, profile: str, interaction: str) -> dict[str, Any]:
    """A WebFinger answer pointing at an actor, with the ``{uri}`` template of the page
    where this node's residents act on posts from elsewhere (as Mastodon advertises it)."""
    return {
        "subject": subject,
        "aliases": [actor_uri, profile],
        "links": [
            {"rel": "http://webfinger.net/rel/profile-page", "type": "text/html", "href": profile},
            {"rel": "self", "type": "application/activity+json", "href": actor_uri},
            {"rel": SUBSCRIBE_REL, "template": interaction},
        ],
    }
