"""Credentials: one vote per registered resident in a process under an agreement.

The registrar that an agreement names for a postcode area
(node/participation/agreements.py) binds each register slot (address ×
resident number) to one actor (node/participation/registrar.py). For a
process it issues that actor a credential: a compact token
``<payload>.<signature>`` (both base64url), the payload being JSON with

- ``id``: the credential's URL on the registrar;
- ``area``: the postcode area, and nothing more of the address;
- ``pseudonym``: HMAC-SHA256 of the registrar's secret over the slot and the
  process id, so one resident has one pseudonym in a process whichever account
  holds their slot, and different pseudonyms in different processes (their votes
  cannot be linked across processes by anyone but the registrar);
- ``process``, ``registrar`` (its organisation actor) and ``expires``.

The signature is RSA-SHA256 (PKCS#1 v1.5) by the registrar actor's key over
the payload part as sent, so no canonical JSON is needed.

The voter's node asks the registrar for the credential with a signed GET of
``/credentials?process=…&holder=…`` (signed by an actor on the holder's
host: a node speaks for its own accounts) and puts it on the vote
(``credential``). The node that counts checks the signature against the
registrar that the process's agreement names for the credential's area, the
process, the expiry and whether the registrar withdrew it, and counts one vote
per pseudonym. When a slot is bound to another actor the registrar withdraws
the old binding's credentials with a ``Delete`` of each ``Credential``, sent to
the processes they were issued for; a vote counted with one is taken out of
the tally while the vote is open.
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import hmac
import json
import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode, urlsplit

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding

from activitypub.keys import KeyFormatError, load_private_key, load_public_key
from activitypub.vocabulary import as_list, id_of
from federation.actors import host_of, same_origin
from federation.errors import FetchError, NotAllowed, Reason, Refused
from federation.handlers import InboxContext
from node.clock import epoch_now, iso, iso_now, utc_now
from node.participation.agreements import process_agreement
from node.participation.models import Process, parse_moment
from node.storage.actors import LocalActor

if TYPE_CHECKING:
    from activitypub.vocabulary import Activity
    from node.participation.services import ParticipationServices

log = logging.getLogger(__name__)

CREDENTIAL_LIFETIME = timedelta(days=90)
CREDENTIAL_PATH = "/credentials"
MAX_TOKEN_LENGTH = 4096

REVOKED = Reason(
    "your credential was withdrawn by the registrar: the register slot is now bound to"
    " another account, so this vote no longer counts",
    "credential_revoked",
)


@dataclass(frozen=True)
class Credential:
    """What a credential says, once its signature is checked."""

    id: str
    area: str
    pseudonym: str
    process: str
    registrar: str
    expires: str


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def pseudonym(secret: bytes, slot: str, process_uri: str) -> str:
    """The resident's pseudonym in one process: the same for the slot whoever holds it."""
    return hmac.new(secret, f"{slot}\n{process_uri}".encode(), hashlib.sha256).hexdigest()[:32]


def sign_credential(credential: Credential, private_key_pem: str) -> str:
    """The token of a credential, signed with the registrar actor's key."""
    payload = _b64(json.dumps(credential.__dict__, sort_keys=True).encode())
    signature = load_private_key(private_key_pem).sign(
        payload.encode("ascii"), padding.PKCS1v15(), hashes.SHA256()
    )
    return f"{payload}.{_b64(signature)}"


# A resident who changes their vote sends the same credential again; decoding it and
# checking its signature are pure functions of the token (and the key), so each is done
# once per credential rather than once per vote.
@functools.lru_cache(maxsize=8192)
def _decoded(token: str) -> tuple[Credential, bytes, bytes]:
    if len(token) > MAX_TOKEN_LENGTH:
        raise ValueError("too long")
    payload, signature = token.split(".")
    fields = json.loads(_unb64(payload))
    credential = Credential(**{k: str(fields[k]) for k in Credential.__dataclass_fields__})
    return credential, payload.encode("ascii"), _unb64(signature)


def read_credential(token: str) -> tuple[Credential, bytes, bytes]:
    """(credential, signed part, signature) of a token; raise Refused when unreadable.
    The signature is not checked here."""
    try:
        return _decoded(token)
    except (ValueError, KeyError, TypeError, binascii.Error, UnicodeError) as exc:
        raise Refused(
            Reason("the credential on this vote cannot be read", "credential_unreadable"),
            code="credential_unreadable",
            detail=str(exc),
        ) from exc


