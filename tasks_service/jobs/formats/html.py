"""HTML pages: the text of each block and a few attributes become units, the rest stays put.

Locators are character spans into the decoded upload (a block's text run, or an attribute's
value), so assembly swaps only the answered spans and an unanswered page comes back byte for
byte. A block's locator also lists its tags' spans: an answered ``alt`` or ``title`` inside a
tag of an answered block is applied to that tag's text before the block's answer is expanded.
"""

from __future__ import annotations

import html
import re
from bisect import bisect_left
from collections.abc import Iterable, Iterator
from itertools import chain
from typing import Any

from tasks_service.jobs.formats import markup
from tasks_service.jobs.formats.base import (
    AssembleOptions,
    FormatError,
    Piece,
    Placeholder,
    Split,
    SplitOptions,
)
from tasks_service.jobs.formats.html_tree import Element, Node, Other, parse
from tasks_service.jobs.formats.html_units import units
from tasks_service.jobs.formats.spans import has_text, locator_span, read_text, replace_spans

Edit = tuple[int, int, str]

_CHARSET = re.compile(r"charset\s*=\s*[\"']?([^\s;\"'>]+)", re.IGNORECASE)
_XML_ENCODING = re.compile(r"<\?xml\b[^>]*?\bencoding\s*=\s*[\"']([^\"']+)")
_UTF8 = frozenset({"utf-8", "utf8", "unicode-1-1-utf-8"})
_CHARSET_NAME = re.compile(r"[\w.:-]+")


class HtmlFormat:
    """Blocks' text runs with inline markup as numbered tags, plus alt/title/placeholder/aria."""

    name = "html"
    extensions: tuple[str, ...] = (".html", ".htm", ".xhtml")
    kinds: tuple[str, ...] = ("translate", "proofread")
    adds_answer_column = False
    media_type = "text/html; charset=utf-8"

    def split(self, data: bytes, options: SplitOptions) -> Split:
        text = read_text(data)
        if not has_text(text):
            raise FormatError("the HTML file is empty")
        root = parse(text)
        found = units(root, text)
        first = next(found, None)
        if first is None:
            raise FormatError("the HTML file has no text to translate")
        return Split(meta=_charset_meta(root, text), units=chain([first], found))

    def assemble(
        self, data: bytes, meta: dict[str, Any], pieces: Iterable[Piece], options: AssembleOptions
    ) -> bytes:
        blocks: list[tuple[int, int, dict[str, Any], str]] = []
        attributes: list[Edit] = []
        for piece in pieces:
            if piece.answer is None:
                continue
            if not isinstance(piece.answer, str):
                raise FormatError("an HTML answer must be a single string")
            start, end = locator_span(piece.locator)
            if "quote" in piece.locator:
                attributes.append((start, end, _attribute(piece.answer, piece.locator)))
            else:
                blocks.append((start, end, piece.locator, piece.answer))
        if not blocks and not attributes:
            return data
        text = read_text(data)
        attributes.sort()
        starts = [edit[0] for edit in attributes]
        nested: set[int] = set()
        edits = []
        for start, end, locator, answer in blocks:
            low, high = bisect_left(starts, start), bisect_left(starts, end)
            nested.update(range(low, high))
            edits.append(
                (start, end, _block(text, start, end, locator, answer, attributes[low:high]))
            )
        edits += [edit for index, edit in enumerate(attributes) if index not in nested]
        edits += [(start, end, "utf-8") for start, end in _charset_edits(text, meta)]
        return replace_spans(text, edits).encode("utf-8")


def _attribute(answer: str, locator: dict[str, Any]) -> str:
    """The answer as an attribute value in the original quotes (an unquoted one gets quotes)."""
    quote = locator["quote"]
    if quote not in ('"', "'", ""):
        raise FormatError(f"invalid locator {locator!r}")
    value = html.escape(answer, quote=False)
    if quote == "'":
        return value.replace("'", "&#39;")
    value = value.replace('"', "&quot;")
    return value if quote else f'"{value}"'


