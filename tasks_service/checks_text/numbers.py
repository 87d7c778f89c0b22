"""``numbers_kept``: every number of the source is in the answer, in whatever local notation.

A wrong or dropped number (a price, a limit, a version, a step) reads fluently and slips past
a reviewer who reads for sense. Languages write numbers differently (1,000.5 in English,
1 000,5 in French, 1.000,5 in German, Arabic-Indic digits with their own marks), so numbers
are compared by value.
"""

from __future__ import annotations

import re
import unicodedata

from tasks_service.checks_text.common import plain, sources, texts
from tasks_service.db import models as m
from tasks_service.jobs.formats import Answer

# Digits with groups of three after a grouping mark, then an optional decimal part.
_GROUPING = ",.' \u2019\u00a0\u202f\u066c"
_DECIMAL = ".,\u066b"
_SPACES = re.compile(r"[ \u00a0\u202f]")
_ORDINAL = re.compile(r"(?:st|nd|rd|th)(?![A-Za-z])")
NUMBER = re.compile(rf"\d+(?:[{_GROUPING}]\d{{3}}(?!\d))*(?:[{_DECIMAL}]\d+)?")


def value(number: str) -> str:
    """A number's value as text: ``1,000.5``, ``1 000,5`` and ``1.000,5`` are all ``1000.5``.

    A single mark followed by exactly three digits groups thousands (``1,000`` and ``1.000``
    are a thousand), as the two sides are read alike and so agree either way.
    """
    digits = "".join(str(unicodedata.digit(c)) if c.isdigit() else c for c in number)
    whole, decimals = digits, ""
    last = max((digits.rfind(mark) for mark in _DECIMAL), default=-1)
    if last != -1 and len(digits) - last - 1 != 3:
        whole, decimals = digits[:last], digits[last + 1 :]
    whole = "".join(c for c in whole if c.isdigit()).lstrip("0") or "0"
    return f"{whole}.{decimals}" if decimals else whole


def numbers(text: str, *, ordinals: bool = True) -> dict[str, str]:
    """The values of the numbers in ``text``, each with the way it was first written.

    English ordinals ("3rd", "6th") are often words in a translation ("troisième"), so they
    can be left out of what a source requires.
    """
    found: dict[str, str] = {}
    for match in NUMBER.finditer(text):
        if ordinals or not _ORDINAL.match(text, match.end()):
            found.setdefault(value(match.group()), match.group())
    return found


def _kept(number: str, values: dict[str, str]) -> bool:
    """Whether the answer has the number; "3 100" may also be the two numbers 3 and 100.

    Only some languages group digits with spaces, so one side's single number can be the
    other side's pair.
    """
    parts = _SPACES.split(number)
    return value(number) in values or (len(parts) > 1 and all(value(p) in values for p in parts))


def numbers_kept(task: m.Task, job: m.Job, answer: Answer) -> list[str]:
    """Numbers of the source missing from an answer form.

    For a plural message only the numbers both sources share are required, since "1 file" and
    "%d files" differ in a number that the forms of another language place differently.
    """
    if job.kind not in ("translate", "proofread"):
        return []
    found = [numbers(plain(task, source), ordinals=False) for source in sources(task)]
    wanted = [w for v, w in found[0].items() if all(_kept(w, other) for other in found)]
    problems: list[str] = []
    for text in texts(answer):
        values = numbers(plain(task, text))
        for part in [p for w in values.values() for p in _SPACES.split(w)]:
            values.setdefault(value(part), part)
        problems.extend(
            f"the number {number} of the source is missing"
            for number in wanted
            if not _kept(number, values)
        )
    return list(dict.fromkeys(problems))
