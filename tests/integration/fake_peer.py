"""A Mastodon-like remote server on loopback, for integration tests.

It is a real aiohttp app: it serves actor documents with keys, WebFinger and
published statuses; it signs what it sends exactly as Mastodon 4.x does
(draft-cavage ``rsa-sha256`` or ``hs2019`` over ``(request-target) host date
digest content-type`` for POSTs, ``(request-target) host date accept`` for
GETs; RFC 9421 as Mastodon 4.5+ can); and it records every
request it receives, checking OUR signatures the way Mastodon does: the
signed headers must cover the request target, the date and (on POST) the
digest, the digest must match the body, the date must be within the hour,
and the key, fetched from its owner, must verify the signature.

The payload builders return activities shaped as Mastodon serialises them
(``app/serializers/activitypub/*``): its ``@context`` with the ``ostatus`` and
``toot`` terms, its id schemes, ``to``/``cc`` with the followers collection,
``tag`` with Mention and Hashtag, ``contentMap``, the ``replies`` collection.
"""

from __future__ import annotations

import base64
import email.utils
import hashlib
import itertools
import json
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urldefrag, urlsplit

import aiohttp
from aiohttp import web
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from activitypub.keys import generate_key_pair

# The peer keeps time on the nodes' clock, as servers with synchronised clocks do, also
# when CI moves that clock ahead (node/clock.py).
from node.clock import utc_now
from node.runner import free_port

AS = "https://www.w3.org/ns/activitystreams"
PUBLIC = f"{AS}#Public"
ACTIVITY_JSON = "application/activity+json"
# What Mastodon sends as Accept on its fetches (app/helpers/jsonld_helper.rb).
MASTODON_ACCEPT = f'application/activity+json, application/ld+json; profile="{AS}"'
# Mastodon accepts a Date up to an hour away from its clock (plus the signature's own life).
DATE_WINDOW = timedelta(hours=1, minutes=5)

ACTOR_CONTEXT: list[Any] = [
    AS,
    "https://w3id.org/security/v1",
    {
        "manuallyApprovesFollowers": "as:manuallyApprovesFollowers",
        "toot": "http://joinmastodon.org/ns#",
        "featured": {"@id": "toot:featured", "@type": "@id"},
        "featuredTags": {"@id": "toot:featuredTags", "@type": "@id"},
        "alsoKnownAs": {"@id": "as:alsoKnownAs", "@type": "@id"},
        "movedTo": {"@id": "as:movedTo", "@type": "@id"},
        "schema": "http://schema.org#",
        "PropertyValue": "schema:PropertyValue",
        "value": "schema:value",
        "discoverable": "toot:discoverable",
        "suspended": "toot:suspended",
        "memorial": "toot:memorial",
        "indexable": "toot:indexable",
        "attributionDomains": {"@id": "toot:attributionDomains", "@type": "@id"},
        "focalPoint": {"@container": "@list", "@id": "toot:focalPoint"},
    },
]
STATUS_CONTEXT: list[Any] = [
    AS,
    {
        "ostatus": "http://ostatus.org#",
        "atomUri": "ostatus:atomUri",
        "inReplyToAtomUri": "ostatus:inReplyToAtomUri",
        "conversation": "ostatus:conversation",
        "sensitive": "as:sensitive",
        "toot": "http://joinmastodon.org/ns#",
        "votersCount": "toot:votersCount",
        "Hashtag": "as:Hashtag",
    },
]
DELETE_CONTEXT: list[Any] = [AS, {"ostatus": "http://ostatus.org#", "atomUri": "ostatus:atomUri"}]

MASTODON_ACTOR_TYPES = ("Person", "Group", "Organization", "Application", "Service")
_SIGNATURE_PARAM = re.compile(r'(\w+)="([^"]*)"')


@dataclass
class PeerAccount:
    """An account on the fake server, with the key pair it signs with."""

    username: str
    uri: str
    private_pem: str
    public_pem: str
    display_name: str = ""
    updated: int = 0

    @property
    def key_id(self) -> str:
        """Mastodon's key id: the actor id with ``#main-key``."""
        return f"{self.uri}#main-key"

    @property
    def followers(self) -> str:
        """The followers collection."""
        return f"{self.uri}/followers"

    @property
    def inbox(self) -> str:
        """The personal inbox."""
        return f"{self.uri}/inbox"


