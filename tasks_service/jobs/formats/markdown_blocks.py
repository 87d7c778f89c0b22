"""The text-carrying blocks of a Markdown upload, parsed a chunk at a time.

markdown-it builds tokens for a few hundred KB at a time, so a 50 MB upload is never one token
list. A chunk ends only where markdown-it itself starts a top-level block after a blank line, so
each chunk parses exactly as it does inside the whole document. Link reference definitions act
across the document (they decide which ``[text][ref]`` are links), so a first pass collects them
and every chunk is parsed knowing all of them. Inline markup is left to ``markdown_inline``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.common.utils import MD_TRIM_CHARS
from markdown_it.token import Token

from tasks_service.jobs.formats.base import FormatError
from tasks_service.jobs.formats.markdown_cells import row_cells

CHUNK_CHARS = 256 * 1024
# Blocks only: inline content is parsed per unit, where its offsets are known.
PARSER = MarkdownIt("commonmark").enable("table").disable(["inline", "text_join"])
_EOL = re.compile(r"\r\n|\r|\n")
_FENCE = re.compile(r" {0,3}(`{3,}|~{3,})(.*)")
# A line starting with one of these may continue a list, a block quote or indented code.
_MAY_CONTINUE = " \t>-+*0123456789"
_LIST_MARKER = re.compile(r"[-+*]|[0-9]{1,9}[.)]")
# Only which labels are defined matters (a link's destination stays in its token's original
# text), so every label shares one small entry: a file with many definitions stays small.
_DEFINED = {"href": "", "title": ""}
_NOTES = {"blockquote_open": "block quote", "list_item_open": "list item"}

Line = tuple[int, int, int]  # start, end before the line break, start of the next line
Segment = tuple[int, int, int]  # offset in the block's text, offset in the upload, length


@dataclass(frozen=True, slots=True)
class Block:
    """A paragraph, heading or table cell: its text without container prefixes, and its place.

    ``text`` is what markdown-it parses inline; each segment is a run of it copied from the
    upload, so offsets map back. ``join`` separates answer lines beyond the block's own;
    ``cell`` marks a table cell, where a pipe in an answer needs escaping.
    """

    text: str
    segments: tuple[Segment, ...]
    join: str
    note: str | None
    cell: bool = False


def line_number(text: str, offset: int) -> int:
    return len(_EOL.findall(text, 0, offset)) + 1


def unsupported(text: str, offset: int) -> FormatError:
    return FormatError(
        f"unsupported Markdown near line {line_number(text, offset)}: the text could not be "
        "located in the file"
    )


def lines(text: str, start: int, end: int) -> Iterator[Line]:
    for m in _EOL.finditer(text, start, end):
        yield start, m.start(), m.end()
        start = m.end()
    if start < end:
        yield start, end, end


def link_references(text: str, start: int, chunk_chars: int) -> dict[str, Any]:
    """Every link reference definition, by label: a first pass, skipped when no ``]:`` exists."""
    found: dict[str, Any] = {}
    if text.find("]:", start) >= 0:
        for _ in _chunks(text, start, chunk_chars, found, collect=True):
            pass
    return found


def blocks(text: str, start: int, chunk_chars: int, references: dict[str, Any]) -> Iterator[Block]:
    """Every block with inline content, in document order, one chunk's tokens at a time."""
    for chunk_start, chunk_end, tokens in _chunks(text, start, chunk_chars, references):
        yield from _chunk_blocks(text, list(lines(text, chunk_start, chunk_end)), tokens)


def _chunks(
    text: str, start: int, chunk_chars: int, references: dict[str, Any], collect: bool = False
) -> Iterator[tuple[int, int, list[Token]]]:
    """Chunks of at least ``chunk_chars`` with their tokens, cut at the first blank line after
    which markdown-it starts a top-level block. Cuts are guessed from the lines, then checked
    by parsing the chunk with the line after the cut and keeping the tokens before it."""
    chunk_start, target, index = start, chunk_chars, 0
    fence: str | None = None
    blank = False
    for line_start, line_end, following in lines(text, start, len(text)):
        line = text[line_start:line_end]
        may_cut = blank and fence is None and line[:1] not in _MAY_CONTINUE
        if may_cut and line_start - chunk_start >= target:
            tokens = _parse(text[chunk_start:following], index, references, collect)
            if tokens is None:
                target = 2 * (line_start - chunk_start)  # doubling keeps re-parsing linear
            else:
                yield chunk_start, line_start, tokens
                chunk_start, target, index = line_start, chunk_chars, 0
        fence = _fence(line, fence)
        blank = not line.strip(" \t")
        index += 1
    yield chunk_start, len(text), _parse(text[chunk_start:], None, references, collect) or []


