"""Paging over increasing row ids, the way the Mastodon client API pages."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from node.storage.database import Database, Row


@dataclass(frozen=True)
class PageRequest:
    """``max_id``/``since_id`` page back from the newest; ``min_id`` pages forward from
    just after it. Ids are exclusive bounds."""

    max_id: int | None = None
    min_id: int | None = None
    since_id: int | None = None
    limit: int = 20


async def fetch_page(
    db: Database,
    select: str,
    where: Sequence[str],
    params: Sequence[object],
    page: PageRequest,
    id_column: str = "id",
) -> list[Row]:
    """Rows of ``select`` matching ``where`` within the page, newest first."""
    conditions = list(where)
    values = list(params)
    for bound, operator in ((page.max_id, "<"), (page.since_id, ">"), (page.min_id, ">")):
        if bound is not None:
            conditions.append(f"{id_column} {operator} ?")
            values.append(bound)
    # With min_id the page starts right after it, so take the oldest matches first.
    order = "ASC" if page.min_id is not None else "DESC"
    sql = (
        f"{select} WHERE {' AND '.join(conditions) or 'TRUE'} ORDER BY {id_column} {order} LIMIT ?"
    )
    rows = await db.fetch_all(sql, [*values, page.limit])
    return rows[::-1] if page.min_id is not None else rows