@dataclass(frozen=True)
class Received:
    """A request that reached the fake server, with Mastodon's verdict on its signature."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    signer: str | None
    failure: str

    @property
    def verified(self) -> bool:
        """Whether the signature verified."""
        return self.signer is not None

    @property
    def activity(self) -> dict[str, Any]:
        """The JSON body."""
        return json.loads(self.body)


@dataclass(frozen=True)
class Answer:
    """What the node answered."""

    status: int
    body: dict[str, Any]
    content_type: str


@dataclass
class FakeMastodon:
    """A Mastodon 4.x stand-in listening on ``127.0.0.1:port``."""

    port: int = field(default_factory=free_port)
    secure_mode: bool = False
    # Mastodon's WebFinger names its remote interaction page; False plays a server without one.
    offers_interaction: bool = True
    # What its NodeInfo says it runs and is called.
    software: str = "mastodon"
    node_name: str = "Mastodon Noord"
    accounts: dict[str, PeerAccount] = field(default_factory=dict)
    statuses: dict[str, dict[str, Any]] = field(default_factory=dict)
    inbox: list[Received] = field(default_factory=list)
    fetches: list[Received] = field(default_factory=list)
    _ids: itertools.count = field(default_factory=lambda: itertools.count(110000000000000000))
    _keys: dict[str, tuple[str, str]] = field(default_factory=dict)
    _instance: PeerAccount | None = None
    _runner: web.AppRunner | None = None
    _session: aiohttp.ClientSession | None = None

    @property
    def host(self) -> str:
        """Host and port, as in ids and handles."""
        return f"127.0.0.1:{self.port}"

    @property
    def base_url(self) -> str:
        """The server's origin."""
        return f"http://{self.host}"

    @property
    def instance_actor(self) -> PeerAccount:
        """The server's own actor, which signs its fetches (Mastodon's ``/actor``)."""
        if self._instance is None:
            raise RuntimeError("FakeMastodon.start() was not called")
        return self._instance

    # Life cycle

    async def start(self) -> None:
        """Serve on the port and open the outgoing client."""
        keys = generate_key_pair()
        self._instance = PeerAccount(
            self.host, f"{self.base_url}/actor", keys.private_pem, keys.public_pem
        )
        app = web.Application()
        app.router.add_get("/.well-known/webfinger", self._webfinger)
        app.router.add_get("/.well-known/nodeinfo", self._nodeinfo_links)
        app.router.add_get("/nodeinfo/2.0", self._nodeinfo)
        app.router.add_get("/actor", self._instance_actor_document)
        app.router.add_get("/users/{username}", self._actor_document)
        app.router.add_get("/users/{username}/statuses/{status}", self._status)
        app.router.add_post("/users/{username}/inbox", self._receive)
        app.router.add_post("/inbox", self._receive)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port, reuse_address=True).start()
        self._session = aiohttp.ClientSession()

    async def stop(self) -> None:
        """Stop serving and close the client."""
        if self._session is not None:
            await self._session.close()
            self._session = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    # Accounts

    def add_account(self, username: str, display_name: str = "") -> PeerAccount:
        """Create an account with a fresh key pair."""
        keys = generate_key_pair()
        account = PeerAccount(
            username,
            f"{self.base_url}/users/{username}",
            keys.private_pem,
            keys.public_pem,
            display_name or username.title(),
        )
        self.accounts[username] = account
        return account

    def rotate_key(self, account: PeerAccount) -> str:
        """Give the account a new key pair (as ``tootctl accounts rotate`` does); return the
        old private key, which no longer verifies."""
        old = account.private_pem
        keys = generate_key_pair()
        account.private_pem, account.public_pem = keys.private_pem, keys.public_pem
        account.updated += 1
        return old

    def actor_document(self, account: PeerAccount) -> dict[str, Any]:
        """The account as Mastodon's ActorSerializer writes it."""
        return {
            "@context": ACTOR_CONTEXT,
            "id": account.uri,
            "type": "Person",
            "following": f"{account.uri}/following",
            "followers": account.followers,
            "inbox": account.inbox,
            "outbox": f"{account.uri}/outbox",
            "featured": f"{account.uri}/collections/featured",
            "featuredTags": f"{account.uri}/collections/tags",
            "preferredUsername": account.username,
            "name": account.display_name,
            "summary": "<p>Bewoner van de Korrewegwijk.</p>",
            "url": f"{self.base_url}/@{account.username}",
            "manuallyApprovesFollowers": False,
            "discoverable": True,
            "indexable": True,
            "published": "2023-04-01T00:00:00Z",
            "memorial": False,
            "publicKey": {
                "id": account.key_id,
                "owner": account.uri,
                "publicKeyPem": account.public_pem,
            },
            "tag": [],
            "attachment": [
                {
                    "type": "PropertyValue",
                    "name": "Wijk",
                    "value": "Korrewegwijk",
                }
            ],
            "endpoints": {"sharedInbox": f"{self.base_url}/inbox"},
            "icon": {
                "type": "Image",
                "mediaType": "image/png",
                "url": f"{self.base_url}/system/avatars/{account.username}.png",
            },
        }

    # Mastodon-shaped activities

    def follow(self, account: PeerAccount, target: str) -> dict[str, Any]:
        """A Follow (FollowSerializer)."""
        return {
            "@context": AS,
            "id": f"{account.uri}#follows/{next(self._ids)}",
            "type": "Follow",
            "actor": account.uri,
            "object": target,
        }

    def note(
        self,
        account: PeerAccount,
        content: str,
        *,
        mentions: tuple[tuple[str, str], ...] = (),
        hashtags: tuple[str, ...] = (),
        in_reply_to: str | None = None,
        note_id: str | None = None,
    ) -> dict[str, Any]:
        """A public Note (NoteSerializer); ``mentions`` are (actor id, @name@host) pairs."""
        status_id = next(self._ids)
        uri = note_id or f"{account.uri}/statuses/{status_id}"
        published = _now_iso()
        tags: list[dict[str, Any]] = [
            {"type": "Mention", "href": href, "name": name} for href, name in mentions
        ]
        tags += [
            {"type": "Hashtag", "href": f"{self.base_url}/tags/{tag}", "name": f"#{tag}"}
            for tag in hashtags
        ]
        return {
            "id": uri,
            "type": "Note",
            "summary": None,
            "inReplyTo": in_reply_to,
            "published": published,
            "url": f"{self.base_url}/@{account.username}/{status_id}",
            "attributedTo": account.uri,
            "to": [PUBLIC],
            "cc": [account.followers, *(href for href, _ in mentions)],
            "sensitive": False,
            "atomUri": uri,
            "inReplyToAtomUri": in_reply_to,
            "conversation": (
                f"tag:{self.host},2026-11-26:objectId={status_id}:objectType=Conversation"
            ),
            "content": content,
            "contentMap": {"nl": content},
            "attachment": [],
            "tag": tags,
            "replies": {
                "id": f"{uri}/replies",
                "type": "Collection",
                "first": {
                    "type": "CollectionPage",
                    "next": f"{uri}/replies?only_other_accounts=true&page=true",
                    "partOf": f"{uri}/replies",
                    "items": [],
                },
            },
        }

    def create(self, note: dict[str, Any]) -> dict[str, Any]:
        """The Create of a Note (ActivitySerializer), with the Note embedded."""
        return {
            "@context": STATUS_CONTEXT,
            "id": f"{note['id']}/activity",
            "type": "Create",
            "actor": note["attributedTo"],
            "published": note["published"],
            "to": note["to"],
            "cc": note["cc"],
            "object": note,
        }

    def publish(self, note: dict[str, Any]) -> None:
        """Serve a Note at its id, as Mastodon serves statuses to fetches."""
        self.statuses[urlsplit(note["id"]).path] = {"@context": STATUS_CONTEXT, **note}

    def like(self, account: PeerAccount, object_id: str) -> dict[str, Any]:
        """A Like (LikeSerializer)."""
        return {
            "@context": AS,
            "id": f"{account.uri}#likes/{next(self._ids)}",
            "type": "Like",
            "actor": account.uri,
            "object": object_id,
        }

    def undo(self, account: PeerAccount, activity: dict[str, Any]) -> dict[str, Any]:
        """An Undo embedding what it undoes (UndoLikeSerializer, UndoAnnounceSerializer)."""
        embedded = {k: v for k, v in activity.items() if k != "@context"}
        return {
            "@context": AS,
            "id": f"{activity['id']}/undo",
            "type": "Undo",
            "actor": account.uri,
            "object": embedded,
        }

    def announce(self, account: PeerAccount, object_id: str, author: str) -> dict[str, Any]:
        """An Announce (ActivitySerializer for a reblog): the object only by its id."""
        status_id = next(self._ids)
        return {
            "@context": AS,
            "id": f"{account.uri}/statuses/{status_id}/activity",
            "type": "Announce",
            "actor": account.uri,
            "published": _now_iso(),
            "to": [PUBLIC],
            "cc": [author, account.followers],
            "object": object_id,
        }

    def delete(self, account: PeerAccount, note: dict[str, Any]) -> dict[str, Any]:
        """The Delete of a status, with a Tombstone (DeleteSerializer)."""
        return {
            "@context": DELETE_CONTEXT,
            "id": f"{note['id']}#delete",
            "type": "Delete",
            "actor": account.uri,
            "to": [PUBLIC],
            "object": {"id": note["id"], "type": "Tombstone", "atomUri": note["id"]},
        }

    def update_note(self, note: dict[str, Any], content: str) -> dict[str, Any]:
        """The Update of an edited status (UpdateNoteSerializer): the whole Note, with
        ``updated`` set."""
        edited = _now_iso(later_by=timedelta(seconds=1))
        updated = note | {"content": content, "contentMap": {"nl": content}, "updated": edited}
        return {
            "@context": STATUS_CONTEXT,
            "id": f"{note['id']}#updates/{int(utc_now().timestamp())}",
            "type": "Update",
            "actor": note["attributedTo"],
            "published": edited,
            "to": note["to"],
            "cc": note["cc"],
            "object": updated,
        }

    def delete_account(self, account: PeerAccount) -> dict[str, Any]:
        """The Delete of an account by itself (DeleteActorSerializer)."""
        return {
            "@context": [AS, "https://w3id.org/security/v1"],
            "id": f"{account.uri}#delete",
            "type": "Delete",
            "actor": account.uri,
            "to": [PUBLIC],
            "object": account.uri,
        }

    def update_actor(self, account: PeerAccount) -> dict[str, Any]:
        """An Update of the account's own actor (UpdateSerializer), carrying its current key."""
        document = self.actor_document(account)
        return {
            "@context": ACTOR_CONTEXT,
            "id": f"{account.uri}#updates/{1764000000 + account.updated}",
            "type": "Update",
            "actor": account.uri,
            "to": [PUBLIC],
            "object": {k: v for k, v in document.items() if k != "@context"},
        }

    # Sending

    def signed_post_headers(
        self,
        account: PeerAccount,
        url: str,
        body: bytes,
        *,
        algorithm: str = "rsa-sha256",
        date: datetime | None = None,
        private_pem: str | None = None,
        key_id: str | None = None,
        digest_of: bytes | None = None,
        unsigned: tuple[str, ...] = (),
    ) -> dict[str, str]:
        """Headers for a POST signed as Mastodon signs it; the keyword arguments spoil one
        part on purpose (another key, an old date, the digest of another body, headers
        sent but left out of the signature)."""
        digest = _sha256(body if digest_of is None else digest_of)
        headers = {
            "Host": urlsplit(url).netloc,
            "Date": _http_date(date),
            "Digest": f"SHA-256={digest}",
            "Content-Type": ACTIVITY_JSON,
        }
        signed = {name: value for name, value in headers.items() if name not in unsigned}
        return headers | {
            "Signature": _sign(
                "post",
                url,
                signed,
                key_id or account.key_id,
                private_pem or account.private_pem,
                algorithm,
            )
        }

    def rfc9421_post_headers(
        self, account: PeerAccount, url: str, body: bytes, *, digest_of: bytes | None = None
    ) -> dict[str, str]:
        """Headers for a POST signed with RFC 9421, as Mastodon 4.5+ signs it:
        ``("@method" "@target-uri" "content-digest");created=...;keyid="..."``."""
        digest = f"sha-256=:{_sha256(body if digest_of is None else digest_of)}:"
        params = (
            '("@method" "@target-uri" "content-digest")'
            f';created={int(utc_now().timestamp())};keyid="{account.key_id}"'
        )
        base = (
            f'"@method": POST\n"@target-uri": {url}\n"content-digest": {digest}\n'
            f'"@signature-params": {params}'
        )
        signature = _rsa_sign(account.private_pem, base)
        return {
            "Host": urlsplit(url).netloc,
            "Content-Type": ACTIVITY_JSON,
            "Content-Digest": digest,
            "Signature-Input": f"sig1={params}",
            "Signature": f"sig1=:{signature}:",
        }

    def signed_get_headers(
        self, account: PeerAccount, url: str, accept: str = MASTODON_ACCEPT
    ) -> dict[str, str]:
        """Headers for a GET signed as Mastodon signs its fetches."""
        headers = {"Host": urlsplit(url).netloc, "Date": _http_date(None), "Accept": accept}
        signature = _sign("get", url, headers, account.key_id, account.private_pem, "rsa-sha256")
        return headers | {"Signature": signature}

    async def post(
        self, account: PeerAccount, url: str, activity: dict[str, Any], **spoil: Any
    ) -> Answer:
        """POST an activity to an inbox, signed by ``account``."""
        body = json.dumps(activity).encode("utf-8")
        return await self.post_raw(url, body, self.signed_post_headers(account, url, body, **spoil))

    async def post_raw(self, url: str, body: Any, headers: dict[str, str]) -> Answer:
        """POST a body exactly as given."""
        async with self.session.post(url, data=body, headers=headers) as response:
            return await _answer(response)

    async def get(
        self, url: str, *, signer: PeerAccount | None = None, accept: str = MASTODON_ACCEPT
    ) -> Answer:
        """GET a document, signed by ``signer`` when given."""
        headers = {"Accept": accept}
        if signer is not None:
            headers = self.signed_get_headers(signer, url, accept)
        async with self.session.get(url, headers=headers, allow_redirects=False) as response:
            return await _answer(response)

    @property
    def session(self) -> aiohttp.ClientSession:
        """The outgoing client."""
        if self._session is None:
            raise RuntimeError("FakeMastodon.start() was not called")
        return self._session

    def received_by(self, account: PeerAccount) -> list[Received]:
        """POSTs to the account's own inbox or to the shared inbox, in order of arrival."""
        inboxes = (urlsplit(account.inbox).path, "/inbox")
        return [r for r in self.inbox if r.path in inboxes]

    # Serving

    async def _webfinger(self, request: web.Request) -> web.Response:
        resource = request.query.get("resource", "")
        name, _, host = resource.removeprefix("acct:").rpartition("@")
        account = self.accounts.get(name)
        # Mastodon also answers for an account's URL.
        by_url = [a for a in self.accounts.values() if a.uri == resource]
        if by_url:
            account, host = by_url[0], self.host
        if host != self.host or account is None:
            return web.json_response({"error": "not found"}, status=404)
        name = account.username
        links: list[dict[str, str]] = [{"rel": "self", "type": ACTIVITY_JSON, "href": account.uri}]
        if self.offers_interaction:
            links.append(
                {
                    "rel": "http://ostatus.org/schema/1.0/subscribe",
                    "template": f"{self.base_url}/authorize_interaction?uri={{uri}}",
                }
            )
        return web.json_response(
            {"subject": f"acct:{name}@{self.host}", "aliases": [account.uri], "links": links},
            content_type="application/jrd+json",
        )

    async def _nodeinfo_links(self, request: web.Request) -> web.Response:
        schema = "http://nodeinfo.diaspora.software/ns/schema/2.0"
        return web.json_response(
            {"links": [{"rel": schema, "href": f"{self.base_url}/nodeinfo/2.0"}]}
        )

    async def _nodeinfo(self, request: web.Request) -> web.Response:
        # Mastodon's NodeInfo: its software, and the server's title as nodeName.
        return web.json_response(
            {
                "version": "2.0",
                "software": {"name": self.software, "version": "4.3.2"},
                "protocols": ["activitypub"],
                "usage": {"users": {"total": len(self.accounts)}, "localPosts": 0},
                "openRegistrations": False,
                "metadata": {"nodeName": self.node_name, "nodeDescription": ""},
            }
        )

    async def _instance_actor_document(self, request: web.Request) -> web.Response:
        # Mastodon serves its instance actor unsigned even in secure mode.
        actor = self.instance_actor
        document = self.actor_document(actor) | {
            "type": "Application",
            "preferredUsername": self.host,
            "inbox": f"{actor.uri}/inbox",
            "outbox": f"{actor.uri}/outbox",
        }
        return _activity_json(document)

    async def _actor_document(self, request: web.Request) -> web.Response:
        refusal = await self._check_fetch(request)
        if refusal is not None:
            return refusal
        account = self.accounts.get(request.match_info["username"])
        if account is None:
            return web.json_response({"error": "Record not found"}, status=404)
        return _activity_json(self.actor_document(account))

    async def _status(self, request: web.Request) -> web.Response:
        refusal = await self._check_fetch(request)
        if refusal is not None:
            return refusal
        status = self.statuses.get(request.path)
        if status is None:
            return web.json_response({"error": "Record not found"}, status=404)
        return _activity_json(status)

    async def _check_fetch(self, request: web.Request) -> web.Response | None:
        received = await self._verified(request, b"")
        self.fetches.append(received)
        if self.secure_mode and not received.verified:
            return web.json_response({"error": received.failure}, status=401)
        return None

    async def _receive(self, request: web.Request) -> web.Response:
        body = await request.read()
        received = await self._verified(request, body)
        self.inbox.append(received)
        if not received.verified:
            return web.json_response({"error": received.failure}, status=401)
        if received.signer != _actor_of(received.activity):
            return web.json_response({"error": "actor is not the signer"}, status=401)
        return web.Response(status=202)

    async def _verified(self, request: web.Request, body: bytes) -> Received:
        headers = {k.lower(): v for k, v in request.headers.items()}
        signer, failure = None, ""
        try:
            signer = await self._verify(request.method, request.path_qs, headers, body)
        except SignatureRefused as exc:
            failure = str(exc)
        return Received(request.method, request.path, headers, body, signer, failure)

    async def _verify(self, method: str, target: str, headers: dict[str, str], body: bytes) -> str:
        """Mastodon's checks (SignatureVerification); return the key's owner."""
        raw = headers.get("signature")
        if raw is None:
            raise SignatureRefused("Request not signed")
        params = dict(_SIGNATURE_PARAM.findall(raw))
        if "keyId" not in params or "signature" not in params:
            raise SignatureRefused("Incompatible request signature")
        if params.get("algorithm", "hs2019") not in ("rsa-sha256", "hs2019"):
            raise SignatureRefused(f"Unsupported signature algorithm {params['algorithm']}")
        signed = params.get("headers", "date").lower().split()
        if "(request-target)" not in signed:
            raise SignatureRefused("Mastodon requires the (request-target) header to be signed")
        if "date" not in signed:
            raise SignatureRefused("Mastodon requires the Date header to be signed")
        if method == "POST" and "digest" not in signed:
            raise SignatureRefused("Mastodon requires the Digest header to be signed")
        sent = email.utils.parsedate_to_datetime(headers["date"])
        if abs(utc_now() - sent) > DATE_WINDOW:
            raise SignatureRefused("Signed request date outside acceptable time window")
        if method == "POST":
            if headers.get("digest") != f"SHA-256={_sha256(body)}":
                raise SignatureRefused("Invalid Digest value")
        try:
            signing_string = "\n".join(
                f"(request-target): {method.lower()} {target}"
                if name == "(request-target)"
                else f"{name}: {headers[name]}"
                for name in signed
            )
        except KeyError as exc:
            raise SignatureRefused(f"signed header {exc.args[0]} is missing") from exc
        signature = base64.b64decode(params["signature"])
        for refresh in (False, True):
            pem, owner = await self._key(params["keyId"], refresh)
            if _verifies(pem, signature, signing_string.encode("utf-8")):
                return owner
        raise SignatureRefused("Verification failed")

    async def _key(self, key_id: str, refresh: bool) -> tuple[str, str]:
        actor_url = urldefrag(key_id).url
        if refresh or key_id not in self._keys:
            headers = self.signed_get_headers(self.instance_actor, actor_url)
            async with self.session.get(actor_url, headers=headers) as response:
                if response.status != 200:
                    raise SignatureRefused(f"key {key_id} could not be fetched: {response.status}")
                if not response.content_type.startswith(ACTIVITY_JSON):
                    raise SignatureRefused(f"{actor_url} is {response.content_type}")
                actor = await response.json(content_type=None)
            _require_usable_actor(actor, actor_url)
            key = actor.get("publicKey", {})
            if key.get("id") != key_id or key.get("owner") != actor.get("id"):
                raise SignatureRefused(f"{actor_url} does not own {key_id}")
            self._keys[key_id] = (key["publicKeyPem"], actor["id"])
        return self._keys[key_id]


