"""Answers as docstring literals: quoted so that Python reads back exactly the answer's text.

The text written is the answer as ``inspect.cleandoc`` (and so ``help()`` and
``ast.get_docstring``) presents it, without trailing spaces, so reading the docstring back
gives exactly what was written. A raw
literal keeps backslashes readable when nothing in the text needs an escape; otherwise
backslashes, closing quotes and characters a source file cannot hold are escaped.
"""

from __future__ import annotations

import inspect
import re
from typing import Any

from tasks_service.jobs.formats.base import FormatError
from tasks_service.jobs.formats.spans import locator_span

Edit = tuple[int, int, str]

_NEWLINE = re.compile(r"\r\n|\r")
# A quote followed by another, or by the end of the text, could close the literal early.
_CLOSING_QUOTE = re.compile(r'"(?="|\Z)')
_UNWRITABLE = re.compile(r"[\x00\ud800-\udfff]")


def docstring_edit(text: str, locator: dict[str, Any], answer: str) -> Edit | None:
    """The edit that puts ``answer`` as the docstring at ``locator``; None for a blank answer.

    A one-line body (``def f(): return 1``) becomes an indented block, docstring first.
    """
    start, end = locator_span(locator)
    indent, newline, inline = locator.get("indent"), locator.get("newline"), locator.get("inline")
    if not (
        isinstance(indent, str)
        and indent
        and not indent.strip()
        and newline in ("\n", "\r\n", "\r")
        and isinstance(inline, bool)
    ):
        raise FormatError(f"invalid locator {locator!r}")
    fits = text[start - 1 : start] == ":" if inline else text[start - len(indent) : start] == indent
    if end > len(text) or not fits or (start != end and not inline):
        raise FormatError("an answer does not point at a definition of this file")
    cleaned = _cleaned(answer)
    if not cleaned:
        return None
    literal = docstring_literal(cleaned, indent, newline)
    if inline:
        return start, end, f"{newline}{indent}{literal}{newline}{indent}"
    return start, end, f"{literal}{newline}{indent}"


def docstring_literal(text: str, indent: str, newline: str) -> str:
    """A triple-quoted literal of ``text``; a multi-line text gets the PEP 257 layout.

    The first line follows the opening quotes, the others are indented to the body, and the
    closing quotes stand on a line of their own.
    """
    raw = (
        "\\" in text
        and '"""' not in text
        and not text.endswith(('"', "\\"))
        and not _UNWRITABLE.search(text)
    )
    if not raw:
        text = _CLOSING_QUOTE.sub(r'\\"', text.replace("\\", "\\\\"))
        text = _UNWRITABLE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)
    first, *rest = text.split("\n")
    if rest:
        lines = [first, *(indent + line if line else "" for line in rest), indent]
        text = newline.join(lines)
    return ("r" if raw else "") + f'"""{text}"""'


def _cleaned(answer: str) -> str:
    """The answer as Python presents it, less trailing spaces; repeated until it settles.

    Without trailing spaces every line after the first that is not empty has text on it, so
    indenting those lines is undone exactly by cleandoc.
    """
    text = _NEWLINE.sub("\n", answer)
    while (again := inspect.cleandoc("\n".join(map(str.rstrip, text.split("\n"))))) != text:
        text = again
    return text
