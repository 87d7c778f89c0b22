"""Safe XLIFF parsing into a light element tree that knows where each of its tags is.

defusedxml's expat parser refuses any DOCTYPE before expat expands an entity (billion laughs,
external entities). Expat's byte index at every start and end event gives the tags' exact
places; they become character offsets of the decoded upload, so locators index the same str
that assembly edits.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from xml.etree.ElementTree import ParseError

from defusedxml import DefusedXmlException  # type: ignore[import-untyped]
from defusedxml.ElementTree import DefusedXMLParser  # type: ignore[import-untyped]

from tasks_service.jobs.formats.base import FormatError

NAMESPACES = {
    "1.2": "urn:oasis:names:tc:xliff:document:1.2",
    "2.0": "urn:oasis:names:tc:xliff:document:2.0",
    "2.1": "urn:oasis:names:tc:xliff:document:2.0",
}
# Expat has checked the syntax already; this only finds where a start tag ends.
START_TAG = re.compile(r"<([^\s/>]+)(?:\s+[^\s=]+\s*=\s*(?:\"[^\"]*\"|'[^']*'))*\s*(/?)>")
_ATTRIBUTE = re.compile(r"\s+([^\s=]+)\s*=\s*(?:\"[^\"]*\"|'[^']*')")


@dataclass(slots=True, eq=False)
class Node:
    """An element: ``tag`` is its local name in the document's XLIFF namespace (else
    ``{uri}name``), ``qname`` the name as written; offsets are into the decoded text."""

    tag: str
    qname: str
    attrib: dict[str, str]
    start: int
    open_end: int
    close_start: int = -1
    end: int = -1
    children: list[Node | str] = field(default_factory=list)

    def elements(self, tag: str | None = None) -> Iterator[Node]:
        return (c for c in self.children if isinstance(c, Node) and tag in (None, c.tag))

    def child(self, tag: str) -> Node | None:
        return next(self.elements(tag), None)

    def text(self) -> str:
        return "".join(c if isinstance(c, str) else c.text() for c in self.children)


@dataclass(frozen=True, slots=True)
class Document:
    text: str
    root: Node
    version: str


def parse(data: bytes, text: str) -> Document:
    """The XLIFF tree of ``data`` (whose strict UTF-8 decoding is ``text``), or a FormatError."""
    builder = _Builder(data, text)
    parser = DefusedXMLParser(target=builder, encoding="utf-8", forbid_dtd=True)
    builder.expat = parser.parser
    parser.parser.XmlDeclHandler = _check_declaration
    try:
        parser.feed(data)
        parser.close()
    except ParseError as exc:
        raise FormatError(f"the file is not well-formed XML: {exc}") from None
    except DefusedXmlException:
        line = parser.parser.CurrentLineNumber
        raise FormatError(
            f"the file declares a DTD or entities (line {line}); XLIFF needs none, and they can "
            "hide entity-expansion attacks: remove the <!DOCTYPE …> declaration"
        ) from None
    assert builder.root is not None
    return Document(text, builder.root, builder.version)


def _check_declaration(version: str, encoding: str | None, standalone: int) -> None:
    if encoding is not None and encoding.lower() not in ("utf-8", "utf8"):
        raise FormatError(
            f'the file declares encoding="{encoding}"; only UTF-8 XLIFF files are accepted: '
            'save it as UTF-8 with encoding="UTF-8"'
        )


class _Builder:
    """An ElementTree parser target that records every element with its offsets."""

    def __init__(self, data: bytes, text: str) -> None:
        self.raw, self.text = data, text
        self.ascii = len(data) == len(text)
        self.byte = self.char = 0
        self.expat: Any = None
        self.root: Node | None = None
        self.stack: list[Node] = []
        self.namespace, self.version = "", ""

    def _offset(self) -> int:
        """Character offset of expat's byte index; events come in document order."""
        byte = self.expat.CurrentByteIndex
        if self.ascii:
            return int(byte)
        self.char += len(self.raw[self.byte : byte].decode("utf-8"))
        self.byte = byte
        return self.char

    def start(self, tag: str, attrib: dict[str, str]) -> None:
        at = self._offset()
        m = START_TAG.match(self.text, at)
        assert m is not None
        if self.root is None:
            self._check_root(tag, attrib)
        local = tag.removeprefix(f"{{{self.namespace}}}") if self.namespace else tag
        node = Node(local, m.group(1), attrib, at, m.end())
        if m.group(2):
            node.close_start = node.end = m.end()
        if self.stack:
            self.stack[-1].children.append(node)
        else:
            self.root = node
        self.stack.append(node)

    def end(self, tag: str) -> None:
        node = self.stack.pop()
        if node.end < 0:
            node.close_start = self._offset()
            node.end = self.text.index(">", node.close_start) + 1

    def data(self, chunk: str) -> None:
        children = self.stack[-1].children
        if children and isinstance(children[-1], str):
            children[-1] += chunk
        else:
            children.append(chunk)

    def close(self) -> None:
        return None

    def _check_root(self, tag: str, attrib: dict[str, str]) -> None:
        namespace, _, local = tag[1:].rpartition("}") if tag.startswith("{") else ("", "", tag)
        if local != "xliff":
            raise FormatError(f"not an XLIFF file: the root element is <{local}>, not <xliff>")
        version = attrib.get("version", "")
        if version not in NAMESPACES:
            raise FormatError(
                f"unsupported XLIFF version {version!r}; accepted: {', '.join(NAMESPACES)}"
            )
        if namespace not in ("", NAMESPACES[version]):
            raise FormatError(f"XLIFF {version} does not use the namespace {namespace}")
        self.namespace, self.version = namespace, version


def attribute_end(text: str, start: int, end: int) -> int:
    """Where a new attribute goes in the start tag ``text[start:end]``: before ``>`` or ``/>``."""
    m = re.search(r"\s*/?>\Z", text[start:end])
    assert m is not None
    return start + m.start()


def attribute_span(text: str, start: int, end: int, name: str) -> tuple[int, int]:
    """The `` name="…"`` attribute of the start tag ``text[start:end]``, or where one goes."""
    m = START_TAG.match(text, start, end)
    assert m is not None
    position = start + 1 + len(m.group(1))
    while attribute := _ATTRIBUTE.match(text, position, end):
        if attribute.group(1) == name:
            return attribute.span()
        position = attribute.end()
    at = attribute_end(text, start, end)
    return at, at
