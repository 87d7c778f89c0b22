"""Automatic checks on an answer; ``error`` results refuse the submission with a 422.

Each check has a name and a level and is stored with the submission, so reviewers see the
warnings and the volunteer sees exactly why an answer was refused.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import msgspec

from tasks_service.db import models as m
from tasks_service.jobs.formats import Placeholder, markup
from tasks_service.jobs.formats.markup import check_markup, is_markup
from tasks_service.jobs.formats.placeholders import check_placeholders

# Formats whose units carry no protected pieces: text, code to document, rows to label.
UNPROTECTED_FORMATS = frozenset({"text", "python", "csv", "jsonl"})


class CheckResult(msgspec.Struct):
    name: str
    level: str  # "error" refuses the answer, "warning" is shown to reviewers
    message: str


def _texts(answer: str | list[str]) -> list[str]:
    return answer if isinstance(answer, list) else [answer]


def shape(task: m.Task, job: m.Job, answer: str | list[str]) -> list[str]:
    if task.source_plural is not None:
        forms = int(job.meta.get("nplurals", 2))
        if not isinstance(answer, list) or len(answer) != forms:
            return [f"a plural message needs a list of {forms} strings, one per plural form"]
    elif isinstance(answer, list):
        return ["the answer must be a single string"]
    if job.kind == "label" and job.choices and answer not in job.choices:
        return ["the answer must be one of: " + ", ".join(job.choices)]
    return []


def not_empty(task: m.Task, job: m.Job, answer: str | list[str]) -> list[str]:
    if any(not text.strip() for text in _texts(answer)):
        return ["the answer is empty"]
    return []


def placeholders_kept(task: m.Task, job: m.Job, answer: str | list[str]) -> list[str]:
    """Markup tags and variables: none dropped, duplicated or invented, tags nested."""
    source = [Placeholder(p["token"], p["text"]) for p in task.placeholders]
    if not source and job.format in UNPROTECTED_FORMATS:
        return []  # these formats protect nothing, so a literal "%s" there is just text
    variables = [p for p in source if not is_markup(p.token)]
    problems: list[str] = []
    for text in _texts(answer):
        found = check_markup(source, text) + check_placeholders(
            variables, markup.TOKEN.sub("", text)
        )
        problems.extend(problem for problem in found if problem not in problems)
    return problems


def not_source_copy(task: m.Task, job: m.Job, answer: str | list[str]) -> list[str]:
    if job.kind != "translate":
        return []
    if _texts(answer)[0].strip() == task.source.strip() and any(c.isalpha() for c in task.source):
        return ["the answer is the source copied unchanged"]
    return []


def outer_whitespace(task: m.Task, job: m.Job, answer: str | list[str]) -> list[str]:
    if job.kind not in ("translate", "proofread"):
        return []
    text = _texts(answer)[0]
    problems = []
    if task.source[:1].isspace() != text[:1].isspace():
        problems.append("leading whitespace differs from the source")
    if task.source[-1:].isspace() != text[-1:].isspace():
        problems.append("trailing whitespace differs from the source")
    return problems


Check = Callable[[m.Task, m.Job, Any], list[str]]
CHECKS: tuple[tuple[str, str, Check], ...] = (
    ("shape", "error", shape),
    ("not_empty", "error", not_empty),
    ("placeholders_kept", "error", placeholders_kept),
    ("not_source_copy", "warning", not_source_copy),
    ("outer_whitespace", "warning", outer_whitespace),
)


def run_checks(task: m.Task, job: m.Job, answer: str | list[str]) -> list[CheckResult]:
    """Every problem found, stopping after the shape check if the answer has the wrong shape."""
    results: list[CheckResult] = []
    for name, level, check in CHECKS:
        results.extend(CheckResult(name, level, message) for message in check(task, job, answer))
        if name == "shape" and results:
            break
    return results
