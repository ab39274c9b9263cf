"""Request parameters as Mastodon apps send them: query, form or JSON, nested or flat.

Mastodon.py sends form bodies (``poll[options][]=a``) and string booleans
(``"sensitive": "0"``); toot sends JSON. Rails reads them all the same way, so
apps rely on that: every endpoint reads its parameters through ``Params``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from activitypub.bounded_json import loads_bounded
from federation.errors import Invalid, MalformedDocument
from node.web.app import read_body, read_form

TRUE_WORDS = frozenset({"1", "true", "t", "on", "yes"})
FALSE_WORDS = frozenset({"0", "false", "f", "off", "no", ""})
_BRACKETS = re.compile(r"\[([^\]]*)\]")


def nest(pairs: Iterable[tuple[str, str]]) -> dict[str, Any]:
    """Rails-style nesting: ``a[b][]=1`` becomes ``{"a": {"b": ["1"]}}``."""
    result: dict[str, Any] = {}
    for key, value in pairs:
        head = key.split("[", 1)[0]
        path = [head, *_BRACKETS.findall(key[len(head) :])]
        target: dict[str, Any] = result
        for index, part in enumerate(path):
            last = index == len(path) - 1
            following = None if last else path[index + 1]
            if last:
                target[part] = value
            elif following == "":
                target.setdefault(part, [])
                if isinstance(target[part], list):
                    _append(target[part], path[index + 2 :], value)
                break
            else:
                child = target.get(part)
                if not isinstance(child, dict):
                    child = target[part] = {}
                target = child
    return result


def _append(items: list[Any], keys: list[str], value: str) -> None:
    """``a[]=v`` appends v; ``a[][k]=v`` sets k in the last object of the list, or in a
    new one when that already has k, as Rails builds ``media_attributes[][id]``."""
    if not keys:
        items.append(value)
        return
    if len(keys) > 1:
        # Deeper nesting inside list items is not a shape any Mastodon endpoint takes.
        return
    if not items or not isinstance(items[-1], dict) or keys[0] in items[-1]:
        items.append({})
    items[-1][keys[0]] = value


@dataclass(frozen=True)
class Params:
    """Read access to merged parameters, with Mastodon's lenient typing."""

    values: dict[str, Any]

    @classmethod
    async def of(cls, request: web.Request) -> Params:
        """Query parameters overlaid with the form or JSON body."""
        values = nest(request.query.items())
        if request.can_read_body:
            if request.content_type == "application/json":
                try:
                    body = loads_bounded(await read_body(request) or b"{}")
                except ValueError as exc:
                    raise MalformedDocument(f"the body is not valid JSON: {exc}") from exc
                if not isinstance(body, dict):
                    raise MalformedDocument("the JSON body must be an object")
                values.update(body)
            elif request.content_type in (
                "application/x-www-form-urlencoded",
                "multipart/form-data",
            ):
                form = await read_form(request)
                values.update(nest((k, v) for k, v in form.items() if isinstance(v, str)))
        return cls(values)

    def text(self, name: str, default: str | None = None) -> str | None:
        """A string parameter; numbers are accepted as their text."""
        value = self.values.get(name)
        if value is None or isinstance(value, dict | list):
            return default
        if isinstance(value, bool):
            return "true" if value else "false"
        return str(value)

    def flag(self, name: str, default: bool = False) -> bool:
        """A boolean given as JSON true/false or as a word such as "0" or "true"."""
        value = self.values.get(name)
        if value is None:
            return default
        if isinstance(value, bool):
            return value
        word = str(value).strip().lower()
        if word in TRUE_WORDS:
            return True
        if word in FALSE_WORDS:
            return False
        raise Invalid(f"{name} must be true or false, not {value!r}")

    def integer(self, name: str, default: int | None = None) -> int | None:
        """A whole number; anything else is refused with 422."""
        value = self.values.get(name)
        if value is None or value == "":
            return default
        try:
            return int(str(value))
        except ValueError as exc:
            raise Invalid(f"{name} must be a whole number, not {value!r}") from exc

    def texts(self, name: str) -> list[str]:
        """A list parameter (``name[]=a&name[]=b``, a JSON array, or a single value)."""
        value = self.values.get(name)
        if value is None:
            return []
        if isinstance(value, list):
            return [str(v) for v in value if v is not None]
        if isinstance(value, dict):
            return [str(v) for v in value.values()]
        return [str(value)]

    def section(self, name: str) -> Params | None:
        """A nested group of parameters such as ``poll[...]``, or None when absent."""
        value = self.values.get(name)
        return Params(value) if isinstance(value, dict) else None
