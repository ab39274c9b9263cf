"""Residents' e-mail addresses with the notification mails they asked for, and the queue
of mails waiting to be sent (migration 0026_notification_mail.sql)."""

from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass

from node.storage.database import Database, Row
from node.storage.deliveries import JOB_LEASE
from node.storage.job_runners import process_name

# The kinds of notification mail a resident can ask for, as the columns that hold them.
MAIL_KINDS = ("status_changes", "official_responses", "votes_opening")


def token_hash(token: str) -> str:
    """What is stored of a confirmation token: a database read gives no working link."""
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class Subscriber:
    """A resident's address and the mails they asked for."""

    actor_uri: str
    address: str
    confirmed: bool
    confirm_expires: float | None
    unsubscribe_token: str
    language: str
    kinds: frozenset[str]


def _subscriber(row: Row) -> Subscriber:
    return Subscriber(
        actor_uri=row["actor_uri"],
        address=row["address"],
        confirmed=bool(row["confirmed"]),
        confirm_expires=row["confirm_expires"],
        unsubscribe_token=row["unsubscribe_token"],
        language=row["language"],
        kinds=frozenset(kind for kind in MAIL_KINDS if row[kind]),
    )


@dataclass(frozen=True)
class QueuedMail:
    """A mail to send, with how often sending it failed."""

    id: int
    recipient: str
    subject: str
    body: str
    unsubscribe: str
    attempts: int


class MailSubscribers:
    """Who gets which notification mails, at which confirmed address."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def get(self, actor_uri: str) -> Subscriber | None:
        """A resident's address and choices, if they gave an address."""
        row = await self._db.fetch_one(
            "SELECT * FROM mail_subscribers WHERE actor_uri = ?", (actor_uri,)
        )
        return _subscriber(row) if row else None

    async def wanting(self, actor_uris: list[str], kind: str) -> list[Subscriber]:
        """The residents among ``actor_uris`` with a confirmed address who asked for ``kind``."""
        assert kind in MAIL_KINDS
        if not actor_uris:
            return []
        rows = await self._db.fetch_all(
            f"SELECT * FROM mail_subscribers WHERE confirmed = 1 AND {kind} = 1"
            f" AND actor_uri IN ({', '.join('?' * len(actor_uris))})",
            actor_uris,
        )
        return [_subscriber(r) for r in rows]

    async def save(
        self,
        actor_uri: str,
        address: str,
        kinds: frozenset[str],
        language: str,
        confirm_token: str | None,
        confirm_expires: float | None,
    ) -> None:
        """Keep a resident's choices; with ``confirm_token``, ``address`` is new and waits for
        confirmation through it, else the address stays as it is."""
        choices = [int(kind in kinds) for kind in MAIL_KINDS]
        if confirm_token is None:
            await self._db.execute(
                "UPDATE mail_subscribers SET status_changes = ?, official_responses = ?,"
                " votes_opening = ?, language = ? WHERE actor_uri = ?",
                (*choices, language, actor_uri),
            )
            return
        await self._db.execute(
            "INSERT INTO mail_subscribers (actor_uri, address, confirmed, confirm_token,"
            " confirm_expires, unsubscribe_token, language, status_changes, official_responses,"
            " votes_opening) VALUES (?, ?, 0, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (actor_uri)"
            " DO UPDATE SET address = excluded.address, confirmed = 0,"
            " confirm_token = excluded.confirm_token, confirm_expires = excluded.confirm_expires,"
            " language = excluded.language, status_changes = excluded.status_changes,"
            " official_responses = excluded.official_responses,"
            " votes_opening = excluded.votes_opening",
            (
                actor_uri,
                address,
                token_hash(confirm_token),
                confirm_expires,
                secrets.token_urlsafe(24),
                language,
                *choices,
            ),
        )

    async def by_confirm_token(self, token: str) -> Subscriber | None:
        """Whose address a confirmation link is for (expired or not)."""
        row = await self._db.fetch_one(
            "SELECT * FROM mail_subscribers WHERE confirm_token = ?", (token_hash(token),)
        )
        return _subscriber(row) if row else None

    async def confirm(self, actor_uri: str) -> None:
        """The address works: the link mailed to it was followed. The link is used up."""
        await self._db.execute(
            "UPDATE mail_subscribers SET confirmed = 1, confirm_token = NULL,"
            " confirm_expires = NULL WHERE actor_uri = ?",
            (actor_uri,),
        )

    async def by_unsubscribe_token(self, token: str) -> Subscriber | None:
        """Whose mails an unsubscribe link is in."""
        row = await self._db.fetch_one(
            "SELECT * FROM mail_subscribers WHERE unsubscribe_token = ?", (token,)
        )
        return _subscriber(row) if row else None

    async def stop(self, actor_uri: str, kind: str) -> None:
        """No more mails of ``kind`` for this resident."""
        assert kind in MAIL_KINDS
        await self._db.execute(
            f"UPDATE mail_subscribers SET {kind} = 0 WHERE actor_uri = ?", (actor_uri,)
        )

    async def used_language(self, actor_uri: str, language: str) -> None:
        """Remember the language a resident last read the pages in, for their mails."""
        await self._db.execute(
            "UPDATE mail_subscribers SET language = ? WHERE actor_uri = ? AND language <> ?",
            (language, actor_uri, language),
        )