class SignatureRefused(Exception):
    """Mastodon's reason for refusing a signature."""


def _require_usable_actor(actor: dict[str, Any], url: str) -> None:
    """What Mastodon needs of a fetched actor before it believes its key."""
    if actor.get("id") != url:
        raise SignatureRefused(f"{url} answered with the id {actor.get('id')}")
    if actor.get("type") not in MASTODON_ACTOR_TYPES:
        raise SignatureRefused(f"{url} is a {actor.get('type')}, not an actor Mastodon accepts")
    context = actor.get("@context")
    if AS not in (context if isinstance(context, list) else [context]):
        raise SignatureRefused(f"{url} has no ActivityStreams @context")
    for needed in ("inbox", "preferredUsername"):
        if not actor.get(needed):
            raise SignatureRefused(f"{url} has no {needed}")


def _sign(
    method: str,
    url: str,
    headers: dict[str, str],
    key_id: str,
    private_pem: str,
    algorithm: str,
) -> str:
    parts = urlsplit(url)
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    lines = [f"(request-target): {method} {target}"]
    lines += [f"{name.lower()}: {value}" for name, value in headers.items()]
    names = " ".join(["(request-target)", *(name.lower() for name in headers)])
    encoded = _rsa_sign(private_pem, "\n".join(lines))
    return f'keyId="{key_id}",algorithm="{algorithm}",headers="{names}",signature="{encoded}"'


