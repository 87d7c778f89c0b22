"""Automatic checks on an answer; ``error`` results refuse the submission with a 422.

Each check has a name and a level and is stored with the submission, so reviewers see the
warnings and the volunteer sees exactly why an answer was refused. The checks of this module
guard the answer's structure; those that read its text (length, language, punctuation, numbers,
addresses, docstrings) live in :mod:`tasks_service.checks_text`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import msgspec

from tasks_service.checks_text.common import texts
from tasks_service.checks_text.docstring import docstring
from tasks_service.checks_text.language import target_language
from tasks_service.checks_text.length import length_ratio
from tasks_service.checks_text.numbers import numbers_kept
from tasks_service.checks_text.punctuation import end_punctuation
from tasks_service.checks_text.urls import urls_kept
from tasks_service.db import models as m
from tasks_service.jobs.formats import Answer, Placeholder, markup
from tasks_service.jobs.formats.markup import check_markup, is_markup
from tasks_service.jobs.formats.placeholders import check_placeholders

# Formats whose units carry no protected pieces: text, code to document, rows to label.
UNPROTECTED_FORMATS = frozenset({"text", "python", "csv", "jsonl"})
LEVELS = frozenset({"error", "warning", "off"})
# The assemblers rely on these: a wrong shape or broken markup cannot be put back into the
# document, so no job policy may lower them.
FIXED = frozenset({"shape", "placeholders_kept"})


class CheckResult(msgspec.Struct):
    name: str
    level: str  # "error" refuses the answer, "warning" is shown to reviewers
    message: str


def shape(task: m.Task, job: m.Job, answer: Answer) -> list[str]:
    """A plural message needs one string per plural form, anything else a single string.

    The assembler writes the answer back in the file's own structure, which it cannot do with
    the wrong number of forms; a label must be one of the job's choices to be counted.
    """
    if task.source_plural is not None:
        forms = int(job.meta.get("nplurals", 2))
        if not isinstance(answer, list) or len(answer) != forms:
            return [f"a plural message needs a list of {forms} strings, one per plural form"]
    elif isinstance(answer, list):
        return ["the answer must be a single string"]
    if job.kind == "label" and job.choices and answer not in job.choices:
        return ["the answer must be one of: " + ", ".join(job.choices)]
    return []


def not_empty(task: m.Task, job: m.Job, answer: Answer) -> list[str]:
    """A blank answer (or plural form): it would erase the unit's text in the document."""
    if any(not text.strip() for text in texts(answer)):
        return ["the answer is empty"]
    return []


def placeholders_kept(task: m.Task, job: m.Job, answer: Answer) -> list[str]:
    """Markup tags and variables: none dropped, duplicated or invented, tags nested.

    A lost variable crashes or garbles the program that prints the message, and broken tags
    break the assembled document's markup.
    """
    source = [Placeholder(p["token"], p["text"]) for p in task.placeholders]
    if not source and job.format in UNPROTECTED_FORMATS:
        return []  # these formats protect nothing, so a literal "%s" there is just text
    variables = [p for p in source if not is_markup(p.token)]
    problems: list[str] = []
    for text in texts(answer):
        found = check_markup(source, text) + check_placeholders(
            variables, markup.TOKEN.sub("", text)
        )
        problems.extend(problem for problem in found if problem not in problems)
    return problems


def not_source_copy(task: m.Task, job: m.Job, answer: Answer) -> list[str]:
    """A translation identical to its source: nothing was translated.

    Only a warning, as names, codes and some short terms are rightly the same in both.
    """
    if job.kind != "translate":
        return []
    if texts(answer)[0].strip() == task.source.strip() and any(c.isalpha() for c in task.source):
        return ["the answer is the source copied unchanged"]
    return []


def outer_whitespace(task: m.Task, job: m.Job, answer: Answer) -> list[str]:
    """Leading or trailing whitespace unlike the source's.

    The document's pieces around the unit are put back as they were, so changed outer
    whitespace glues the answer to its neighbours or opens a gap between them.
    """
    if job.kind not in ("translate", "proofread"):
        return []
    text = texts(answer)[0]
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
    ("length_ratio", "warning", length_ratio),
    ("target_language", "warning", target_language),
    ("end_punctuation", "warning", end_punctuation),
    ("numbers_kept", "warning", numbers_kept),
    ("urls_kept", "warning", urls_kept),
    ("docstring", "warning", docstring),
)


def level(job: m.Job, name: str, default: str) -> str:
    """The level the job's policy gives a check: ``meta["checks"]`` maps names to levels.

    Unknown names and levels are ignored, and the checks the assemblers rely on keep theirs.
    """
    policy = (job.meta or {}).get("checks")
    chosen = policy.get(name) if isinstance(policy, Mapping) else None
    if isinstance(chosen, str) and chosen in LEVELS and name not in FIXED:
        return chosen
    return default


def run_checks(task: m.Task, job: m.Job, answer: Answer) -> list[CheckResult]:
    """Every problem found, stopping after the shape check if the answer has the wrong shape.

    A check the job turns off is not run at all, so it costs nothing.
    """
    results: list[CheckResult] = []
    for name, default, check in CHECKS:
        chosen = level(job, name, default)
        if chosen == "off":
            continue
        results.extend(CheckResult(name, chosen, message) for message in check(task, job, answer))
        if name == "shape" and results:
            break
    return results
