"""Where each cell of a GFM table row lies in the upload.

markdown-it gives a cell's text but not its place, and drops the backslash of ``\\|`` from it;
splitting the row the same way while keeping offsets puts every cell back in the line, as runs
of the upload between the dropped backslashes.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

from markdown_it.common.utils import MD_TRIM_CHARS

Segment = tuple[int, int, int]  # offset in the cell's text, offset in the upload, length
Cell = tuple[str, tuple[Segment, ...]]
_LIST_MARKER = re.compile(r"(?:[-+*]|[0-9]{1,9}[.)])(?=[ \t])")


def row_cells(text: str, start: int, end: int, contents: Sequence[str]) -> list[Cell] | None:
    """The cells of the row in ``text[start:end]`` that markdown-it read as ``contents``.

    The row may sit behind a container prefix (``> ``, a list marker), so each place where a
    prefix could end is tried until the split agrees with markdown-it; ``None`` if none does.
    """
    end = start + len(text[start:end].rstrip(MD_TRIM_CHARS))
    for begin in _row_starts(text, start, end):
        cells = _split(text, begin, end)
        cells += [("", ())] * (len(contents) - len(cells))
        if [content for content, _ in cells[: len(contents)]] == list(contents):
            return cells[: len(contents)]
    return None


def _row_starts(text: str, position: int, end: int) -> Iterator[int]:
    while True:
        while position < end and text[position] in MD_TRIM_CHARS:
            position += 1
        yield position
        marker = _LIST_MARKER.match(text, position, end)
        if position < end and text[position] == ">":
            position += 1
        elif marker:
            position = marker.end()
        else:
            return


def _split(text: str, begin: int, end: int) -> list[Cell]:
    """markdown-it's ``escapedSplit``: ``|`` separates cells unless right after a backslash."""
    cells: list[list[tuple[int, int]]] = []
    pieces: list[tuple[int, int]] = []
    piece_start = begin
    for position in range(begin, end):
        if text[position] != "|":
            continue
        if position > begin and text[position - 1] == "\\":
            pieces.append((piece_start, position - 1))
            piece_start = position
        else:
            cells.append([*pieces, (piece_start, position)])
            pieces, piece_start = [], position + 1
    cells.append([*pieces, (piece_start, end)])
    if cells and all(a == b for a, b in cells[0]):
        cells.pop(0)
    if cells and all(a == b for a, b in cells[-1]):
        cells.pop()
    return [_trimmed(text, cell) for cell in cells]


def _trimmed(text: str, pieces: list[tuple[int, int]]) -> Cell:
    whole = "".join(text[a:b] for a, b in pieces)
    content = whole.strip(MD_TRIM_CHARS)
    skip = len(whole) - len(whole.lstrip(MD_TRIM_CHARS))
    segments, offset = [], 0
    for a, b in pieces:
        cut = min(skip, b - a)
        skip -= cut
        length = min(b - a - cut, len(content) - offset)
        if length > 0:
            segments.append((offset, a + cut, length))
            offset += length
    return content, tuple(segments)