@functools.lru_cache(maxsize=8192)
def signature_holds(signed: bytes, signature: bytes, public_key_pem: str) -> bool:
    """Whether the registrar's key made this signature."""
    try:
        load_public_key(public_key_pem).verify(
            signature, signed, padding.PKCS1v15(), hashes.SHA256()
        )
    except (InvalidSignature, KeyFormatError):
        return False
    return True


# --- the registrar -----------------------------------------------------------------------


async def issue_credential(services: ParticipationServices, holder: str, process_uri: str) -> str:
    """The registrar issues the holder of a register slot a credential for a process."""
    binding = await services.register.binding_of(holder)
    if binding is None:
        raise NotAllowed(
            Reason(
                f"no register slot of this registrar is bound to {holder}; confirm your"
                " address with the registrar first (letter code or in person)",
                "no_registration",
            ),
            code="no_registration",
        )
    organisation = await services.organisation()
    signer = await services.actors.signer_for(organisation.uri)
    assert signer is not None
    secret = await services.register.secret()
    credential_id = (
        f"{services.urls.base}{CREDENTIAL_PATH}/"
        + hmac.new(secret, f"{binding.id}\n{process_uri}".encode(), hashlib.sha256).hexdigest()[:24]
    )
    credential = Credential(
        id=credential_id,
        area=binding.postcode_area,
        pseudonym=pseudonym(secret, binding.slot, process_uri),
        process=process_uri,
        registrar=organisation.uri,
        expires=iso(utc_now() + CREDENTIAL_LIFETIME),
    )
    await services.register.record_credential(credential_id, binding.id, process_uri, iso_now())
    return sign_credential(credential, signer.private_key_pem)


# --- the voter's node --------------------------------------------------------------------


async def _registrars(services: ParticipationServices, agreement_uri: str) -> list[str]:
    """The registrars an agreement names, from our copy or from its origin."""
    ours = await services.agreements.get(agreement_uri)
    if ours is not None:
        return sorted({a.registrar for a in ours.areas})
    try:
        found = await services.fetcher.fetch(agreement_uri)
    except FetchError as exc:
        raise Refused(
            "the agreement of this process could not be read", detail=f"{agreement_uri}: {exc}"
        ) from exc
    areas = [a for a in as_list(found.raw.get("areas")) if isinstance(a, dict)]
    return sorted({r for r in (id_of(a.get("registrar")) for a in areas) if r})


async def request_credential(
    services: ParticipationServices, voter: LocalActor, process: Process, act: str = "vote"
) -> str:
    """A credential for a local account's ``act`` (a vote, or an opt-in to a draw) in a
    process under an agreement: from this node when it is the registrar, else fetched
    from the registrar."""
    assert process.agreement is not None
    organisation = await services.organisation()
    refusals = []
    for registrar in await _registrars(services, process.agreement):
        if registrar == organisation.uri:
            try:
                return await issue_credential(services, voter.uri, process.uri)
            except NotAllowed as exc:
                refusals.append(exc.reason)
                continue
        parts = urlsplit(registrar)
        query = urlencode({"process": process.uri, "holder": voter.uri})
        try:
            answer = await services.fetcher.fetch_json(
                f"{parts.scheme}://{parts.netloc}{CREDENTIAL_PATH}?{query}"
            )
        except FetchError as exc:
            log.info("no credential from %s for %s: %s", registrar, voter.uri, exc)
            refusals.append(exc.refusal or f"the registrar {registrar} could not be reached")
            continue
        token = answer.get("credential")
        if isinstance(token, str):
            return token
    raise Refused(
        Reason(
            f"{act} refused: no registrar of the agreement gave you a credential for"
            f" {process.title}: {'; '.join(refusals) or 'the agreement names none'}",
            "no_credential",
            process=process.title,
        ),
        code="no_credential",
        values={"process": process.title},
    )


# --- the node that counts ----------------------------------------------------------------


@dataclass(frozen=True)
class CountedCredential:
    """The credential a vote is counted under: one vote per pseudonym."""

    id: str
    pseudonym: str
    area: str


async def _registrar_key(services: ParticipationServices, registrar: str, refresh: bool) -> str:
    if host_of(registrar) == services.urls.host:
        local = await services.actors.by_uri(registrar)
        if local is None:
            raise Refused("the registrar that signed the credential does not exist")
        return local.public_key_pem
    try:
        actor = await services.resolver.get(registrar, refresh=refresh)
    except FetchError as exc:
        raise Refused(
            "the registrar that signed the credential could not be reached",
            detail=f"{registrar}: {exc}",
        ) from exc
    if actor.public_key_pem is None:
        raise Refused("the registrar that signed the credential publishes no key")
    return actor.public_key_pem