def _parse(
    chunk: str, cut: int | None, references: dict[str, Any], collect: bool
) -> list[Token] | None:
    """The chunk's tokens before line ``cut``, or ``None`` if no top-level block starts there.

    Collecting, the chunk's references are added, but not those of the block at ``cut``: the
    next chunk reads that block whole. Otherwise ``references`` is complete already.
    """
    env: dict[str, Any] = {} if collect else {"references": references}
    tokens = PARSER.parse(chunk, env)
    if cut is not None:
        starts = (i for i, t in enumerate(tokens) if t.level == 0 and t.map and t.map[0] == cut)
        at = next(starts, None)
        if at is None:
            return None
        tokens = tokens[:at]
    for label, reference in env.get("references", {}).items() if collect else ():
        if cut is None or reference["map"][0] < cut:
            references.setdefault(label, _DEFINED)
    return tokens


def _fence(line: str, fence: str | None) -> str | None:
    """The open fence after ``line``: a guess, since the cut is confirmed by parsing anyway."""
    m = _FENCE.match(line)
    if fence is None:
        if m and not (m[1][0] == "`" and "`" in m[2]):
            return m[1]
        return None
    if m and m[1][0] == fence[0] and len(m[1]) >= len(fence) and not m[2].strip(" \t"):
        return None
    return fence


def _chunk_blocks(text: str, chunk_lines: list[Line], tokens: list[Token]) -> Iterator[Block]:
    containers: list[str] = []
    row: list[Token] = []
    for previous, token in pairwise([Token("start", "", 0), *tokens]):
        if token.type in _NOTES:
            containers.append(_NOTES[token.type])
        elif token.type in ("blockquote_close", "list_item_close"):
            containers.pop()
        elif token.type == "inline" and previous.type in ("th_open", "td_open"):
            row.append(token)
        elif token.type == "tr_close":
            kind = "table header" if previous.type == "th_close" else "table cell"
            yield from _cells(text, chunk_lines, row, kind)
            row = []
        elif token.type == "inline" and token.content and token.map:
            first, last = token.map
            heading = f"heading {previous.tag[1:]}" if previous.type == "heading_open" else None
            if heading and previous.markup.startswith("#"):
                yield _atx(text, chunk_lines[first], token.content, heading)
            else:
                note = heading or (containers[-1] if containers else None)
                yield _multiline(text, chunk_lines, first, last, token.content, note)


def _multiline(
    text: str, chunk_lines: list[Line], first: int, last: int, content: str, note: str | None
) -> Block:
    """A paragraph or setext heading: each content line is the tail of its line in the upload.

    markdown-it trims the content as a whole, which can drop a line made only of Unicode
    spaces at either end, hence the search for where the content lines begin.
    """
    parts = content.split("\n")
    for skip in range(last - first - len(parts) + 1):
        span = chunk_lines[first + skip : first + skip + len(parts)]
        segments = _tails(text, span, parts)
        if segments is not None:
            joined = "\n".join(p.lstrip(" \t") for p in parts)
            return Block(joined, segments, _join(text, chunk_lines, first + skip, segments), note)
    raise unsupported(text, chunk_lines[first][0])


def _tails(text: str, span: list[Line], parts: list[str]) -> tuple[Segment, ...] | None:
    segments, offset = [], 0
    for index, ((start, end, _), part) in enumerate(zip(span, parts, strict=True)):
        piece = part.lstrip(" \t")
        if index == len(parts) - 1:
            end = start + len(text[start:end].rstrip(MD_TRIM_CHARS))
        begin = end - len(piece)
        if begin < start or text[begin:end] != piece:
            return None
        segments.append((offset, begin, len(piece)))
        offset += len(piece) + 1
    return tuple(segments)


def _join(text: str, chunk_lines: list[Line], first: int, segments: tuple[Segment, ...]) -> str:
    """The last line break with its container prefix, or, for a one-line block, a line break
    with the first line's prefix where list markers become spaces."""
    if len(segments) > 1:
        (_, before, length), (_, after, _) = segments[-2:]
        return text[before + length : after]
    start, end, following = chunk_lines[first]
    newline = text[end:following]
    if not newline and first > 0:
        newline = text[chunk_lines[first - 1][1] : start]
    prefix = _LIST_MARKER.sub(lambda m: " " * len(m.group()), text[start : segments[0][1]])
    return (newline or "\n") + prefix


def _atx(text: str, line: Line, content: str, note: str) -> Block:
    """An ATX heading: the text after the opening ``#`` run (no container prefix has a ``#``)."""
    start, end, _ = line
    position = text.find("#", start, end)
    while 0 <= position < end and text[position] == "#":
        position += 1
    while 0 <= position < end and text[position] in MD_TRIM_CHARS:
        position += 1
    if position < 0 or not text.startswith(content, position):
        raise unsupported(text, start)
    return Block(content, ((0, position, len(content)),), " ", note)


def _cells(text: str, chunk_lines: list[Line], row: list[Token], note: str) -> Iterator[Block]:
    if not row or not row[0].map:
        return
    start, end, _ = chunk_lines[row[0].map[0]]
    cells = row_cells(text, start, end, [token.content for token in row])
    if cells is None:
        raise unsupported(text, start)
    for content, segments in cells:
        if content:
            yield Block(content, segments, " ", note, cell=True)
