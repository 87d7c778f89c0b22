"""Automatic checks on an answer; ``error`` results refuse the submission with a 422.

Each check has a name and a level and is stored with the submission, so reviewers see the
warnings and the volunteer sees exactly why an answer was refused.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import msgspec

from tasks_service.db import models as m
from tasks_service.jobs.formats import Placeholder
from tasks_service.jobs.formats.placeholders import check_placeholders


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
    source = [Placeholder(p["token"], p["text"]) for p in task.placeholders]
    if not source and job.format == "text":
        return []  # plain text protects nothing, so a literal "%s" there is just text
    problems: list[str] = []
    for text in _texts(answer):
        for problem in check_placeholders(source, text):
            if problem not in problems:
                problems.append(problem)
    return problems


def not_source_copy(task: m.Task, job: m.Job, answer: str | list[str]) -> list[str]:
    if job.kind != "translate":
        return []
    if _texts(answer)[0].strip() == task.source.strip() and any(c.isalpha() for c in task.source):
        return ["the answer is the source copied unchanged"]
    return []


def outer_whitespace(task: m.Task, job: m.Job, answer: str | list[str]) -> list[str]:
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
