"""Which parts of an HTML tree a volunteer sees: text runs of blocks and a few attributes.

A block's text and the inline elements between it form one unit; the inline elements become
numbered tags whose text is the original markup, and code, scripts, comments and the like
become standalone tags, so nothing but prose passes through a volunteer's hands.
"""

from __future__ import annotations

import html
import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from itertools import accumulate
from typing import Any

from tasks_service.jobs.formats import markup
from tasks_service.jobs.formats.base import Placeholder, Unit
from tasks_service.jobs.formats.html_tree import VOID, Element, Node, Text, tag_set

# Elements whose text flows within a block; any other element starts a block of its own.
INLINE = tag_set(
    "a abbr acronym audio b bdi bdo big br canvas cite code data del dfn em embed font i iframe "
    "img input ins kbd map area mark math meter noscript object output picture progress q rp rt "
    "ruby s samp script slot small source span strike strong style sub sup svg template "
    "textarea time track tt u var video wbr"
)
# Never sent: their content stays as uploaded (inside a block they become one standalone tag).
OPAQUE = tag_set(
    "script style template textarea code kbd samp svg math iframe object embed video audio "
    "canvas noscript pre xmp listing"
)
# Attributes people read, with what a volunteer should know about them.
ATTRIBUTES = {
    "alt": "Text shown instead of an image (alt attribute)",
    "title": "Tooltip (title attribute)",
    "placeholder": "Hint shown in an empty form field (placeholder attribute)",
    "aria-label": "Label read out by screen readers (aria-label attribute)",
}
_NOTES = {
    "title": "Page title, shown in the browser tab",
    "button": "Button label",
    "label": "Form field label",
    "option": "Choice in a drop-down list",
    "legend": "Title of a group of form fields",
    "summary": "Heading of a collapsible section",
    "caption": "Table caption",
    "figcaption": "Figure caption",
    "th": "Table header",
    "dt": "Term in a definition list",
    **dict.fromkeys(("h1", "h2", "h3", "h4", "h5", "h6"), "Heading"),
}
_INVISIBLE = frozenset(("script", "style", "template"))
# html.unescape's own pattern, so that decoding reference by reference equals decoding at once.
_REFERENCE = re.compile(r"&(?:#[0-9]+;?|#[xX][0-9a-fA-F]+;?|[^\t\n\f <&#;]{1,32};?)")


def units(root: Element, text: str) -> Iterator[Unit]:
    """Every unit of the document, in document order."""
    yield from _block(root, text)


def _block(element: Element, text: str) -> Iterator[Unit]:
    yield from _attribute_units(element, text)
    if element.tag in OPAQUE:
        return
    run: list[Node] = []
    number = 0
    for child in [*element.children, None]:
        if child is not None and (not isinstance(child, Element) or _inline(child)):
            run.append(child)
            continue
        unit = _run_unit(element, number, run, text)
        if unit is not None:
            number += 1
            yield unit
        for node in run:
            yield from _nested_attribute_units(node, text)
        run = []
        if child is not None:
            yield from _block(child, text)


def _inline(element: Element) -> bool:
    """Inline, and only inline inside (a link around a ``<div>`` is a block)."""
    if element.tag not in INLINE and "-" not in element.tag:  # custom elements are inline
        return False
    return element.tag in OPAQUE or all(
        _inline(child) for child in element.children if isinstance(child, Element)
    )


def _attribute_units(element: Element, text: str) -> Iterator[Unit]:
    seen: set[str] = set()
    for attribute in element.attributes:
        if attribute.name in seen:
            continue  # browsers keep the first of repeated attributes
        seen.add(attribute.name)
        source = html.unescape(text[attribute.start : attribute.end])
        if attribute.name in ATTRIBUTES and source.strip():
            yield Unit(
                key=f"e{element.index}.{attribute.name}",
                source=source,
                locator={"start": attribute.start, "end": attribute.end, "quote": attribute.quote},
                note=f"{ATTRIBUTES[attribute.name]} of <{element.tag}>",
            )


def _nested_attribute_units(node: Node, text: str) -> Iterator[Unit]:
    if isinstance(node, Element):
        yield from _attribute_units(node, text)
        if node.tag not in OPAQUE:
            for child in node.children:
                yield from _nested_attribute_units(child, text)