def _block(
    text: str, start: int, end: int, locator: dict[str, Any], answer: str, inner: list[Edit]
) -> str:
    """A block's answer, escaped, with its tokens expanded into (answered) original tags."""
    placeholders, used = [], 0
    for token, tag_start, tag_end in _tags(locator, start, end):
        inside = [
            (a - tag_start, b - tag_start, new) for a, b, new in inner if tag_start <= a < tag_end
        ]
        placeholders.append(Placeholder(token, replace_spans(text[tag_start:tag_end], inside)))
        used += len(inside)
    if used != len(inner):
        raise FormatError("the answers overlap or do not belong to this file")
    known = {placeholder.token for placeholder in placeholders}
    escaped, position = [], 0
    for m in markup.TOKEN.finditer(answer):
        if m.group() in known:
            escaped += [html.escape(answer[position : m.start()], quote=False), m.group()]
            position = m.end()
    escaped.append(html.escape(answer[position:], quote=False))
    return markup.expand("".join(escaped), placeholders)


def _tags(locator: dict[str, Any], start: int, end: int) -> Iterator[tuple[str, int, int]]:
    """A block locator's ``[token, start, end]`` tags, checked, since they come from storage."""
    tags = locator.get("tags")
    if not isinstance(tags, list):
        raise FormatError(f"invalid locator {locator!r}")
    for tag in tags:
        if not (isinstance(tag, list) and len(tag) == 3 and isinstance(tag[0], str)):
            raise FormatError(f"invalid locator {locator!r}")
        tag_start, tag_end = locator_span({"start": tag[1], "end": tag[2]})
        if not (markup.is_markup(tag[0]) and start <= tag_start and tag_end <= end):
            raise FormatError(f"invalid locator {locator!r}")
        yield tag[0], tag_start, tag_end


def _walk(element: Element) -> Iterator[Node]:
    for child in element.children:
        yield child
        if isinstance(child, Element):
            yield from _walk(child)


def _charset_meta(root: Element, text: str) -> dict[str, Any]:
    """The first declared charset, and where every non-UTF-8 declaration's name sits.

    The bytes are UTF-8 whatever the page says, so an answered page gets its declarations
    rewritten to UTF-8; otherwise a browser would show the translation garbled.
    """
    declared: list[tuple[str, int, int]] = []
    for node in _walk(root):
        if isinstance(node, Element) and node.tag == "meta":
            values = {a.name: (a.start, a.end) for a in reversed(node.attributes)}
            http_equiv = text[slice(*values.get("http-equiv", (0, 0)))]
            if "charset" in values:
                m = _CHARSET_NAME.search(text, *values["charset"])
            elif http_equiv.strip().lower() == "content-type" and "content" in values:
                m = _CHARSET.search(text, *values["content"])
            else:
                m = None
        elif isinstance(node, Other):
            m = _XML_ENCODING.match(text, node.start, node.end)
        else:
            m = None
        if m:
            declared.append((m.group(m.lastindex or 0), *m.span(m.lastindex or 0)))
    return {
        "charset": declared[0][0].lower() if declared else None,
        "charset_spans": [[s, e] for name, s, e in declared if name.lower() not in _UTF8],
    }


def _charset_edits(text: str, meta: dict[str, Any]) -> list[tuple[int, int]]:
    spans = meta.get("charset_spans") or []
    if not isinstance(spans, list):
        raise FormatError("the split's charset record does not belong to this file")
    found = []
    for span in spans:
        if not (isinstance(span, list) and len(span) == 2):
            raise FormatError("the split's charset record does not belong to this file")
        start, end = locator_span({"start": span[0], "end": span[1]})
        if not _CHARSET_NAME.fullmatch(text, start, end):
            raise FormatError("the split's charset record does not belong to this file")
        found.append((start, end))
    return found


HTML = HtmlFormat()