async def check_credential(
    services: ParticipationServices, process: Process, token: str | None
) -> CountedCredential | Reason:
    """The credential a vote in a process under an agreement counts under, or why the
    vote is refused."""
    agreement, refusal = await process_agreement(services, process)
    if refusal is not None:
        return refusal
    assert agreement is not None
    if not token:
        return Reason(
            f"{process.title} counts only votes with a credential from the registrar its"
            " agreement names for the voter's area, not a node's own residency confirmation",
            "credential_missing",
            process=process.title,
        )
    try:
        credential, signed, signature = read_credential(token)
    except Refused as exc:
        return Reason(exc.reason, exc.code)
    named = agreement.registrar_for(credential.area)
    if named is None:
        return Reason(
            f"the agreement {agreement.theme!r} does not cover postcode area {credential.area}",
            "area_not_covered",
            theme=agreement.theme,
            area=credential.area,
        )
    if credential.registrar != named:
        return Reason(
            f"the agreement names {named} as the registrar for postcode area"
            f" {credential.area}, not {credential.registrar}",
            "registrar_not_named",
            area=credential.area,
        )
    if credential.process != process.uri:
        return Reason("this credential was issued for another process", "credential_elsewhere")
    if parse_moment(credential.expires) <= utc_now():
        return Reason("this credential has expired; vote again", "credential_expired")
    if not same_origin(credential.id, credential.registrar):
        return Reason("this credential is not the registrar's own", "credential_forged")
    key = await _registrar_key(services, named, refresh=False)
    if not signature_holds(signed, signature, key):
        # The registrar may have rotated its key: fetch it once more.
        key = await _registrar_key(services, named, refresh=True)
        if not signature_holds(signed, signature, key):
            return Reason("the credential's signature is not the registrar's", "credential_forged")
    if await services.revocations.revoked_at(credential.id) is not None:
        return REVOKED
    return CountedCredential(credential.id, credential.pseudonym, credential.area)


async def counted_under(
    services: ParticipationServices, process: Process, voter: str, credential: str | None
) -> tuple[CountedCredential | None, str | None]:
    """(the credential a vote or ballot counts under, why it is refused): under an
    agreement by its credential, otherwise by the process's eligibility policy."""
    if process.agreement is None:
        return None, await services.eligibility(process, voter)
    checked = await check_credential(services, process, credential)
    if isinstance(checked, CountedCredential):
        return checked, None
    return None, checked


async def credential_to_send(
    services: ParticipationServices,
    voter: LocalActor,
    process: Process | None,
    act: str = "vote",
) -> str | None:
    """The credential a local account's vote, ballot or opt-in carries: one from the
    registrar when the process is under an agreement, else none."""
    if process is None or process.agreement is None:
        return None
    return await request_credential(services, voter, process, act)


async def receive_revocation(
    services: ParticipationServices, ctx: InboxContext, activity: Activity
) -> None:
    """A registrar withdrew a credential: note it, take a vote or ballot counted with it
    out of what is still open, and tell each voter's node with a Reject; a candidate of
    a draw still open drops out."""
    if not same_origin(activity.object_id, activity.actor):
        raise NotAllowed(f"{activity.actor} may withdraw only credentials of its own")
    if not await services.revocations.add(activity.object_id, activity.actor, iso_now()):
        return
    for draw_uri, candidate in await services.draws.remove_candidates_with_credential(
        activity.object_id
    ):
        log.info("withdrawn credential %s: %s left %s", activity.object_id, candidate, draw_uri)
    withdrawn = []
    for row in await services.votes.remove_votes_with_credential(activity.object_id):
        await services.votes.mark_tallies_changed(row["question_uri"], epoch_now())
        withdrawn.append((row["process_uri"], row["voter"], row["vote_id"], "Note"))
    for row in await services.ballots.remove_ballots_with_credential(activity.object_id):
        withdrawn.append((row["process_uri"], row["voter"], row["ballot_id"], "BudgetBallot"))
    for process_uri, voter, object_id, kind in withdrawn:
        log.info(
            "withdrawn credential %s: %s of %s no longer counts",
            activity.object_id,
            object_id,
            voter,
        )
        await services.outbox.send(
            process_uri,
            {
                "id": services.outbox.new_activity_id(),
                "type": "Reject",
                "object": {"id": object_id, "type": kind},
                "summary": f"vote refused: {REVOKED}",
                "to": [voter],
            },
            [voter],
        )


def credential_request(query: dict[str, Any]) -> tuple[str, str]:
    """(process, holder) of a credential request; raise Refused when either is missing."""
    process = query.get("process")
    holder = query.get("holder")
    if not isinstance(process, str) or not isinstance(holder, str) or not process or not holder:
        raise Refused("a credential request names the process and the holder")
    return process, holder
