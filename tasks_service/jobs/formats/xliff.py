"""XLIFF 1.2 and 2.0/2.1: segments without a translation become units; answers become targets.

A unit is a 1.2 ``<trans-unit>`` or a 2.x ``<segment>`` whose ``<target>`` is missing or empty
(in 1.2 also one marked ``state="new"`` or ``"needs-translation"``), unless ``translate="no"``
applies to it. Inline codes become markup tokens whose text is the original XML, so the target
carries the source's codes with the same ids. Assembly inserts or rewrites only the target
elements (and ``state``), leaving every other byte as uploaded.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any
from xml.sax.saxutils import escape

from tasks_service.jobs.formats import markup
from tasks_service.jobs.formats.base import (
    AssembleOptions,
    FormatError,
    Piece,
    Placeholder,
    Split,
    SplitOptions,
    Unit,
)
from tasks_service.jobs.formats.placeholders import find_placeholders
from tasks_service.jobs.formats.spans import read_text, replace_spans
from tasks_service.jobs.formats.xliff_target import TAG_END, attribute, target_edits
from tasks_service.jobs.formats.xliff_tree import (
    Document,
    Node,
    attribute_end,
    attribute_span,
    parse,
)

# Inline elements with translatable text inside; every other inline element is one token.
_PAIRED = {"1": frozenset({"g", "mrk"}), "2": frozenset({"pc", "mrk"})}
_UNTRANSLATED_STATES = frozenset({"new", "needs-translation"})
_LAST_LINE = re.compile(r"(?:\r\n|\r|\n)[ \t]*\Z")


class XliffFormat:
    """Untranslated XLIFF segments out, targets in; the rest of the file stays byte-exact."""

    name = "xliff"
    extensions: tuple[str, ...] = (".xlf", ".xliff")
    media_type = "application/xliff+xml"
    kinds: tuple[str, ...] = ("translate",)
    adds_answer_column = False

    def split(self, data: bytes, options: SplitOptions) -> Split:
        text = read_text(data)
        if not text.lstrip("\ufeff").strip():
            raise FormatError("the file is empty")
        doc = parse(data, text)
        v1 = doc.version == "1.2"
        try:
            units = list(_v1_units(doc, options.target_language) if v1 else _v2_units(doc))
        except RecursionError:
            raise FormatError("the XLIFF file nests its elements too deeply") from None
        if not units:
            raise FormatError("the XLIFF file has no segment left to translate")
        root = doc.root
        # XLIFF 2 requires trgLang on the root once the file has targets.
        missing = not v1 and "trgLang" not in root.attrib
        meta = {
            "version": doc.version,
            "target_language": options.target_language or root.attrib.get("trgLang"),
            "trg_lang_at": attribute_end(text, root.start, root.open_end) if missing else None,
        }
        return Split(meta=meta, units=iter(units))

    def assemble(
        self, data: bytes, meta: dict[str, Any], pieces: Iterable[Piece], options: AssembleOptions
    ) -> bytes:
        answered = [piece for piece in pieces if piece.answer is not None]
        if not answered:
            return data
        text = read_text(data)
        v1 = meta.get("version") == "1.2"
        edits = [edit for p in answered for edit in target_edits(text, p, v1, options)]
        language = options.target_language or meta.get("target_language")
        at = meta.get("trg_lang_at")
        if at is not None and language:
            if type(at) is not int or not TAG_END.match(text, at):
                raise FormatError("the job's meta does not belong to this file")
            edits.append((at, at, f' trgLang="{attribute(language)}"'))
        return replace_spans(text, edits).encode("utf-8")


def _translatable(node: Node, inherited: bool) -> bool:
    return node.attrib.get("translate", "yes" if inherited else "no") != "no"


def _walk(node: Node, container: str, leaf: str, translate: bool) -> Iterator[Node]:
    """The ``leaf`` elements under ``node`` through ``container`` elements, if translatable."""
    for child in node.elements():
        inner = _translatable(child, translate)
        if child.tag == container:
            yield from _walk(child, container, leaf, inner)
        elif child.tag == leaf and inner:
            yield child


def _v1_units(doc: Document, language: str | None) -> Iterator[Unit]:
    for index, file in enumerate(doc.root.elements("file")):
        lang = file.attrib.get("target-language") or language
        for body in file.elements("body"):
            for unit in _walk(body, "group", "trans-unit", True):
                yield from _v1_unit(doc.text, unit, f"f{index}", lang)


def _v1_unit(text: str, unit: Node, prefix: str, language: str | None) -> Iterator[Unit]:
    source, target = unit.child("source"), unit.child("target")
    if source is None:
        return
    if target is not None and not (
        _empty(target) or target.attrib.get("state") in _UNTRANSLATED_STATES
    ):
        return
    resname, unit_id = unit.attrib.get("resname"), unit.attrib.get("id", "")
    notes = [f"Name: {resname}" if resname else f"ID: {unit_id}"]
    notes += [note.text().strip() for note in unit.elements("note")]
    after = unit.child("seg-source") or source  # 1.2 puts the target after the seg-source
    locator = _locator(text, source, after, target) | {"lang": language, "state": None}
    yield from _unit(text, f"{prefix}/{unit_id}", source, _PAIRED["1"], locator, notes)


def _v2_units(doc: Document) -> Iterator[Unit]:
    for index, file in enumerate(doc.root.elements("file")):
        for unit in _walk(file, "group", "unit", _translatable(file, True)):
            yield from _v2_segments(doc.text, unit, f"f{index}")


def _v2_segments(text: str, unit: Node, prefix: str) -> Iterator[Unit]:
    name, unit_id = unit.attrib.get("name"), unit.attrib.get("id", "")
    notes = [f"Name: {name}" if name else f"ID: {unit_id}"]
    for group in unit.elements("notes"):
        notes += [note.text().strip() for note in group.elements("note")]
    for index, segment in enumerate(unit.elements("segment")):
        source, target = segment.child("source"), segment.child("target")
        if source is None or (target is not None and not _empty(target)):
            continue
        state = attribute_span(text, segment.start, segment.open_end, "state")
        locator = _locator(text, source, source, target) | {"lang": None, "state": list(state)}
        yield from _unit(text, f"{prefix}/{unit_id}/{index}", source, _PAIRED["2"], locator, notes)


def _locator(text: str, source: Node, after: Node, target: Node | None) -> dict[str, Any]:
    """Where the target goes: the existing element's span, or an empty span after ``after``."""
    if target is not None:
        return {"start": target.start, "end": target.end, "tag": target.qname, "indent": ""}
    prefix, colon, _ = source.qname.rpartition(":")
    tag = f"{prefix}{colon}target"
    return {"start": after.end, "end": after.end, "tag": tag, "indent": _indent(text, source)}


