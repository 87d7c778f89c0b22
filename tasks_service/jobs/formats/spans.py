"""What the text-based formats share: strict UTF-8 decoding and answers swapped in by span."""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterable
from typing import Any

from tasks_service.jobs.formats.base import FormatError

_VISIBLE = re.compile(r"[^\s\ufeff]")


def read_text(data: bytes) -> str:
    """Decode an upload as strict UTF-8, refusing binary files; shared by the text formats."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            raise FormatError("the file is UTF-16; save it as UTF-8 and upload it again") from None
        byte = data[exc.start]
        raise FormatError(
            f"the file is not valid UTF-8: byte 0x{byte:02x} at offset {exc.start}"
        ) from None
    if "\x00" in text:
        offset = data.index(b"\x00")
        raise FormatError(f"the file contains a NUL byte at offset {offset}: it looks binary")
    return text


def has_text(text: str, start: int = 0) -> bool:
    """Whether ``text[start:]`` holds more than whitespace and a BOM, without copying it
    (``text[start:].strip()`` would make two copies of a 50 MB upload)."""
    return _VISIBLE.search(text, start) is not None


def locator_span(locator: dict[str, Any]) -> tuple[int, int]:
    """The ``start``/``end`` pair of a locator, checked, since locators come back from storage."""
    start, end = locator.get("start"), locator.get("end")
    if type(start) is not int or type(end) is not int or not 0 <= start <= end:
        raise FormatError(f"invalid locator {locator!r}")
    return start, end


def replace_spans(text: str, edits: Iterable[tuple[int, int, str]]) -> str:
    """Replace ``(start, end, new)`` spans of ``text``; insertions at one offset go first."""
    out, position = [], 0
    for start, end, new in sorted(edits, key=lambda edit: (edit[0], edit[1])):
        if start < position or end > len(text):
            raise FormatError("the answers overlap or do not belong to this file")
        out += [text[position:start], new]
        position = end
    out.append(text[position:])
    return "".join(out)
