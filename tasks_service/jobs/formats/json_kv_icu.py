"""Variables and ICU MessageFormat syntax in i18n strings, protected from the volunteer.

Simple arguments stay as written and are variables whose token is their text: brace ``{name}``
(as ``python-brace-format``), ICU ``{count, number}`` and i18next ``{{name}}``. In a plural or
select message the syntax around the branch texts becomes markup tokens, so
``{n, plural, one {# item} other {# items}}`` reads ``<1><2># item</2><3># items</3></1>``:
the argument, the keyword and each selector sit in token texts, and the branch messages stay
translatable (nested messages too). Tags a string already spells as ``<1>`` (react-i18next)
are protected as themselves, and the new tokens are numbered after them. A string whose ICU
syntax does not parse is read as plain text with variables.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from tasks_service.jobs.formats import markup
from tasks_service.jobs.formats.base import Placeholder
from tasks_service.jobs.formats.placeholders import find_placeholders

_COMPLEX = re.compile(
    r"\{\s*[^\s{},']+\s*,\s*(?:plural|selectordinal|select)\s*,(?:\s*offset\s*:\s*[0-9]+)?"
)
_SELECTOR = re.compile(r"\s*[^\s{}]+\s*\{")
_CLOSE = re.compile(r"\s*\}")
_I18NEXT = re.compile(r"\{\{[^{}]+\}\}")
_ICU_SIMPLE = re.compile(r"\{\s*[^\s{},']+\s*(?:,\s*[^\s{},]+\s*(?:,[^{}]*)?)?\}")
_BRACE = re.compile(r"\{[^{}]*\}")
_BRACE_FLAGS = ("python-brace-format",)


class _NotIcu(ValueError):
    """The string's braces do not form an ICU message."""


@dataclass(slots=True)
class Tokenised:
    """A string as a volunteer sees it: ``source`` with ``placeholders`` standing for syntax."""

    icu: bool
    number: int
    parts: list[str] = field(default_factory=list)
    placeholders: list[Placeholder] = field(default_factory=list)
    has_text: bool = False

    @property
    def source(self) -> str:
        return "".join(self.parts)


def tokenise(text: str) -> Tokenised:
    """``text`` with its variables and ICU syntax protected; ``has_text`` is False when
    nothing but spaces and variables is left to translate."""
    first = max((int(m.group(1)) for m in markup.TOKEN.finditer(text)), default=0) + 1
    if _COMPLEX.search(text):
        try:
            return _Scanner(text, Tokenised(icu=True, number=first)).run()
        except _NotIcu:
            pass
    return _Scanner(text, Tokenised(icu=False, number=first)).run()


class _Scanner:
    def __init__(self, text: str, out: Tokenised) -> None:
        self.text, self.out = text, out

    def run(self) -> Tokenised:
        self.message(0, nested=False)
        return self.out

    def message(self, position: int, nested: bool) -> int:
        """Scan a message up to the ``}`` that ends it (nested) or to the end of the string."""
        text, start = self.text, position
        while position < len(text):
            char = text[position]
            if char == "}" and nested:
                self.literal(start, position)
                return position
            if char == "'" and self.out.icu and text[position + 1 : position + 2] in ("{", "}"):
                quote_end = text.find("'", position + 1)  # ICU quotes syntax characters
                position = len(text) if quote_end < 0 else quote_end + 1
            elif char == "{":
                found = self.argument(start, position)
                if found is None:
                    position += 1
                else:
                    start = position = found
            elif char == "}" and self.out.icu:
                raise _NotIcu
            else:
                position += 1
        if nested:
            raise _NotIcu
        self.literal(start, position)
        return position

    def argument(self, start: int, position: int) -> int | None:
        """Take the argument at ``position`` (text before it from ``start``); its end, if any."""
        complex_ = _COMPLEX.match(self.text, position) if self.out.icu else None
        variable = None if complex_ else _variable(self.text, position)
        if complex_ is None and variable is None:
            if self.out.icu:
                raise _NotIcu
            return None
        self.literal(start, position)
        if complex_ is not None:
            return self.plural_or_select(complex_)
        assert variable is not None
        self.out.parts.append(variable)
        self.out.placeholders.append(Placeholder(variable, variable))
        return position + len(variable)

    def plural_or_select(self, head: re.Match[str]) -> int:
        outer = self.opening(head.group())
        position, branches = head.end(), 0
        while selector := _SELECTOR.match(self.text, position):
            inner = self.opening(selector.group())
            position = self.message(selector.end(), nested=True)
            self.closing(inner, "}")
            position, branches = position + 1, branches + 1
        close = _CLOSE.match(self.text, position)
        if not branches or close is None:
            raise _NotIcu
        self.closing(outer, close.group())
        return close.end()

    def literal(self, start: int, end: int) -> None:
        chunk = self.text[start:end]
        if chunk:
            self.out.parts.append(chunk)
            self.out.has_text = self.out.has_text or bool(chunk.strip())
            literal = markup.TOKEN.finditer(chunk)
            self.out.placeholders += [Placeholder(m.group(), m.group()) for m in literal]

    def opening(self, syntax: str) -> int:
        number = self.out.number
        self.out.number += 1
        self.out.parts.append(markup.opening(number))
        self.out.placeholders.append(Placeholder(markup.opening(number), syntax))
        return number

    def closing(self, number: int, syntax: str) -> None:
        self.out.parts.append(markup.closing(number))
        self.out.placeholders.append(Placeholder(markup.closing(number), syntax))


def _variable(text: str, position: int) -> str | None:
    """The simple argument at ``position``: i18next, brace format, or ICU with a type."""
    if m := _I18NEXT.match(text, position):
        return m.group()
    candidate = _BRACE.match(text, position)
    if candidate is None:
        return None
    found = candidate.group()
    if find_placeholders(found, _BRACE_FLAGS) == (Placeholder(found, found),):
        return found
    return found if _ICU_SIMPLE.fullmatch(found) else None
