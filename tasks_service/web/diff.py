"""Word differences between two answers, for the review page (escaped by the template)."""

from __future__ import annotations

import difflib
import re
from typing import Literal

import msgspec

_TOKENS = re.compile(r"\s+|\w+|[^\w\s]")


class Segment(msgspec.Struct, frozen=True):
    kind: Literal["same", "added", "removed"]
    text: str


def _tokens(text: str) -> list[str]:
    return _TOKENS.findall(text)


def word_diff(base: str, other: str) -> list[Segment]:
    """``other`` as segments against ``base``: kept words, added words and removed words."""
    a, b = _tokens(base), _tokens(other)
    segments: list[Segment] = []
    matcher = difflib.SequenceMatcher(a=a, b=b, autojunk=False)
    for op, a0, a1, b0, b1 in matcher.get_opcodes():
        if op == "equal":
            segments.append(Segment("same", "".join(b[b0:b1])))
            continue
        if op in ("delete", "replace"):
            segments.append(Segment("removed", "".join(a[a0:a1])))
        if op in ("insert", "replace"):
            segments.append(Segment("added", "".join(b[b0:b1])))
    return segments
