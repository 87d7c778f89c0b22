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
    # Leading spaces could make an indented code block, two trailing ones a hard line break.
    pipe = _PIPES[locator.get("cell") is True]
    lines = [_line(line.strip(" \t"), markup, pipe) for line in _NEWLINE.split(answer)]
    lines = [line for line in lines if line.strip()]
    out = []
    for index, line in enumerate(lines):
        if index:
            out.append(
                document[spans[index - 1][1] : spans[index][0]] if index < len(spans) else join
            )
        out.append(line)
    return spans[0][0], spans[-1][1], "".join(out)


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


def _line(line: str, markup: dict[str, str], pipe: str) -> str:
    """One answer line: the unit's tokens expanded, the text between them escaped."""
    parts: list[tuple[str, str]] = []  # (token or "", text)
    position = 0
    for m in TOKEN.finditer(line):
        if m.group() in markup:
            parts += [("", line[position : m.start()]), (m.group(), markup[m.group()])]
            position = m.end()
    parts.append(("", line[position:]))
    out = []
    for index, (token, text) in enumerate(parts):
        if token:
            out.append(text)
            continue
        before, after = parts[index - 1] if index else ("", ""), parts[index + 1 : index + 2]
        edges = _Edges(
            first=index == 0,
            last=not after,
            opened=bool(before[0]) and not before[0].startswith("</") and before[1][-1:] in "*_",
            closed=bool(after) and after[0][0].startswith("</") and after[0][1][:1] in "*_",
        )
        out.append(_escape(text, pipe, edges))
    return "".join(out)


@dataclass(frozen=True, slots=True)
class _Edges:
    """Where a piece of answer text sits: at the line's ends, or just inside emphasis."""

    first: bool
    last: bool
    opened: bool
    closed: bool


def _escape(text: str, pipe: str, edges: _Edges) -> str:
    """Backslashes before the characters that would start markup here, and only those."""
    marks = {i for i, c in enumerate(text) if _starts_markup(text, i, c, edges.last)}
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


def _starts_markup(text: str, i: int, character: str, last: bool) -> bool:
    following = text[i + 1 : i + 2]
    if character in _ALWAYS:
        return True
    if character == "_":  # only an underscore inside a word can never be emphasis
        return not (text[i - 1 : i].isalnum() and following.isalnum())
    if character == "<":
        return not following or _TAG_START.match(following) is not None
    if character == "&":
        return _ENTITY.match(text, i) is not None
    return character == "!" and not following and not last  # "!" before a link's "["
