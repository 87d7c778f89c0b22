"""Variables inside translatable strings: find them in a source, check an answer keeps them.

PO flags say which syntax a message uses; without flags both printf (``%s``, ``%(name)s``,
``%1$s``) and brace (``{name}``) variables are looked for. An answer must keep every argument
exactly as often as the source; printf arguments may be reordered with the numbered form
(``%2$s`` for the source's second argument), as gettext's ``msgfmt --check`` accepts.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from tasks_service.jobs.formats.base import Placeholder

# No space flag: "50% done" would otherwise read as a "% d" conversion.
_PRINTF_SPEC = (
    r"%(?:(?P<position>[1-9][0-9]*)\$|\((?P<name>[^()]*)\))?"
    r"[-+#0']*(?P<width>\*|[0-9]+)?(?:\.(?P<precision>\*|[0-9]*))?"
    r"(?P<kind>(?:hh|h|ll|l|L|q|j|z|t)?[diouxXeEfFgGaAcsrp])"
)
_BRACE_SPEC = (
    r"\{(?:[A-Za-z_][0-9A-Za-z_]*|[0-9]+)?(?:\.[A-Za-z_][0-9A-Za-z_]*|\[[^\[\]{}]+\])*"
    r"(?:![rsa])?(?::[^{}]*)?\}"
)
_PRINTF = re.compile(_PRINTF_SPEC)
_BRACE = re.compile(_BRACE_SPEC)
# Escapes are alternatives of their own so that "%%s" and "{{x}}" are consumed, not matched.
_PRINTF_SCAN = rf"%%|{_PRINTF_SPEC}"
_BRACE_SCAN = rf"\{{\{{|\}}\}}|{_BRACE_SPEC}"
_SCANNERS = {
    (True, False): re.compile(_PRINTF_SCAN),
    (False, True): re.compile(_BRACE_SCAN),
    (True, True): re.compile(f"{_PRINTF_SCAN}|{_BRACE_SCAN}"),
}
_ESCAPES = frozenset({"%%", "{{", "}}"})
_PRINTF_FLAGS = frozenset({"c-format", "python-format"})
_BRACE_FLAGS = frozenset({"python-brace-format"})


def find_placeholders(text: str, flags: Iterable[str] = ()) -> tuple[Placeholder, ...]:
    """Variables of ``text`` in order of appearance, duplicates kept; token and text are equal."""
    scanner = _SCANNERS[_syntaxes(flags)]
    return tuple(
        Placeholder(token=m.group(), text=m.group())
        for m in scanner.finditer(text)
        if m.group() not in _ESCAPES
    )


def check_placeholders(
    source_placeholders: Sequence[Placeholder], answer: str, flags: Iterable[str] = ()
) -> list[str]:
    """Problems with the answer's variables, in words for the volunteer; empty when it is fine."""
    flags = frozenset(flags)
    source = [p.token for p in source_placeholders]
    found = [p.token for p in find_placeholders(answer, flags)]
    source_args = [_Arg.parse(t) for t in source if _is_positional(t)]
    answer_args = [_Arg.parse(t) for t in found if _is_positional(t)]
    expected = Counter(t for t in source if not _is_positional(t))
    got = Counter(t for t in found if not _is_positional(t))
    # Tokens from other formats (not printf or brace) are counted in the raw answer text.
    got.update({t: answer.count(t) for t in expected if not _recognised(t)})
    return _compare_counts(expected, got) + _compare_args(source_args, answer_args, flags)


@dataclass(frozen=True, slots=True)
class _Arg:
    """A printf conversion that takes a positional argument (not a named one)."""

    token: str
    position: int | None
    kind: str
    stars: int

    @classmethod
    def parse(cls, token: str) -> _Arg:
        m = _PRINTF.fullmatch(token)
        assert m is not None
        position = int(m["position"]) if m["position"] else None
        stars = (m["width"] == "*") + (m["precision"] == "*")
        return cls(token, position, m["kind"], stars)


def _syntaxes(flags: Iterable[str]) -> tuple[bool, bool]:
    flags = frozenset(flags)
    printf, brace = bool(flags & _PRINTF_FLAGS), bool(flags & _BRACE_FLAGS)
    return (printf, brace) if printf or brace else (True, True)


def _is_positional(token: str) -> bool:
    m = _PRINTF.fullmatch(token)
    return m is not None and m["name"] is None


def _recognised(token: str) -> bool:
    return _PRINTF.fullmatch(token) is not None or _BRACE.fullmatch(token) is not None


def _compare_counts(expected: Counter[str], got: Counter[str]) -> list[str]:
    problems = []
    for token, count in expected.items():
        if got[token] == 0:
            problems.append(f"missing placeholder {token}")
        elif got[token] != count:
            problems.append(f"placeholder {token} appears {_times(got[token])}, expected {count}")
    problems += [f"unknown placeholder {t}" for t in got if got[t] and t not in expected]
    return problems


def _times(count: int) -> str:
    return "once" if count == 1 else f"{count} times"


def _numbers(args: Sequence[_Arg]) -> list[int]:
    """The argument each conversion prints; an unnumbered ``*`` width uses up an argument."""
    numbers, next_number = [], 1
    for arg in args:
        if arg.position is None:
            next_number += arg.stars
            numbers.append(next_number)
            next_number += 1
        else:
            numbers.append(arg.position)
    return numbers


def _compare_args(
    source: Sequence[_Arg], answer: Sequence[_Arg], flags: frozenset[str]
) -> list[str]:
    """Unnumbered on both sides: same tokens in the same order; else match by argument number."""
    if not any(a.position for a in [*source, *answer]):
        problems = _compare_counts(
            Counter(a.token for a in source), Counter(a.token for a in answer)
        )
        if not problems and [a.token for a in source] != [a.token for a in answer]:
            order = ", ".join(a.token for a in source)
            problems.append(
                f"placeholders must keep the source's order ({order}); "
                "to reorder them, number them like %2$s %1$s"
            )
        return problems
    problems = []
    numbered = {a.position is not None for a in answer}
    if len(numbered) > 1:
        problems.append("do not mix numbered placeholders (%1$s) with unnumbered ones (%s)")
    if True in numbered and "python-format" in flags:
        problems.append("Python strings cannot number placeholders (%1$s); use %(name)s")
    by_number = dict(zip(_numbers(source), source, strict=True))
    expected = Counter(_numbers(source))
    got: Counter[int] = Counter()
    for number, arg in zip(_numbers(answer), answer, strict=True):
        origin = by_number.get(number)
        if origin is None:
            problems.append(f"unknown placeholder {arg.token}: the source has no argument {number}")
        elif origin.kind != arg.kind:
            problems.append(
                f"placeholder {arg.token} does not match {origin.token}, "
                f"argument {number} of the source"
            )
        got[number] += 1
    for number, count in expected.items():
        token = by_number[number].token
        if got[number] == 0:
            problems.append(f"missing placeholder {token}")
        elif got[number] != count:
            problems.append(
                f"placeholder {token} (argument {number}) appears {_times(got[number])}, "
                f"expected {count}"
            )
    return problems