def _run_unit(block: Element, number: int, run: Sequence[Node], text: str) -> Unit | None:
    """The unit for the text and inline elements between two blocks, if there is text."""
    content = [i for i, node in enumerate(run) if _is_content(node, text)]
    if not content:
        return None
    first, last = run[content[0]], run[content[-1]]
    start, end = first.start, last.end
    if isinstance(first, Text):
        start += len(text[first.start : first.end]) - len(text[first.start : first.end].lstrip())
    if isinstance(last, Text):
        end -= len(text[last.start : last.end]) - len(text[last.start : last.end].rstrip())
    flat = _Flat(text)
    for node in run[content[0] : content[-1] + 1]:
        flat.node(node, max(node.start, start), min(node.end, end))
    if not flat.words:
        return None
    return Unit(
        key=f"e{block.index}.t{number}",
        source="".join(flat.parts),
        locator={"start": start, "end": end, "tags": flat.tags},
        placeholders=tuple(Placeholder(tag[0], text[tag[1] : tag[2]]) for tag in flat.tags),
        note=_NOTES.get(block.tag),
    )


def _is_content(node: Node, text: str) -> bool:
    """What a run is trimmed to: text and elements, not edge whitespace, comments or scripts."""
    if isinstance(node, Text):
        return not text[node.start : node.end].isspace()
    return isinstance(node, Element) and node.tag not in _INVISIBLE


def _atomic(element: Element, text: str) -> bool:
    """Kept whole as one standalone tag: code and the like, images, elements without text."""
    return element.tag in OPAQUE or element.tag in VOID or not _has_words(element, text)


def _has_words(element: Element, text: str) -> bool:
    for child in element.children:
        if isinstance(child, Text) and html.unescape(text[child.start : child.end]).strip():
            return True
        if isinstance(child, Element) and child.tag not in OPAQUE and _has_words(child, text):
            return True
    return False


@dataclass(slots=True)
class _Flat:
    """A run flattened into the unit's source and its tags' tokens and spans."""

    text: str
    parts: list[str] = field(default_factory=list)
    tags: list[list[Any]] = field(default_factory=list)  # [token, start, end], JSON-ready
    count: int = 0
    words: bool = False

    def node(self, node: Node, start: int, end: int) -> None:
        if isinstance(node, Text):
            self.literal(start, end)
        elif not isinstance(node, Element) or _atomic(node, self.text):
            self.tag(markup.standalone(self.next()), start, end)
        elif node.close_start is None:  # left open: the start tag alone is protected
            self.tag(markup.standalone(self.next()), node.start, node.open_end)
            self.children(node)
        else:
            number = self.next()
            self.tag(markup.opening(number), node.start, node.open_end)
            self.children(node)
            self.tag(markup.closing(number), node.close_start, node.end)

    def children(self, element: Element) -> None:
        for child in element.children:
            self.node(child, child.start, child.end)

    def next(self) -> int:
        self.count += 1
        return self.count

    def tag(self, token: str, start: int, end: int) -> None:
        self.parts.append(token)
        self.tags.append([token, start, end])

    def literal(self, start: int, end: int) -> None:
        """Decoded text; anything in it that reads like a token is protected as a tag."""
        pieces = _decode(self.text, start, end)
        decoded = "".join(piece for _, _, piece, _ in pieces)
        self.words = self.words or bool(decoded.strip())
        ends = list(accumulate(len(piece) for _, _, piece, _ in pieces))
        position = 0
        for m in markup.TOKEN.finditer(decoded):
            low, raw_low = _snap(pieces, ends, bisect_right(ends, m.start()), m.start(), False)
            high, raw_high = _snap(pieces, ends, bisect_left(ends, m.end()), m.end(), True)
            if low >= position:
                self.parts.append(decoded[position:low])
                self.tag(markup.standalone(self.next()), raw_low, raw_high)
                position = high
        self.parts.append(decoded[position:])


_Piece = tuple[int, int, str, bool]  # raw start, raw end, decoded text, literal or reference


def _decode(text: str, start: int, end: int) -> list[_Piece]:
    """The raw span as literal stretches and single references, each with its decoded text."""
    pieces, position = [], start
    for m in _REFERENCE.finditer(text, start, end):
        if m.start() > position:
            pieces.append((position, m.start(), text[position : m.start()], True))
        pieces.append((m.start(), m.end(), html.unescape(m.group()), False))
        position = m.end()
    if position < end:
        pieces.append((position, end, text[position:end], True))
    return pieces


def _snap(
    pieces: list[_Piece], ends: list[int], index: int, offset: int, up: bool
) -> tuple[int, int]:
    """A decoded offset in ``pieces[index]`` and its raw offset, widened out of a reference."""
    raw_start, raw_end, piece, literal = pieces[index]
    begin = ends[index] - len(piece)
    if literal:
        return offset, raw_start + offset - begin
    return (ends[index], raw_end) if up else (begin, raw_start)
