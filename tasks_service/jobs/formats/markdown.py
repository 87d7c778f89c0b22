"""Markdown (CommonMark with GFM tables): paragraphs, headings, list items, quotes and table cells.

Code blocks, raw HTML blocks, front matter, link reference definitions and thematic breaks are
never sent. Inline markup becomes numbered tokens whose text is the original markup, so a link's
URL never reaches a volunteer. A unit's locator lists the spans of its lines in the decoded
upload (a paragraph in a block quote or list item has its ``> `` or indentation between them),
so assembly swaps only answered text and keeps every other character as uploaded.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable, Iterator
from itertools import chain
from typing import Any

import pysbd

from tasks_service.jobs.formats.base import (
    AssembleOptions,
    FormatError,
    Piece,
    Placeholder,
    Split,
    SplitOptions,
    Unit,
)
from tasks_service.jobs.formats.markdown_answers import answer_edit
from tasks_service.jobs.formats.markdown_blocks import CHUNK_CHARS, blocks, lines, link_references
from tasks_service.jobs.formats.markdown_inline import Span, spans
from tasks_service.jobs.formats.markup import TOKEN, closing, opening, standalone
from tasks_service.jobs.formats.spans import has_text, read_text, replace_spans

_BOM = "\ufeff"
_FRONT_MATTER = re.compile(r"---[ \t]*(?:\r\n|\r|\n)")
_READABLE = frozenset({"text", "atom"})


class MarkdownFormat:
    """One unit per block of text (or per sentence); ``chunk_chars`` bounds a parse's size."""

    name = "markdown"
    extensions: tuple[str, ...] = (".md", ".markdown")
    kinds: tuple[str, ...] = ("translate", "proofread")
    adds_answer_column = False
    media_type = "text/markdown; charset=utf-8"

    def __init__(self, chunk_chars: int = CHUNK_CHARS) -> None:
        self.chunk_chars = chunk_chars

    def split(self, data: bytes, options: SplitOptions) -> Split:
        text = read_text(data)
        start = _body_start(text)
        if not has_text(text, start):
            raise FormatError("the file has no text to translate")
        units = _units(text, start, options, self.chunk_chars)
        first = next(units, None)
        if first is None:
            raise FormatError(
                "the file has no text to translate: it holds only code, HTML, front matter "
                "or link definitions"
            )
        return Split(meta={}, units=chain([first], units))

    def assemble(
        self, data: bytes, meta: dict[str, Any], pieces: Iterable[Piece], options: AssembleOptions
    ) -> bytes:
        text: str | None = None
        edits = []
        for piece in pieces:
            if piece.answer is None:
                continue
            if not isinstance(piece.answer, str):
                raise FormatError("a Markdown answer must be a single string")
            text = read_text(data) if text is None else text
            edits.append(answer_edit(text, piece.locator, piece.answer, piece.placeholders))
        if text is None:
            return data
        return replace_spans(text, edits).encode("utf-8")


def _body_start(text: str) -> int:
    """Where the Markdown begins: after a BOM and after YAML front matter (``---`` … ``---``)."""
    start = 1 if text.startswith(_BOM) else 0
    opened = _FRONT_MATTER.match(text, start)
    if opened:
        for line_start, line_end, following in lines(text, opened.end(), len(text)):
            if text[line_start:line_end].rstrip(" \t") in ("---", "..."):
                return following
    return start


def _units(text: str, start: int, options: SplitOptions, chunk_chars: int) -> Iterator[Unit]:
    references = link_references(text, start, chunk_chars)
    sentences = options.segmentation == "sentence"
    segmenter = _segmenter(options.source_language) if sentences else None
    index = 0
    for block in blocks(text, start, chunk_chars, references):
        layout = _Layout(spans(text, block, references))
        ranges = layout.sentences(segmenter) if segmenter else [(0, len(layout.source))]
        number = 0
        for begin, end in ranges:
            source, placeholders, line_spans = layout.unit(begin, end)
            if TOKEN.sub("", source).strip():
                key = f"b{index}.s{number}" if segmenter else f"b{index}"
                locator = {"lines": line_spans, "join": block.join, "cell": block.cell}
                yield Unit(key, source, locator, placeholders, note=block.note)
                number += 1
        index += 1 if number else 0


