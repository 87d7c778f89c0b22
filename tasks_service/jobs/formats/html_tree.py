"""HTML as a tree with exact source offsets, for the HTML format.

html.parser reports tags, text and references with their positions but builds no tree and knows
none of HTML's optional end tags. Here each event keeps its exact span (so the upload can be
rewritten span by span) and elements nest as in a browser where text is concerned: an unclosed
``<p>``, ``<li>``, ``<td>`` or ``<option>`` ends where the next one starts or its parent ends.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

from tasks_service.jobs.formats.base import FormatError


def tag_set(names: str) -> frozenset[str]:
    """A set of tag names written as one space-separated string."""
    return frozenset(names.split())


VOID = tag_set(
    "area base basefont bgsound br col embed frame hr img input keygen link meta param source "
    "track wbr"
)
# Content the browser reads as plain text up to the matching end tag, whatever it looks like.
RAW_TEXT = tag_set("script style title textarea xmp iframe noembed noframes noscript")
MAX_DEPTH = 256

_HEADINGS = tag_set("h1 h2 h3 h4 h5 h6")
_SECTIONS = tag_set("thead tbody tfoot")
_SCOPE = tag_set("applet caption html table td th marquee object template button")
_CLOSES_P = tag_set(
    "address article aside blockquote center details dialog dir div dl dd dt fieldset "
    "figcaption figure footer form header hgroup hr li listing main menu nav ol p pre search "
    "section summary table ul xmp h1 h2 h3 h4 h5 h6"
)
# Start tag -> (open elements it ends, elements that shield them), after HTML's tree rules.
_ENDS: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    "li": (tag_set("li"), _SCOPE | tag_set("ul ol menu")),
    **dict.fromkeys(("dt", "dd"), (tag_set("dt dd"), _SCOPE | tag_set("dl"))),
    **dict.fromkeys(("td", "th"), (tag_set("td th"), tag_set("tr table"))),
    "tr": (tag_set("tr td th"), _SECTIONS | tag_set("table")),
    **dict.fromkeys(
        _SECTIONS, (_SECTIONS | tag_set("tr td th caption colgroup"), tag_set("table"))
    ),
}
# Start tag -> elements it ends only when one of them is the innermost open element.
_REPLACES = {"option": tag_set("option"), "optgroup": tag_set("option optgroup")}
_REPLACES |= dict.fromkeys(_HEADINGS, _HEADINGS)
# An attribute inside a start tag, lexed exactly as html.parser lexes it.
_ATTRIBUTE = re.compile(
    r"((?<=['\"\s/])[^\s/>][^\s/=>]*)(\s*=+\s*('[^']*'|\"[^\"]*\"|(?!['\"])[^>\s]*))?(?:\s|/(?!>))*"
)
_TAG_NAME = re.compile(r"<[a-zA-Z][^\t\n\r\f />\x00]*(?:\s|/(?!>))*")
# In text, what html.parser gave up on: a browser would have read a tag or a comment here.
_MALFORMED = re.compile(r"<[a-zA-Z!/?]")


@dataclass(slots=True)
class Node:
    """A stretch of the upload: ``text[start:end]``."""

    start: int
    end: int


@dataclass(slots=True)
class Text(Node):
    """Character data, with its character references still encoded."""


@dataclass(slots=True)
class Other(Node):
    """A comment, doctype, processing instruction, stray end tag or anything else unsent."""


@dataclass(frozen=True, slots=True)
class Attribute:
    """An attribute's name and where its value sits; ``quote`` is ``"``, ``'`` or empty."""

    name: str
    start: int
    end: int
    quote: str


@dataclass(slots=True, eq=False)
class Element(Node):
    """An element; ``open_end`` ends its start tag, ``close_start`` begins its end tag if any."""

    tag: str
    index: int
    open_end: int
    attributes: tuple[Attribute, ...] = ()
    close_start: int | None = None
    children: list[Node] = field(default_factory=list)


@dataclass(slots=True)
class _Event:
    kind: str  # "start", "empty", "end", "text" or "other"
    start: int
    end: int | None
    tag: str = ""
    attributes: tuple[Attribute, ...] = ()


def where(text: str, offset: int) -> str:
    """Line and column of an offset, for error messages."""
    line, column = text.count("\n", 0, offset) + 1, offset - text.rfind("\n", 0, offset)
    return f"line {line}, column {column}"


def parse(text: str) -> Element:
    """The document's element tree; the root (tag ``""``) spans the whole text."""
    scanner = _Scanner(text, base := int(text.startswith("\ufeff")))
    scanner.feed(text[base:])
    left = None  # the parser stops early at some references: resume it until it is stuck
    while scanner.rawdata and len(scanner.rawdata) != left:
        left = len(scanner.rawdata)
        scanner.goahead(False)
    scanner.close()
    return _Builder(text).build(_tile(scanner.events, base, len(text)))