def _indent(text: str, node: Node) -> str:
    """The line break and indentation before ``node``, to lay a new sibling out the same way."""
    before = text[: node.start]
    whitespace = before[len(before.rstrip(" \t\r\n")) :]
    last_line = _LAST_LINE.search(whitespace)
    return last_line.group() if last_line else whitespace


def _unit(
    text: str,
    key: str,
    source: Node,
    paired: frozenset[str],
    locator: dict[str, Any],
    notes: list[str],
) -> Iterator[Unit]:
    """The unit for ``source``, unless it has nothing to translate (only codes or spaces)."""
    tokens = _Tokens(text, paired, _first_number(source, paired))
    tokens.visit(source)
    if tokens.has_text:
        yield Unit(
            key=key,
            source="".join(tokens.parts),
            locator=locator,
            placeholders=tuple(tokens.placeholders),
            note="\n".join(note for note in notes if note),
        )


class _Tokens:
    """A source's text with inline codes as numbered markup tokens, in order of appearance.

    Variables written in the text (``%s``, ``{name}``) are protected as they are, and so are
    tags the text spells out literally (``&lt;1&gt;``), which would otherwise read as tokens.
    """

    def __init__(self, text: str, paired: frozenset[str], first: int) -> None:
        self.text, self.paired, self.number = text, paired, first
        self.parts: list[str] = []
        self.placeholders: list[Placeholder] = []
        self.has_text = False

    def visit(self, node: Node) -> None:
        for child in node.children:
            if isinstance(child, str):
                self.parts.append(child)
                self.has_text = self.has_text or bool(child.strip())
                literal = markup.TOKEN.finditer(child)
                self.placeholders += [Placeholder(m.group(), escape(m.group())) for m in literal]
                self.placeholders += find_placeholders(child)
                continue
            number, self.number = self.number, self.number + 1
            if child.tag in self.paired and not self.text.endswith("/>", 0, child.open_end):
                self._add(markup.opening(number), self.text[child.start : child.open_end])
                self.visit(child)
                self._add(markup.closing(number), self.text[child.close_start : child.end])
            else:
                self._add(markup.standalone(number), self.text[child.start : child.end])

    def _add(self, token: str, original: str) -> None:
        self.parts.append(token)
        self.placeholders.append(Placeholder(token, original))


def _first_number(source: Node, paired: frozenset[str]) -> int:
    """Tokens are numbered after any that the text already spells out literally."""
    texts = _texts(source, paired)
    return max((int(m.group(1)) for t in texts for m in markup.TOKEN.finditer(t)), default=0) + 1


def _texts(node: Node, paired: frozenset[str]) -> Iterator[str]:
    for child in node.children:
        if isinstance(child, str):
            yield child
        elif child.tag in paired:
            yield from _texts(child, paired)


def _empty(node: Node) -> bool:
    return all(isinstance(c, str) and not c.strip() for c in node.children)


XLIFF = XliffFormat()