def _rsa_sign(private_pem: str, text: str) -> str:
    key = serialization.load_pem_private_key(private_pem.encode("ascii"), password=None)
    assert isinstance(key, rsa.RSAPrivateKey)
    signature = key.sign(text.encode("utf-8"), padding.PKCS1v15(), hashes.SHA256())
    return base64.b64encode(signature).decode("ascii")


def _sha256(body: bytes) -> str:
    return base64.b64encode(hashlib.sha256(body).digest()).decode("ascii")


def _verifies(public_pem: str, signature: bytes, message: bytes) -> bool:
    key = serialization.load_pem_public_key(public_pem.encode("ascii"))
    assert isinstance(key, rsa.RSAPublicKey)
    try:
        key.verify(signature, message, padding.PKCS1v15(), hashes.SHA256())
    except InvalidSignature:
        return False
    return True


def _http_date(moment: datetime | None) -> str:
    return email.utils.format_datetime(moment or utc_now(), usegmt=True)


def _now_iso(later_by: timedelta = timedelta(0)) -> str:
    return (utc_now() + later_by).strftime("%Y-%m-%dT%H:%M:%SZ")


def _actor_of(activity: dict[str, Any]) -> str | None:
    actor = activity.get("actor")
    return actor.get("id") if isinstance(actor, dict) else actor


def _activity_json(document: dict[str, Any]) -> web.Response:
    return web.Response(text=json.dumps(document), content_type=ACTIVITY_JSON, charset="utf-8")


async def _answer(response: aiohttp.ClientResponse) -> Answer:
    text = await response.text()
    try:
        body = json.loads(text) if text else {}
    except ValueError:
        body = {"text": text}
    return Answer(response.status, body, response.headers.get("Content-Type", ""))