class _Scanner(HTMLParser):
    """Records html.parser's events with their offsets in the decoded upload."""

    def __init__(self, text: str, base: int) -> None:
        super().__init__(convert_charrefs=False)
        self.text, self.base, self.events = text, base, list[_Event]()
        self.lines = [0, *(m.end() for m in re.finditer("\n", text[base:]))]

    def position(self) -> int:
        line, column = self.getpos()
        return self.base + self.lines[line - 1] + column

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._tag("start", tag, attrs)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._tag("empty", tag, attrs)

    def _tag(self, kind: str, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        start, raw = self.position(), self.get_starttag_text() or ""
        attributes = _attributes(raw, start)
        if [a.name for a in attributes] != [name for name, _ in attrs]:
            raise FormatError(f"cannot read the attributes of <{tag}> at {where(self.text, start)}")
        self.events.append(_Event(kind, start, start + len(raw), tag, attributes))

    def handle_endtag(self, tag: str) -> None:
        self.events.append(_Event("end", self.position(), None, tag))

    def handle_data(self, data: str) -> None:
        start = self.position()
        self.events.append(_Event("text", start, start + len(data)))

    def handle_entityref(self, name: str) -> None:
        self.events.append(_Event("text", self.position(), None))

    handle_charref = handle_entityref

    def handle_comment(self, data: str) -> None:
        self.events.append(_Event("other", self.position(), None, "!"))

    def handle_decl(self, decl: str) -> None:
        self.handle_comment(decl)

    handle_pi = unknown_decl = handle_comment


def _attributes(raw: str, offset: int) -> tuple[Attribute, ...]:
    """Where each attribute's value sits in a start tag (html.parser keeps only the values)."""
    found, match = [], _TAG_NAME.match(raw)
    position = match.end() if match else len(raw)
    while m := _ATTRIBUTE.match(raw, position):
        value = m.group(3) if m.group(2) else ""
        start = offset + (m.start(3) if m.group(2) else m.end(1))
        quote = value[0] if value[:1] in ("'", '"') else ""
        after = raw[m.end(3) : m.end(3) + 1]
        if m.group(2) and not _plain(raw[m.start(2) : m.start(3)], after, quote):
            value = quote = ""  # a value browsers read differently is never sent
        end = start + len(value)
        found.append(Attribute(m.group(1).lower(), start + len(quote), end - len(quote), quote))
        position = m.end()
    return tuple(found)


def _plain(before: str, after: str, quote: str) -> bool:
    """Whether browsers read the value as html.parser does: one "=", and only ASCII spaces."""
    ends = quote or after in " \t\n\r\f>"
    return before.count("=") == 1 and not before.strip(" \t\n\r\f=") and bool(ends)


def _tile(events: list[_Event], start: int, end: int) -> list[_Event]:
    """Give every event its end (the next one's start) and cover bytes the parser skipped."""
    tiled: list[_Event] = []
    position = start
    for event, following in zip(events, [*events[1:], None], strict=True):
        if event.start > position:
            tiled.append(_Event("other", position, event.start))
        limit = following.start if following else end
        event.end = limit if event.end is None else event.end
        tiled.append(event)
        position = event.end
    if position < end:
        tiled.append(_Event("other", position, end))
    return tiled


class _Builder:
    """Nests the events into elements, closing the ones HTML lets an author leave open."""

    def __init__(self, text: str) -> None:
        self.text, self.count = text, 0
        self.root = Element(0, len(text), "", 0, 0)
        self.stack = [self.root]

    def build(self, events: list[_Event]) -> Element:
        for event in events:
            assert event.end is not None
            top = self.stack[-1]
            if top.tag in RAW_TEXT and not (event.kind == "end" and event.tag == top.tag):
                self._add(Text(event.start, event.end))
            elif event.kind in ("start", "empty"):
                self._open(event)
            elif event.kind == "end":
                self._close(event.tag, event.start, event.end)
            elif event.tag == "!" and not self.text.endswith(">", 0, event.end):
                raise FormatError(f"a comment at {where(self.text, event.start)} is never closed")
            elif event.kind == "text" and (
                bad := _MALFORMED.search(self.text, event.start, event.end + 1)
            ):
                snippet = self.text[bad.start() : bad.start() + 30]
                place = where(self.text, bad.start())
                raise FormatError(f"unclosed or malformed markup at {place}: {snippet!r}")
            else:
                self._add((Text if event.kind == "text" else Other)(event.start, event.end))
        if raw := next((open_ for open_ in self.stack if open_.tag in RAW_TEXT), None):
            place = where(self.text, raw.start)
            raise FormatError(f"<{raw.tag}> at {place} is never closed: add </{raw.tag}>")
        self._pop(1, len(self.text))
        return self.root

    def _add(self, node: Node) -> None:
        siblings = self.stack[-1].children
        if isinstance(node, Text) and siblings and type(siblings[-1]) is Text:
            siblings[-1].end = node.end  # references and data next to each other: one text
        else:
            siblings.append(node)

    def _open(self, event: _Event) -> None:
        tag, end = event.tag, event.end or event.start
        if tag in _CLOSES_P:
            self._end_open(frozenset({"p"}), _SCOPE, event.start)
        if tag in _ENDS:
            self._end_open(*_ENDS[tag], event.start)
        if tag in _REPLACES and self.stack[-1].tag in _REPLACES[tag]:
            self._pop(len(self.stack) - 1, event.start)
        self.count += 1
        element = Element(event.start, end, tag, self.count, end, event.attributes)
        self._add(element)
        if event.kind == "start" and tag not in VOID:
            if len(self.stack) > MAX_DEPTH:
                place = where(self.text, event.start)
                raise FormatError(f"elements are nested more than {MAX_DEPTH} deep at {place}")
            self.stack.append(element)

    def _end_open(self, names: frozenset[str], shields: frozenset[str], at: int) -> None:
        """End the outermost open element named in ``names`` that no shield encloses."""
        found = None
        for depth in range(len(self.stack) - 1, 0, -1):
            tag = self.stack[depth].tag
            if tag in names:
                found = depth
            elif tag in shields:
                break
        if found is not None:
            self._pop(found, at)

    def _close(self, tag: str, start: int, end: int) -> None:
        depths = [depth for depth, open_ in enumerate(self.stack) if depth and open_.tag == tag]
        if not depths:  # an end tag with nothing to close
            self._add(Other(start, end))
            return
        element = self.stack[depths[-1]]
        self._pop(depths[-1], start)
        element.close_start, element.end = start, end

    def _pop(self, depth: int, at: int) -> None:
        """Close the open elements from ``depth`` up, as if they ended at ``at``."""
        for element in self.stack[depth:]:
            element.end = at
        del self.stack[depth:]
