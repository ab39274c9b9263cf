"""JSON from outside, parsed with its nesting bounded before the parser recurses.

Python's parser, and every recursive walk after it (JSON-LD, schemas, the
sanitiser), meets a document nested thousands of levels deep with a
``RecursionError``. Every place JSON comes in (the inbox, documents fetched from
peers, the client API's bodies) parses it with ``loads_bounded``; no real
ActivityPub or Mastodon document comes near the limit.
"""

from __future__ import annotations

import json
import re
from array import array
from itertools import accumulate
from typing import Any

MAX_JSON_DEPTH = 64

# A string, escapes included, up to its closing quote or the end of the input; the
# possessive loops never backtrack, so the scan stays linear on any input.
_STRING = re.compile(rb'"[^"\\]*+(?:\\.[^"\\]*+)*+(?:"|\\?\Z)', re.DOTALL)
_NOT_BRACKETS = bytes(set(range(256)) - set(b"[]{}"))
# Opening brackets become +1, closing ones -1 (read as signed bytes).
_STEPS = bytes.maketrans(b"[{]}", b"\x01\x01\xff\xff")
# Levels are summed a slice at a time, so a document deep from its start stops early.
_SLICE = 4096


class JsonTooDeep(ValueError):
    """A JSON text nested deeper than the limit."""


def deeper_than(text: bytes, max_depth: int) -> bool:
    """Whether arrays and objects in a JSON text nest deeper than ``max_depth``
    (brackets inside strings ignored), in time linear in the text."""
    steps = _STRING.sub(b"", text).translate(None, _NOT_BRACKETS).translate(_STEPS)
    level = 0
    for start in range(0, len(steps), _SLICE):
        levels = list(accumulate(array("b", steps[start : start + _SLICE]), initial=level))
        if max(levels) > max_depth:
            return True
        level = levels[-1]
    return False


def loads_bounded(text: bytes | str, max_depth: int = MAX_JSON_DEPTH) -> Any:
    """``json.loads``, refusing with ``JsonTooDeep`` (a ValueError) nesting over ``max_depth``."""
    raw = text.encode("utf-8", "surrogatepass") if isinstance(text, str) else text
    # Counting brackets is cheap; the exact depth is only needed when there are many.
    if raw.count(b"[") + raw.count(b"{") > max_depth and deeper_than(raw, max_depth):
        raise JsonTooDeep(f"JSON nested deeper than {max_depth} levels")
    return json.loads(text)