def _segmenter(language: str) -> Any:
    """pysbd for the source language, or English rules where pysbd has none."""
    code = re.split(r"[-_]", language.lower(), maxsplit=1)[0]
    try:
        return pysbd.Segmenter(language=code, clean=False, char_span=True)
    except ValueError:
        return pysbd.Segmenter(language="en", clean=False, char_span=True)


class _Layout:
    """A block's spans as the volunteer reads them, with tokens numbered, ready to cut."""

    def __init__(self, block_spans: list[Span]) -> None:
        self.spans = block_spans
        self.starts: list[int] = []
        self.depths: list[int] = []
        parts: list[str] = []
        stack: list[int] = []
        number, depth, position = 0, 0, 0
        for span in block_spans:
            position += len(parts[-1]) if parts else 0
            self.starts.append(position)
            self.depths.append(depth)
            if span.role == "close":
                parts.append(closing(stack.pop()))
                depth -= 1
            elif span.role in ("open", "alone"):
                number += 1
                parts.append(opening(number) if span.role == "open" else standalone(number))
                if span.role == "open":
                    stack.append(number)
                    depth += 1
            else:
                parts.append("\n" if span.role == "break" else span.text)
        self.source = "".join(parts)

    def sentences(self, segmenter: Any) -> list[tuple[int, int]]:
        """pysbd's sentences, trimmed; the whole block where pysbd drops text or would cut
        through a token or between a pair of tokens."""
        # A line break in a paragraph only wraps it: pysbd would end a sentence there.
        found = [(s.start, s.end) for s in segmenter.segment(self.source.replace("\n", " "))]
        tiled = [start for start, _ in found] == [0, *(end for _, end in found[:-1])]
        if not found or not tiled or found[-1][1] != len(self.source):
            return [(0, len(self.source))]
        if not all(self._cuttable(start) for start, _ in found[1:]):
            return [(0, len(self.source))]
        return [self._trimmed(start, end) for start, end in found]

    def unit(self, begin: int, end: int) -> tuple[str, tuple[Placeholder, ...], list[list[int]]]:
        """Source, placeholders (numbered afresh) and line spans of ``source[begin:end]``."""
        out: list[str] = []
        placeholders: list[Placeholder] = []
        stack: list[int] = []
        number = 0
        line_spans = [[self._offset(begin), 0]]
        for index in range(self._at(begin), len(self.spans)):
            span, start = self.spans[index], self.starts[index]
            if start >= end:
                break
            if span.role in _READABLE:
                out.append(span.text[max(begin - start, 0) : end - start])
                continue
            if span.role == "break":
                line_spans[-1][1] = span.start
                line_spans.append([span.end, 0])
                out.append("\n")
                continue
            if span.role == "close":
                token = closing(stack.pop())
            else:
                number += 1
                token = opening(number) if span.role == "open" else standalone(number)
                stack += [number] if span.role == "open" else []
            out.append(token)
            placeholders.append(Placeholder(token, span.text))
        line_spans[-1][1] = self._offset(end)
        return "".join(out), tuple(placeholders), line_spans

    def _at(self, position: int) -> int:
        return max(bisect_right(self.starts, position) - 1, 0)

    def _cuttable(self, position: int) -> bool:
        index = self._at(position)
        inside = position != self.starts[index]
        return self.depths[index] == 0 and (not inside or self.spans[index].role == "text")

    def _trimmed(self, begin: int, end: int) -> tuple[int, int]:
        def blank(position: int) -> bool:
            role = self.spans[self._at(position)].role
            return self.source[position].isspace() and role in ("text", "break")

        while begin < end and blank(begin):
            begin += 1
        while end > begin and blank(end - 1):
            end -= 1
        return begin, end

    def _offset(self, position: int) -> int:
        """The upload offset of a position; at a seam, the end of the span before it."""
        if position >= len(self.source):
            return self.spans[-1].end
        index = self._at(position)
        span, start = self.spans[index], self.starts[index]
        if position == start:
            return self.spans[index - 1].end if index else span.start
        return span.start + position - start


MARKDOWN = MarkdownFormat()