class MailQueue:
    """Mails written with the event they tell of, sent afterwards by the periodic jobs.

    On a database several processes share, the mails a process takes are claimed
    for it (``FOR UPDATE SKIP LOCKED`` and a lease, as deliveries are), so each
    goes out once; a process killed while sending leaves them to another after
    the lease.
    """

    def __init__(self, db: Database, lease: float = JOB_LEASE) -> None:
        self._db = db
        self._lease = lease
        self._name = process_name()

    async def add(
        self, event_key: str, recipient: str, subject: str, body: str, unsubscribe: str, now: float
    ) -> None:
        """Queue a mail; an event told twice (``event_key``) queues one."""
        await self._db.execute(
            "INSERT OR IGNORE INTO mail_queue (event_key, recipient, subject, body, unsubscribe,"
            " state, next_attempt_at, created_at) VALUES (?, ?, ?, ?, ?, 'pending', ?, ?)",
            (event_key, recipient, subject, body, unsubscribe, now, now),
        )

    async def due(self, now: float, limit: int) -> list[QueuedMail]:
        """Mails due to be sent, oldest first, claimed for this process on a shared database."""
        query = (
            "SELECT m.id, m.recipient, m.subject, m.body, m.unsubscribe, m.attempts"
            " FROM mail_queue m WHERE m.state = 'pending' AND m.next_attempt_at <= ?"
        )
        if not self._db.shared:
            rows = await self._db.fetch_all(f"{query} ORDER BY m.id LIMIT ?", (now, limit))
            return [QueuedMail(*r) for r in rows]
        claimed_at = time.time()
        async with self._db.transaction():
            rows = await self._db.fetch_all(
                f"{query} AND (m.claimed_until IS NULL OR m.claimed_until <= ?)"
                f" ORDER BY m.id LIMIT ?{self._db.skip_locked('m')}",
                (now, claimed_at, limit),
            )
            await self._db.executemany(
                "UPDATE mail_queue SET claimed_until = ?, claimed_by = ? WHERE id = ?",
                [(claimed_at + self._lease, self._name, r["id"]) for r in rows],
            )
        return [QueuedMail(*r) for r in rows]

    async def sent(self, mail: QueuedMail) -> None:
        """The SMTP server took the mail."""
        await self._db.execute(
            "UPDATE mail_queue SET state = 'sent', attempts = attempts + 1, last_error = NULL,"
            " claimed_until = NULL WHERE id = ? AND state = 'pending'",
            (mail.id,),
        )

    async def retry_later(self, mail: QueuedMail, error: str, next_attempt_at: float) -> None:
        """Sending failed; try again at ``next_attempt_at``."""
        await self._db.execute(
            "UPDATE mail_queue SET attempts = attempts + 1, next_attempt_at = ?, last_error = ?,"
            " claimed_until = NULL WHERE id = ? AND state = 'pending'",
            (next_attempt_at, error[:500], mail.id),
        )

    async def give_up(self, mail: QueuedMail, error: str) -> None:
        """Sending failed for the last time."""
        await self._db.execute(
            "UPDATE mail_queue SET state = 'failed', attempts = attempts + 1, last_error = ?,"
            " claimed_until = NULL WHERE id = ? AND state = 'pending'",
            (error[:500], mail.id),
        )

    async def counts(self) -> dict[str, int]:
        """Mails per state, for the tests and whoever looks into the queue."""
        rows = await self._db.fetch_all("SELECT state, COUNT(*) FROM mail_queue GROUP BY state")
        return {r[0]: r[1] for r in rows}
