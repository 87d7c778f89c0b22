"""``length_ratio``: an answer far shorter or longer than a translation of its source can be.

A translation cut off half-way, or padded with an explanation, a second version or a pasted
neighbour, keeps its words but not its length. How long a faithful translation is depends on
the languages, so the bounds come from a table of language pairs.
"""

from __future__ import annotations

import unicodedata

from tasks_service.checks_text.common import language, plain, sources, texts
from tasks_service.db import models as m
from tasks_service.jobs.formats import Answer

# Below this width a few characters more or less change the ratio too much to mean anything.
MIN_SOURCE_WIDTH = 15
DEFAULT_BOUNDS = (0.4, 2.5)
# Room of about one word beyond the upper bound: a word more or less is a large share of a
# short message, and a translation may need one where English needs none. A cut-off answer
# is caught by the lower bound, which has no such room.
ROOM = 5
# Width of a translation from English over the width of its source: the 0.5th and 99.5th
# percentiles over the gettext catalogues of a Debian system, measured as this check measures
# (the messages bench/check_quality.py samples from, about 2,000 to 60,000 per language),
# widened to the next 0.05. A reverse pair uses the inverse bounds.
FROM_ENGLISH = {
    "ar": (0.4, 1.65),
    "cs": (0.6, 2.0),
    "de": (0.75, 2.3),
    "es": (0.8, 2.1),
    "fr": (0.8, 2.3),
    "he": (0.45, 1.55),
    "it": (0.8, 2.15),
    "ja": (0.5, 1.95),
    "ko": (0.45, 1.85),
    "nl": (0.7, 2.15),
    "pl": (0.65, 2.15),
    "pt": (0.75, 1.95),
    "ru": (0.65, 2.1),
    "sv": (0.65, 1.75),
    "tr": (0.6, 1.95),
    "uk": (0.65, 2.15),
    "zh": (0.35, 1.25),
}


def width(text: str) -> int:
    """Display width: a wide (CJK) character counts two, as it carries about two letters' text.

    Measured so, Chinese and Japanese translations of English come out near the English length
    and spread less, which keeps their bounds tight enough to catch a cut-off answer.
    """
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def bounds(source_language: str | None, target_language: str | None) -> tuple[float, float]:
    """The ratios a translation from one language to another keeps within, for nearly all."""
    source, target = language(source_language), language(target_language)
    if source == "en" and target in FROM_ENGLISH:
        return FROM_ENGLISH[target]
    if target == "en" and source in FROM_ENGLISH:
        low, high = FROM_ENGLISH[source]
        return round(1 / high, 2), round(1 / low, 2)
    return DEFAULT_BOUNDS


def length_ratio(task: m.Task, job: m.Job, answer: Answer) -> list[str]:
    """Translations whose length is out of bounds for the language pair: cut off or padded.

    A plural form is compared with the nearer of the singular and plural sources, as forms
    other than the first may stand for either.
    """
    if job.kind != "translate":
        return []
    widths = [width(plain(task, source)) for source in sources(task)]
    if min(widths) < MIN_SOURCE_WIDTH:
        return []
    low, high = bounds(job.source_language, job.target_language)
    problems: list[str] = []
    for text in texts(answer):
        answer_width = width(plain(task, text))
        if all(answer_width < low * source for source in widths):
            ratio = answer_width / min(widths)
            problems.append(
                f"the answer is {ratio:.0%} of the source's length, shorter than a "
                f"translation usually is ({low:.0%}): is part of it missing?"
            )
        elif all(answer_width - ROOM > high * source for source in widths):
            ratio = answer_width / max(widths)
            problems.append(
                f"the answer is {ratio:.0%} of the source's length, longer than a "
                f"translation usually is ({high:.0%}): does it add text the source lacks?"
            )
    return list(dict.fromkeys(problems))
