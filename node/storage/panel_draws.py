"""Storage of panel draws, their candidates and the parties' seed commitments."""

from __future__ import annotations

import json

from node.clock import iso_now
from node.participation.models import DrawSignUp, PanelDraw, SeedShare
from node.storage.database import Database, Row


def _draw(row: Row) -> PanelDraw:
    return PanelDraw(
        uri=row["uri"],
        process_uri=row["process_uri"],
        title=row["title"],
        seats=row["seats"],
        stratified=bool(row["stratified"]),
        areas=tuple(json.loads(row["areas"])),
        parties=tuple(json.loads(row["parties"])),
        state=row["state"],
        seed=row["seed"],
        created_at=row["created_at"],
        drawn_at=row["drawn_at"],
    )


class PanelDraws:
    """Draws this node holds, and its own part in other nodes' draws."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def add(self, draw: PanelDraw) -> None:
        """Record a new draw."""
        await self._db.execute(
            "INSERT INTO panel_draws (uri, process_uri, title, seats, stratified, areas,"
            " parties, state, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                draw.uri,
                draw.process_uri,
                draw.title,
                draw.seats,
                int(draw.stratified),
                json.dumps(list(draw.areas)),
                json.dumps(list(draw.parties)),
                draw.state,
                draw.created_at,
            ),
        )

    async def get(self, uri: str) -> PanelDraw | None:
        """A draw this node holds."""
        row = await self._db.fetch_one("SELECT * FROM panel_draws WHERE uri = ?", (uri,))
        return _draw(row) if row else None

    async def count_of(self, process_uri: str) -> int:
        """How many draws a process has held."""
        return int(
            await self._db.fetch_value(
                "SELECT count(*) FROM panel_draws WHERE process_uri = ?", (process_uri,)
            )
        )

    async def of_process(self, process_uri: str) -> list[PanelDraw]:
        """The draws a process has held, the first first."""
        rows = await self._db.fetch_all(
            "SELECT * FROM panel_draws WHERE process_uri = ? ORDER BY created_at, uri",
            (process_uri,),
        )
        return [_draw(row) for row in rows]

    async def candidacy(self, uri: str, actor: str) -> tuple[str, bool] | None:
        """The pseudonym an account takes part under, and whether it was drawn."""
        row = await self._db.fetch_one(
            "SELECT pseudonym, selected FROM panel_candidates WHERE draw_uri = ? AND actor_uri = ?",
            (uri, actor),
        )
        return (row[0], bool(row[1])) if row else None

    async def move(self, uri: str, current: str, new: str) -> bool:
        """Move a draw from ``current`` to ``new``; False when it was not in ``current``."""
        count = await self._db.execute_rowcount(
            "UPDATE panel_draws SET state = ? WHERE uri = ? AND state = ?", (new, uri, current)
        )
        return count == 1

    async def drawn(self, uri: str, seed: str, selected: list[str]) -> bool:
        """Record the outcome of a draw in its revealing state; False otherwise."""
        count = await self._db.execute_rowcount(
            "UPDATE panel_draws SET state = 'drawn', seed = ?, drawn_at = ?"
            " WHERE uri = ? AND state = 'revealing'",
            (seed, iso_now(), uri),
        )
        await self._db.executemany(
            "UPDATE panel_candidates SET selected = 1 WHERE draw_uri = ? AND pseudonym = ?",
            [(uri, p) for p in selected],
        )
        return count == 1

    async def add_candidate(
        self,
        uri: str,
        actor: str,
        pseudonym: str,
        area: str,
        *,
        resident: str | None,
        credential_id: str | None,
    ) -> bool:
        """A resident opts in (under a registrar's credential, its pseudonym as
        ``resident``); False when the account, or the registered resident, had already."""
        count = await self._db.execute_rowcount(
            "INSERT INTO panel_candidates (draw_uri, actor_uri, pseudonym, area, opted_in_at,"
            " resident, credential_id) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
            (uri, actor, pseudonym, area, iso_now(), resident, credential_id),
        )
        return count == 1

    async def remove_candidates_with_credential(self, credential_id: str) -> list[tuple[str, str]]:
        """Take the candidates holding a withdrawn credential out of the draws still open;
        (draw, actor) of each."""
        rows = await self._db.fetch_all(
            "SELECT c.draw_uri, c.actor_uri FROM panel_candidates c"
            " JOIN panel_draws d ON d.uri = c.draw_uri"
            " WHERE c.credential_id = ? AND d.state = 'open'",
            (credential_id,),
        )
        await self._db.executemany(
            "DELETE FROM panel_candidates WHERE draw_uri = ? AND actor_uri = ?",
            [(r[0], r[1]) for r in rows],
        )
        return [(r[0], r[1]) for r in rows]

    async def candidates(self, uri: str) -> list[tuple[str, str]]:
        """(pseudonym, postcode area) of every candidate, by pseudonym: what is published."""
        rows = await self._db.fetch_all(
            "SELECT pseudonym, area FROM panel_candidates WHERE draw_uri = ? ORDER BY pseudonym",
            (uri,),
        )
        return [(r[0], r[1]) for r in rows]

    async def selected_pseudonyms(self, uri: str) -> list[str]:
        """The pseudonyms drawn, as published."""
        rows = await self._db.fetch_all(
            "SELECT pseudonym FROM panel_candidates WHERE draw_uri = ? AND selected = 1"
            " ORDER BY pseudonym",
            (uri,),
        )
        return [r[0] for r in rows]

    async def selected_actors(self, uri: str) -> list[str]:
        """The residents drawn (known to the process's node only)."""
        rows = await self._db.fetch_all(
            "SELECT actor_uri FROM panel_candidates WHERE draw_uri = ? AND selected = 1"
            " ORDER BY pseudonym",
            (uri,),
        )
        return [r[0] for r in rows]

    async def commit(self, uri: str, party: str, commitment: str, secret: str | None) -> bool:
        """A party's commitment (with our own secret when the party is us); False when
        that party had committed already."""
        count = await self._db.execute_rowcount(
            "INSERT INTO draw_seeds (draw_uri, party, commitment, secret) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (draw_uri, party) DO NOTHING",
            (uri, party, commitment, secret),
        )
        return count == 1

    async def reveal(self, uri: str, party: str, reveal: str) -> bool:
        """A party's reveal; False when it had revealed already."""
        count = await self._db.execute_rowcount(
            "UPDATE draw_seeds SET reveal = ? WHERE draw_uri = ? AND party = ? AND reveal IS NULL",
            (reveal, uri, party),
        )
        return count == 1

    async def shares(self, uri: str) -> dict[str, SeedShare]:
        """Every party's share of a draw's seed, by party."""
        rows = await self._db.fetch_all("SELECT * FROM draw_seeds WHERE draw_uri = ?", (uri,))
        return {
            r["party"]: SeedShare(r["party"], r["commitment"], r["reveal"], r["secret"])
            for r in rows
        }

    async def ask(self, join_id: str, actor: str, draw_uri: str, title: str) -> None:
        """Note that a resident of this node asked to take part in another node's draw."""
        await self._db.execute(
            "INSERT INTO draw_sign_ups (join_id, actor_uri, draw_uri, title, state, asked_at)"
            " VALUES (?, ?, ?, ?, 'asked', ?)",
            (join_id, actor, draw_uri, title, iso_now()),
        )

    async def answered(
        self, join_id: str, draw_uri: str, state: str, pseudonym: str | None, reason: str | None
    ) -> bool:
        """The process's answer to a sign-up; False when no such sign-up was asked."""
        count = await self._db.execute_rowcount(
            "UPDATE draw_sign_ups SET state = ?, pseudonym = ?, reason = ?, answered_at = ?"
            " WHERE join_id = ? AND draw_uri = ?",
            (state, pseudonym, reason, iso_now(), join_id, draw_uri),
        )
        return count == 1

    async def sign_ups_of(self, actor: str) -> list[DrawSignUp]:
        """A resident's sign-ups for other nodes' draws, the latest first."""
        rows = await self._db.fetch_all(
            "SELECT draw_uri, title, state, pseudonym, reason, asked_at FROM draw_sign_ups"
            " WHERE actor_uri = ? ORDER BY asked_at DESC, join_id",
            (actor,),
        )
        return [DrawSignUp(*row) for row in rows]
