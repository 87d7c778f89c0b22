"""What the text checks share: an answer's forms, the plain text of a unit, language codes.

Markup tokens (``<1>``) and variables (``%s``, ``{name}``) are not words of any language and
carry digits of their own, so the checks that read the words, numbers or length of a text read
it with them taken out.
"""

from __future__ import annotations

import re

from tasks_service.db import models as m
from tasks_service.jobs.formats import Answer, markup
from tasks_service.jobs.formats.placeholders import find_placeholders

_SPACES = re.compile(r"\s+")
# Old or macro codes that lingua and the tables below know under another name.
_ALIASES = {"iw": "he", "in": "id", "no": "nb", "fil": "tl"}


def texts(answer: Answer) -> list[str]:
    """The answer's forms: one for a singular message, one per plural form for a plural one."""
    return answer if isinstance(answer, list) else [answer]


def sources(task: m.Task) -> list[str]:
    """The source texts an answer form may stand for: the singular and, if any, the plural."""
    return [task.source] if task.source_plural is None else [task.source, task.source_plural]


def plain(task: m.Task, text: str) -> str:
    """``text`` without markup tokens and variables, runs of whitespace made one space."""
    text = markup.TOKEN.sub(" ", text)
    for placeholder in task.placeholders:
        text = text.replace(placeholder["token"], " ")
    for placeholder in find_placeholders(text):
        text = text.replace(placeholder.token, " ")
    return _SPACES.sub(" ", text).strip()


def language(code: str | None) -> str | None:
    """The primary language subtag, lower case: ``pt-BR`` and ``pt_br`` are both ``pt``."""
    if not code:
        return None
    primary = code.replace("_", "-").lower().split("-")[0]
    return _ALIASES.get(primary, primary)
