"""JSON i18n bundles: every string value is a unit, keyed by its JSON pointer.

The stdlib parser validates the file (and words its errors with line and column); a small walker
built on ``json.decoder.scanstring`` then finds each string's exact span in the text, so assembly
swaps only the answered strings and never re-serialises the document. Numbers, booleans and null
inside a bundle are left alone, and members whose key starts with ``@`` are metadata (as in ARB
files): never sent, their ``description`` is the note of the string they describe.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from json import decoder
from typing import Any

from tasks_service.jobs.formats import markup
from tasks_service.jobs.formats.base import (
    AssembleOptions,
    FormatError,
    Piece,
    Split,
    SplitOptions,
    Unit,
)
from tasks_service.jobs.formats.json_kv_icu import tokenise
from tasks_service.jobs.formats.spans import has_text, locator_span, read_text, replace_spans

# The decoder's own string scanner: (value, index after the closing quote); typeshed omits it.
_scanstring: Callable[[str, int, bool], tuple[str, int]] = decoder.scanstring  # type: ignore[attr-defined]
_WHITESPACE = re.compile(r"[ \t\n\r]*")
_SCALAR = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?|true|false|null")
_ESCAPE = re.compile(r"\\(.)")
_SURROGATE = re.compile("[\ud800-\udfff]")
_KINDS = {list: "an array", str: "a string", int: "a number", float: "a number", bool: "a boolean"}


class JsonFormat:
    """String values out, answers in at their exact spans; keys and other values stay as is."""

    name = "json"
    extensions: tuple[str, ...] = (".json",)
    media_type = "application/json"
    kinds: tuple[str, ...] = ("translate",)
    adds_answer_column = False

    def split(self, data: bytes, options: SplitOptions) -> Split:
        text = read_text(data)
        start = 1 if text.startswith("\ufeff") else 0
        if not has_text(text, start):
            raise FormatError("the file is empty")
        _validate(text[start:])
        walker = _Walker(text)
        try:
            walker.value(walker.skip(start), "")
        except RecursionError:
            raise FormatError("the JSON file is nested too deeply") from None
        units = list(_units(text, walker))
        if not units:
            raise FormatError("the JSON file has no text to translate")
        return Split(meta={}, units=iter(units))

    def assemble(
        self, data: bytes, meta: dict[str, Any], pieces: Iterable[Piece], options: AssembleOptions
    ) -> bytes:
        edits = []
        text: str | None = None
        for piece in pieces:
            if piece.answer is None:
                continue
            if not isinstance(piece.answer, str):
                raise FormatError("a JSON answer must be a single string")
            text = read_text(data) if text is None else text
            start, end = _string_span(text, piece.locator)
            value = markup.expand(piece.answer, piece.placeholders)
            ascii_only = piece.locator.get("ascii") is True or bool(_SURROGATE.search(value))
            edits.append((start, end, json.dumps(value, ensure_ascii=ascii_only)))
        if text is None:
            return data
        return replace_spans(text, edits).encode("utf-8")


def _validate(text: str) -> None:
    """Parse with the stdlib for its error messages; only an object of values is a bundle."""

    def refuse_constant(name: str) -> None:
        raise FormatError(f"invalid JSON: {name} is not a JSON value; write it as a string")

    try:
        parsed = json.loads(text, parse_constant=refuse_constant)
    except json.JSONDecodeError as exc:
        raise FormatError(
            f"invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}"
        ) from None
    except RecursionError:
        raise FormatError("the JSON file is nested too deeply") from None
    if not isinstance(parsed, dict):
        kind = _KINDS.get(type(parsed), "null")
        raise FormatError(f"the top level of the JSON file is {kind}; a bundle must be an object")


@dataclass(frozen=True, slots=True)
class _String:
    path: str
    start: int
    end: int
    value: str


@dataclass(slots=True)
class _Walker:
    """Every string value of a valid JSON text with its pointer and span, in document order."""

    text: str
    strings: list[_String] = field(default_factory=list)
    notes: dict[str, str] = field(default_factory=dict)

    def value(self, position: int, path: str) -> int:
        char = self.text[position]
        if char == "{":
            return self.members(position, path)
        if char == "[":
            return self.items(position, path)
        if char == '"':
            value, end = _scanstring(self.text, position + 1, True)
            self.strings.append(_String(path, position, end, value))
            return end
        scalar = _SCALAR.match(self.text, position)
        assert scalar is not None
        return scalar.end()

    def members(self, position: int, path: str) -> int:
        position, lines = self.skip(position + 1), dict[str, int]()
        while self.text[position] != "}":
            key, position = _scanstring(self.text, position + 1, True)
            child = f"{path}/{_pointer(key)}"
            line = self.text.count("\n", 0, position) + 1
            if key in lines:
                raise FormatError(
                    f'the key "{child}" appears twice (lines {lines[key]} and {line}); '
                    "JSON readers would silently keep only one"
                )
            lines[key] = line
            position = self.skip(self.skip(position) + 1)  # the colon
            if key.startswith("@"):
                position = self.metadata(position, path, key)
            else:
                position = self.value(position, child)
            position = self.skip(position)
            position = self.skip(position + 1) if self.text[position] == "," else position
        return position + 1

    def items(self, position: int, path: str) -> int:
        position, index = self.skip(position + 1), 0
        while self.text[position] != "]":
            position = self.skip(self.value(position, f"{path}/{index}"))
            position = self.skip(position + 1) if self.text[position] == "," else position
            index += 1
        return position + 1

    def metadata(self, position: int, parent: str, key: str) -> int:
        """Walk an ``@key`` member on the side; its ``description`` notes the string ``key``."""
        inner = _Walker(self.text)
        end = inner.value(position, f"{parent}/{_pointer(key)}")
        for string in inner.strings:
            if string.path == f"{parent}/{_pointer(key)}/description":
                self.notes[f"{parent}/{_pointer(key[1:])}"] = string.value
        return end

    def skip(self, position: int) -> int:
        whitespace = _WHITESPACE.match(self.text, position)
        assert whitespace is not None
        return whitespace.end()


def _pointer(key: str) -> str:
    """``key`` as one JSON pointer (RFC 6901) step."""
    return key.replace("~", "~0").replace("/", "~1")


def _units(text: str, walker: _Walker) -> Iterator[Unit]:
    for string in walker.strings:
        tokens = tokenise(string.value)
        if not tokens.has_text:
            continue
        raw = text[string.start + 1 : string.end - 1]
        notes = [f"Key: {string.path}", walker.notes.get(string.path, "")]
        yield Unit(
            key=string.path,
            source=tokens.source,
            locator={
                "start": string.start,
                "end": string.end,
                "ascii": any(m.group(1) == "u" for m in _ESCAPE.finditer(raw)),
            },
            placeholders=tuple(tokens.placeholders),
            note="\n".join(note for note in notes if note),
        )


def _string_span(text: str, locator: dict[str, Any]) -> tuple[int, int]:
    """The locator's span, checked to be exactly one JSON string of this file."""
    start, end = locator_span(locator)
    try:
        if text[start] == '"' and _scanstring(text, start + 1, True)[1] == end:
            return start, end
    except (IndexError, ValueError):
        pass
    raise FormatError("an answer does not point at a string of this file")


JSON_KV = JsonFormat()
