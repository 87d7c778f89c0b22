"""Inline markup as numbered tags: what a volunteer sees instead of a document's own syntax.

A span of emphasis, a link or an XLIFF ``<g>`` becomes a pair ``<1>…</1>``; a piece with no
text of its own (inline code, an image, a line break, ``<x/>``) becomes ``<2/>``. Each token is
a :class:`Placeholder` whose ``text`` is the original markup, so assembly swaps tokens back and
the document's syntax never passes through a volunteer's hands.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

from tasks_service.jobs.formats.base import Placeholder

TOKEN = re.compile(r"</?([0-9]+)/?>")


def opening(n: int) -> str:
    return f"<{n}>"


def closing(n: int) -> str:
    return f"</{n}>"


def standalone(n: int) -> str:
    return f"<{n}/>"


def is_markup(token: str) -> bool:
    return TOKEN.fullmatch(token) is not None


def expand(answer: str, placeholders: Sequence[Placeholder]) -> str:
    """The answer with every markup token replaced by the markup it stands for."""
    texts = {p.token: p.text for p in placeholders if is_markup(p.token)}
    if not texts:
        return answer
    return TOKEN.sub(lambda m: texts.get(m.group(), m.group()), answer)


def check_markup(placeholders: Sequence[Placeholder], answer: str) -> list[str]:
    """Dropped, duplicated, invented or crossed tags, in words; empty when the answer is fine."""
    expected = Counter(p.token for p in placeholders if is_markup(p.token))
    found = Counter(m.group() for m in TOKEN.finditer(answer))
    problems = []
    for token in sorted(expected.keys() | found.keys()):
        want, got = expected[token], found[token]
        if want and not got:
            problems.append(f"missing tag {token}")
        elif got and not want:
            problems.append(f"unknown tag {token}: use only the tags of the source")
        elif got != want:
            problems.append(f"tag {token} appears {got} times, expected {want}")
    if not problems:
        problems.extend(_nesting(answer))
    return problems


def _nesting(answer: str) -> list[str]:
    """Paired tags must open before they close and nest without crossing."""
    stack: list[str] = []
    for m in TOKEN.finditer(answer):
        token, number = m.group(), m.group(1)
        if token.endswith("/>"):
            continue
        if not token.startswith("</"):
            stack.append(number)
        elif not stack or stack[-1] != number:
            return [f"tag {token} closes out of order; keep the tags nested as in the source"]
        else:
            stack.pop()
    return []
