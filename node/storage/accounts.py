"""Login accounts of local persons."""

from __future__ import annotations

from dataclasses import dataclass

from node.clock import iso_now
from node.storage.database import Database

# An official gives the municipality's or the collective's official responses; an
# organiser runs the node's processes; a moderator handles reports and federation; an
# administrator also gives roles.
ROLES = ("resident", "official", "organiser", "moderator", "admin")


@dataclass(frozen=True)
class Account:
    """A local person who can log in."""

    actor_id: int
    actor_uri: str
    username: str
    display_name: str
    role: str
    password_hash: str
    created_at: str


class AccountRepository:
    """Accounts over SQLite."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def create(self, actor_id: int, role: str, password_hash: str) -> None:
        """Give a local person actor a login."""
        if role not in ROLES:
            raise ValueError(f"role must be one of {', '.join(ROLES)}")
        await self._db.execute(
            "INSERT INTO accounts (actor_id, role, password_hash, created_at) VALUES (?, ?, ?, ?)",
            (actor_id, role, password_hash, iso_now()),
        )

    async def by_username(self, username: str) -> Account | None:
        """An account by user name (case-insensitive)."""
        rows = await self._select("WHERE a.username = ?", (username,))
        return rows[0] if rows else None

    async def by_actor_uri(self, uri: str) -> Account | None:
        """An account by actor id."""
        rows = await self._select("WHERE a.uri = ?", (uri,))
        return rows[0] if rows else None

    async def all(self) -> list[Account]:
        """Every account, oldest first."""
        return await self._select("", ())

    async def count(self) -> int:
        """How many local accounts there are (NodeInfo's and the instance's user count)."""
        return int(await self._db.fetch_value("SELECT COUNT(*) FROM accounts"))

    async def activity_between(self, start: str, end: str) -> tuple[int, int, int]:
        """Local posts published, accounts that logged in to an app, and accounts made,
        from ``start`` up to ``end`` (ISO timestamps): a week of the instance's activity."""
        row = await self._db.fetch_one(
            "SELECT (SELECT COUNT(*) FROM objects WHERE local = 1 AND published >= ?1"
            " AND published < ?2 AND as_type IN ('Note', 'Question', 'Page', 'Article')),"
            " (SELECT COUNT(DISTINCT actor_id) FROM oauth_tokens WHERE actor_id IS NOT NULL"
            " AND created_at >= ?1 AND created_at < ?2),"
            " (SELECT COUNT(*) FROM accounts WHERE created_at >= ?1 AND created_at < ?2)",
            (start, end),
        )
        assert row is not None
        return int(row[0]), int(row[1]), int(row[2])

    async def set_role(self, actor_id: int, role: str) -> None:
        """Give an account another role."""
        if role not in ROLES:
            raise ValueError(f"role must be one of {', '.join(ROLES)}")
        await self._db.execute("UPDATE accounts SET role = ? WHERE actor_id = ?", (role, actor_id))

    async def organised_processes(self, actor_id: int) -> frozenset[str]:
        """The processes an account was made organiser of, one by one."""
        rows = await self._db.fetch_all(
            "SELECT process_uri FROM process_organisers WHERE actor_id = ?", (actor_id,)
        )
        return frozenset(r["process_uri"] for r in rows)

    async def process_organisers(self, process_uri: str) -> list[Account]:
        """The accounts made organiser of this process only, by name."""
        rows = await self._select(
            "WHERE a.id IN (SELECT actor_id FROM process_organisers WHERE process_uri = ?)",
            (process_uri,),
        )
        return sorted(rows, key=lambda account: account.username)

    async def set_process_organiser(self, actor_id: int, process_uri: str, organiser: bool) -> bool:
        """Make an account organiser of a process, or no longer; whether that changed anything."""
        if organiser:
            return bool(
                await self._db.execute_rowcount(
                    "INSERT OR IGNORE INTO process_organisers (process_uri, actor_id, granted_at)"
                    " VALUES (?, ?, ?)",
                    (process_uri, actor_id, iso_now()),
                )
            )
        return bool(
            await self._db.execute_rowcount(
                "DELETE FROM process_organisers WHERE process_uri = ? AND actor_id = ?",
                (process_uri, actor_id),
            )
        )

    async def count_with_role(self, role: str) -> int:
        """How many accounts have ``role``."""
        return int(
            await self._db.fetch_value("SELECT COUNT(*) FROM accounts WHERE role = ?", (role,))
        )

    async def set_password(self, actor_id: int, password_hash: str) -> None:
        """Replace an account's password."""
        await self._db.execute(
            "UPDATE accounts SET password_hash = ? WHERE actor_id = ?", (password_hash, actor_id)
        )

    async def _select(self, where: str, params: tuple[str, ...]) -> list[Account]:
        rows = await self._db.fetch_all(
            "SELECT a.id, a.uri, a.username, a.display_name, c.role, c.password_hash,"
            " c.created_at FROM accounts c JOIN local_actors a ON a.id = c.actor_id "
            + where
            + " ORDER BY a.id",
            params,
        )
        return [Account(r[0], r[1], r[2], r[3], r[4], r[5], r[6]) for r in rows]
