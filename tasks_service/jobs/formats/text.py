"""Plain UTF-8 text: one unit per paragraph (or sentence), located by character offsets.

The offsets point into the decoded upload, so assembling only swaps the answered spans and
leaves every other character (BOM, blank lines, CRLF) exactly as uploaded.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any

import pysbd

from tasks_service.jobs.formats.base import (
    AssembleOptions,
    FormatError,
    Piece,
    Split,
    SplitOptions,
    Unit,
)
from tasks_service.jobs.formats.spans import locator_span, read_text, replace_spans

_NEWLINE = r"(?>\r\n|\r|\n)"
# A line break followed by at least one blank line (spaces and tabs allowed on it).
_PARAGRAPH_BREAK = re.compile(rf"{_NEWLINE}(?:[^\S\r\n]*{_NEWLINE})+")
_CONTENT = re.compile(r"\S(?:[\s\S]*\S)?")
_BOM = "\ufeff"


class TextFormat:
    """Paragraphs are separated by blank lines; a unit is a paragraph without its outer spaces."""

    name = "text"
    extensions: tuple[str, ...] = (".txt", ".text")
    kinds: tuple[str, ...] = ("translate", "proofread")
    adds_answer_column = False
    media_type = "text/plain; charset=utf-8"

    def split(self, data: bytes, options: SplitOptions) -> Split:
        text = read_text(data)
        start = 1 if text.startswith(_BOM) else 0
        if not text[start:].strip():
            raise FormatError("the file has no text to translate")
        if options.segmentation == "sentence":
            return Split(meta={}, units=_sentences(text, start, options.source_language))
        return Split(meta={}, units=_paragraph_units(text, start))

    def assemble(
        self, data: bytes, meta: dict[str, Any], pieces: Iterable[Piece], options: AssembleOptions
    ) -> bytes:
        edits = []
        for piece in pieces:
            if piece.answer is None:
                continue
            if not isinstance(piece.answer, str):
                raise FormatError("a text answer must be a single string")
            edits.append((*locator_span(piece.locator), piece.answer))
        if not edits:
            return data
        return replace_spans(read_text(data), edits).encode("utf-8")


def _paragraphs(text: str, start: int) -> Iterator[tuple[int, int]]:
    """Spans of the paragraphs with their surrounding whitespace left out."""
    position = start
    for m in _PARAGRAPH_BREAK.finditer(text, start):
        yield from _trimmed(text, position, m.start())
        position = m.end()
    yield from _trimmed(text, position, len(text))


def _trimmed(text: str, start: int, end: int) -> Iterator[tuple[int, int]]:
    m = _CONTENT.search(text, start, end)
    if m:
        yield m.span()


def _paragraph_units(text: str, start: int) -> Iterator[Unit]:
    for index, (begin, end) in enumerate(_paragraphs(text, start)):
        yield _unit(f"p{index}", text, begin, end)


def _sentences(text: str, start: int, language: str) -> Iterator[Unit]:
    """Sentences per paragraph; a paragraph pysbd cannot cover exactly stays one unit."""
    segmenter = _segmenter(re.split(r"[-_]", language.lower(), maxsplit=1)[0])
    for index, (begin, end) in enumerate(_paragraphs(text, start)):
        spans = [(s.start, s.end) for s in segmenter.segment(text[begin:end])]
        if not _tiles(spans, end - begin):
            spans = [(0, end - begin)]
        number = 0
        for span_start, span_end in spans:
            for s, e in _trimmed(text, begin + span_start, begin + span_end):
                yield _unit(f"p{index}.s{number}", text, s, e)
                number += 1


def _segmenter(code: str) -> Any:
    """pysbd for the source language, or English rules where pysbd has none."""
    try:
        return pysbd.Segmenter(language=code, clean=False, char_span=True)
    except ValueError:
        return pysbd.Segmenter(language="en", clean=False, char_span=True)


def _tiles(spans: list[tuple[int, int]], length: int) -> bool:
    """Whether pysbd's spans cover the paragraph end to end; it drops text it cannot place."""
    position = 0
    for start, end in spans:
        if start != position:
            return False
        position = end
    return position == length


def _unit(key: str, text: str, start: int, end: int) -> Unit:
    return Unit(key=key, source=text[start:end], locator={"start": start, "end": end})


TEXT = TextFormat()
