"""Writing one XLIFF answer: a new or refilled ``<target>`` element and the ``state`` it implies.

Locators come back from storage, so each is checked against the file before it is trusted. The
answer's text is escaped for XML; its markup tokens become the source's inline codes verbatim.
"""

from __future__ import annotations

import re
from xml.sax.saxutils import escape

from tasks_service.jobs.formats import markup
from tasks_service.jobs.formats.base import AssembleOptions, FormatError, Piece, Placeholder
from tasks_service.jobs.formats.spans import locator_span
from tasks_service.jobs.formats.xliff_tree import START_TAG, attribute_span

Edit = tuple[int, int, str]

STATE = ' state="translated"'
_NAME = re.compile(r"[^\s<>/=\"']+")
_STATE_ATTRIBUTE = re.compile(r"\s+state\s*=\s*(?:\"[^\"]*\"|'[^']*')")
TAG_END = re.compile(r"\s*/?>")
# Characters XML 1.0 cannot carry; a carriage return is kept as a reference, not normalised.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def target_edits(text: str, piece: Piece, v1: bool, options: AssembleOptions) -> list[Edit]:
    """Insert a target after the source, or replace the empty (or to-do) one; 1.2 targets and
    2.x segments are marked ``state="translated"``."""
    locator, answer = piece.locator, piece.answer
    if not isinstance(answer, str):
        raise FormatError("an XLIFF answer must be a single string")
    start, end = locator_span(locator)
    tag, indent, state = locator.get("tag"), locator.get("indent"), locator.get("state")
    if not (isinstance(tag, str) and _NAME.fullmatch(tag) and isinstance(indent, str)):
        raise FormatError(f"invalid locator {locator!r}")
    content = _content(answer, piece.placeholders)
    if start == end:
        if indent.strip() or not text.endswith(">", 0, start):
            raise FormatError("an answer does not point at a source element of this file")
        language = options.target_language or locator.get("lang")
        attributes = (f' xml:lang="{attribute(language)}"' if language else "") + STATE
        element = f"{indent}<{tag}{attributes if v1 else ''}>{content}</{tag}>"
    else:
        m = START_TAG.match(text, start, end)
        if m is None or m.group(1) != tag or not text.endswith(">", 0, end):
            raise FormatError("an answer does not point at a target element of this file")
        opening = m.group()[:-2].rstrip() + ">" if m.group(2) else m.group()
        if v1:
            state_start, state_end = attribute_span(opening, 0, len(opening), "state")
            opening = opening[:state_start] + STATE + opening[state_end:]
        element = f"{opening}{content}</{tag}>"
    edits = [(start, end, element)]
    if state is not None:
        if not (isinstance(state, list) and len(state) == 2):
            raise FormatError(f"invalid locator {locator!r}")
        state_start, state_end = locator_span({"start": state[0], "end": state[1]})
        at_tag = (
            _STATE_ATTRIBUTE.fullmatch(text, state_start, state_end)
            if state_start < state_end
            else TAG_END.match(text, state_start)
        )
        if not at_tag:
            raise FormatError("an answer does not point at a segment of this file")
        edits.append((state_start, state_end, STATE))
    return edits


def _content(answer: str, placeholders: tuple[Placeholder, ...]) -> str:
    """The answer as XML content: text escaped, markup tokens expanded to the source's codes."""
    out, position = [], 0
    for m in markup.TOKEN.finditer(answer):
        token = m.group()
        expanded = markup.expand(token, placeholders)  # unknown tokens come back unchanged
        out += [
            _text(answer[position : m.start()]),
            _text(token) if expanded == token else expanded,
        ]
        position = m.end()
    out.append(_text(answer[position:]))
    return "".join(out)


def _text(value: str) -> str:
    return escape(_NOT_XML.sub("", value), {"\r": "&#13;"})


def attribute(value: str) -> str:
    """``value`` escaped for a double-quoted attribute."""
    return escape(_NOT_XML.sub("", value), {'"': "&quot;", "\r": "&#13;"})
