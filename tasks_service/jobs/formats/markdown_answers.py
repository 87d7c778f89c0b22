"""An answer back into Markdown: its text escaped so it stays text, its tokens made markup again.

Volunteers read escapes and entities as plain characters, so assembly escapes whatever in the
answer would otherwise start markup (emphasis, links, code, HTML, or a heading, list, quote,
fence or table at the start of a line). The answer's lines go back after the original lines'
container prefixes (``> ``, list indentation); lines beyond the original's use the unit's join.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from itertools import chain, pairwise
from typing import Any

from markdown_it.common.utils import MD_TRIM_CHARS

from tasks_service.jobs.formats.base import FormatError, Placeholder
from tasks_service.jobs.formats.markup import TOKEN, is_markup

Edit = tuple[int, int, str]

_NEWLINE = re.compile(r"\r\n|\r|\n")
_ALWAYS = frozenset("\\*`[]|")
# Outside tables a pipe is written as a reference: a backslash-escaped pipe still counts for a
# GFM table header, so a translated line above a "---" could become a one-column table. In a
# cell the escaped pipe keeps a row of one column a table row.
_PIPES = {True: "\\|", False: "&#124;"}
_TRIMMED = MD_TRIM_CHARS.replace(" ", "").replace("\t", "")
_TAG_START = re.compile(r"[A-Za-z/!?]")
_ENTITY = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")
# At the start of a line: an ATX heading, a list item, a block quote, a ~~~ fence.
_BLOCK_START = re.compile(r"#{1,6}(?=[ \t]|$)|[-+](?=[ \t]|$)|>|~{3,}")
_ORDERED = re.compile(r"[0-9]{1,9}([.)])(?=[ \t]|$)")
# A whole line that would underline a setext heading, be a thematic break or a table's
# delimiter row.
_RULE_LINE = re.compile(r"[-=:][-=:| \t]*")
_CLOSING_HASHES = re.compile(r"[ \t](#+)[ \t]*$")


def answer_edit(
    document: str, locator: dict[str, Any], answer: str, placeholders: Sequence[Placeholder]
) -> Edit:
    """The span of the unit in ``document`` and the Markdown that replaces it."""
    spans, join = _checked(locator, len(document))
    markup = {p.token: p.text for p in placeholders if is_markup(p.token)}
    pipe = _PIPES[locator.get("cell") is True]
    # Leading spaces could make an indented code block, two trailing ones a hard line break.
    lines = [line.strip(" \t") for line in _NEWLINE.split(answer) if line.strip(" \t")]
    if not lines:
        return spans[0][0], spans[-1][1], ""
    breaks = [document[a[1] : b[0]] for a, b in pairwise(spans)][: len(lines) - 1]
    breaks += [join] * (len(lines) - 1 - len(breaks))
    after = document[spans[-1][1] : spans[-1][1] + 1]  # what follows the unit in the file
    ends = [*breaks, after]
    out = [_line(line, markup, pipe, end) for line, end in zip(lines, ends, strict=True)]
    joined = chain.from_iterable(zip(out, [*breaks, ""], strict=True))
    return spans[0][0], spans[-1][1], "".join(joined)


def _checked(locator: dict[str, Any], length: int) -> tuple[list[tuple[int, int]], str]:
    """The locator's line spans and join, checked, since locators come back from storage."""
    spans, join = locator.get("lines"), locator.get("join")
    if not isinstance(spans, list) or not spans or not isinstance(join, str):
        raise FormatError(f"invalid locator {locator!r}")
    checked, position = [], 0
    for span in spans:
        if not (
            isinstance(span, list)
            and len(span) == 2
            and all(type(value) is int for value in span)
            and position <= span[0] <= span[1] <= length
        ):
            raise FormatError(f"invalid locator {locator!r}")
        checked.append((span[0], span[1]))
        position = span[1]
    return checked, join


def _line(line: str, markup: dict[str, str], pipe: str, after: str) -> str:
    """One answer line: the unit's tokens expanded, the text between them escaped.

    ``after`` is what follows the line in the file, for the escapes that look ahead.
    """
    parts: list[tuple[str, str]] = []  # (token, its markup) or ("", answer text), alternating
    position = 0
    for m in TOKEN.finditer(line):
        if m.group() in markup:
            parts += [("", line[position : m.start()]), (m.group(), markup[m.group()])]
            position = m.end()
    parts.append(("", line[position:]))
    out = []
    for index in range(0, len(parts), 2):
        previous = parts[index - 1] if index else ("", "")
        following = parts[index + 1] if index + 1 < len(parts) else ("", after)
        edges = _Edges(
            first=index == 0,
            last=index == len(parts) - 1,
            opened=_emphasis(previous, opening=True),
            closed=_emphasis(following, opening=False),
            following=following[1],
        )
        out += [_escape(parts[index][1], pipe, edges), following[1] if following[0] else ""]
    return "".join(out)


def _emphasis(part: tuple[str, str], *, opening: bool) -> bool:
    """Whether the part is a token opening (or closing) emphasis with ``*`` or ``_``."""
    token, markup = part
    if not token or token.startswith("</") == opening:
        return False
    return (markup[-1:] if opening else markup[:1]) in ("*", "_")


@dataclass(frozen=True, slots=True)
class _Edges:
    """Where a piece of answer text sits: at the line's ends, or just inside emphasis."""

    first: bool
    last: bool
    opened: bool
    closed: bool
    following: str  # the text right after this piece


def _escape(text: str, pipe: str, edges: _Edges) -> str:
    """Backslashes before the characters that would start markup here, and only those."""
    marks = {i for i, c in enumerate(text) if _starts_markup(text, i, c, edges.following)}
    if edges.first and _BLOCK_START.match(text):
        marks.add(0)
    if edges.first and (m := _ORDERED.match(text)):
        marks.add(m.start(1))
    if edges.first and edges.last and _RULE_LINE.fullmatch(text):
        marks.add(0)
    if edges.last and (m := _CLOSING_HASHES.search(text)):
        marks.add(m.start(1))  # an ATX heading would drop a closing run of #
    out = ["\\" + c if i in marks else c for i, c in enumerate(text)]
    out = [pipe if escaped == "\\|" else escaped for escaped in out]
    for index in _references(text, edges):
        out[index] = f"&#{ord(text[index])};"
    return "".join(out)


def _references(text: str, edges: _Edges) -> Iterator[int]:
    """Spaces at the text's ends that must be written as references: markdown-it trims
    Unicode spaces off a block's ends, and a space just inside ``*`` or ``_`` would stop it
    being emphasis (the source had an entity there, which reads as punctuation)."""
    lead = text.lstrip(_TRIMMED if edges.first else "") if not edges.opened else text.lstrip()
    yield from range(len(text) - len(lead))
    trail = text.rstrip(_TRIMMED if edges.last else "") if not edges.closed else text.rstrip()
    yield from range(len(trail), len(text))


def _starts_markup(text: str, i: int, character: str, after: str) -> bool:
    ahead = text[i + 1 : i + 40] + after  # enough for the longest entity
    if character in _ALWAYS:
        return True
    if character == "_":  # only an underscore inside a word can never be emphasis
        return not (text[i - 1 : i].isalnum() and text[i + 1 : i + 2].isalnum())
    if character == "<":
        return _TAG_START.match(ahead) is not None
    if character == "&":
        return _ENTITY.match(character + ahead) is not None
    return character == "!" and ahead.startswith("[")  # an image
