"""``length_ratio``: an answer far shorter or longer than a translation of its source can be.

A translation cut off half-way, or padded with an explanation, a second version or a pasted
neighbour, keeps its words but not its length. How long a faithful translation is depends on
the languages, so the bounds come from a table of language pairs; and on the source's length,
as a short message's translation varies more, so the lower bound (the one that catches a cut)
is measured per source width from English. An answer a little above that bound is still
called cut off when it shows where it was cut: it ends in part of one of the source's names
(``makef`` for ``makefile``, ``%`` for ``%d``), leaves a bracket open, ends a sentence
without its punctuation, ends in a particle that leads to a next word (Japanese を, Chinese
的), or lost a variable.
"""

from __future__ import annotations

import re
import unicodedata

from tasks_service.checks_text.common import language, plain, sources, texts
from tasks_service.db import models as m
from tasks_service.jobs.formats import Answer
from tasks_service.jobs.formats.placeholders import find_placeholders

# Below this width a few characters more or less change the ratio too much to mean anything.
MIN_SOURCE_WIDTH = 10
# The flat bounds hold from this width on; below it only a lower bound measured per width does.
LONG_SOURCE_WIDTH = 15
DEFAULT_BOUNDS = (0.4, 2.5)
# Width of a Han character and of a kana, in English letters (see ``width``).
HAN_WIDTH, KANA_WIDTH = 3.0, 1.35
# Room of about one word beyond the upper bound: a word more or less is a large share of a
# short message, and a translation may need one where English needs none. A cut-off answer
# is caught by the lower bound, which has no such room.
ROOM = 5
# Width of a translation from English over the width of its source: the 0.5th and 99.5th
# percentiles over the gettext catalogues of a Debian system, measured as this check measures
# (messages of three words or more, about 2,000 to 60,000 per language, without the ones
# bench/check_quality.py tests on), widened to the next 0.05; bench/length_bounds.py prints
# them. A reverse pair uses the inverse bounds.
FROM_ENGLISH = {
    "ar": (0.4, 1.65),
    "cs": (0.6, 1.95),
    "de": (0.75, 2.25),
    "es": (0.8, 2.1),
    "fr": (0.8, 2.25),
    "he": (0.45, 1.55),
    "it": (0.8, 2.15),
    "ja": (0.55, 1.7),
    "ko": (0.45, 1.85),
    "nl": (0.7, 2.1),
    "pl": (0.65, 2.15),
    "pt": (0.75, 1.9),
    "ru": (0.65, 2.1),
    "sv": (0.65, 1.75),
    "tr": (0.6, 1.95),
    "uk": (0.65, 2.15),
    "zh": (0.5, 1.65),
}
# The lower bound from English by the source's width, from WIDTHS[i] up to the next: the
# SHORTEST_QUANTILE percentile over the same messages (buckets of fewer than 200 messages
# take the bound of the bucket below, the first one that of the first measured). 1 in 170
# faithful translations is shorter: a warning's rate.
WIDTHS = (10, 15, 20, 30, 50, 100)
SHORTEST_QUANTILE = 0.6
SHORTEST_FROM_ENGLISH = {
    "ar": (0.51, 0.51, 0.44, 0.43, 0.44, 0.44),
    "cs": (0.60, 0.63, 0.61, 0.63, 0.70, 0.73),
    "de": (0.63, 0.78, 0.79, 0.77, 0.80, 0.83),
    "es": (0.64, 0.77, 0.79, 0.81, 0.84, 0.89),
    "fr": (0.72, 0.79, 0.81, 0.82, 0.84, 0.88),
    "he": (0.57, 0.57, 0.46, 0.47, 0.51, 0.51),
    "it": (0.71, 0.78, 0.79, 0.82, 0.84, 0.86),
    "ja": (0.53, 0.55, 0.56, 0.59, 0.58, 0.61),
    "ko": (0.43, 0.46, 0.45, 0.47, 0.53, 0.62),
    "nl": (0.70, 0.72, 0.70, 0.74, 0.71, 0.81),
    "pl": (0.62, 0.64, 0.65, 0.67, 0.72, 0.79),
    "pt": (0.63, 0.72, 0.72, 0.77, 0.82, 0.87),
    "ru": (0.56, 0.66, 0.65, 0.67, 0.70, 0.70),
    "sv": (0.60, 0.68, 0.66, 0.71, 0.75, 0.78),
    "tr": (0.54, 0.58, 0.59, 0.63, 0.68, 0.77),
    "uk": (0.63, 0.66, 0.64, 0.68, 0.72, 0.75),
    "zh": (0.52, 0.52, 0.53, 0.55, 0.54, 0.61),
}
# How far above the lower bound an answer showing where it was cut is still called cut off.
CUT_SIGN_ROOM = 1.25
_NAME = re.compile(r"[A-Za-z0-9_%$][A-Za-z0-9_.+\-$%]*")
_OPENING, _CLOSING = "([{（「«“『【", ")]}）」»”』】"
_SENTENCE_END = frozenset(".!?")
_ANY_END = frozenset(".!?:;…。！？：；।۔؟") | set(_CLOSING) | {'"', "'"}
# Particles that join what comes before to a word after: Japanese case and topic particles,
# Chinese 的 (of), 和 与 或 (and, or), 将 被 把 从 (object, passive, from). Inside a faithful
# translation they are common (を, の and で are each 2 % of the catalogues' Japanese text, 的
# 2.6 % of the Chinese), at its end rare (0.3 % of Chinese messages end in 的, the others
# under 0.1 %): an answer ending in one stops before the word it was about to name.
_JOINING_END = frozenset("をがでのはにもとへ的和与或将被把从")


def is_han(character: str) -> bool:
    """A Han ideograph (Chinese hanzi, Japanese kanji): a word or most of one."""
    code = ord(character)
    return 0x4E00 <= code <= 0x9FFF or 0x3400 <= code <= 0x4DBF or 0xF900 <= code <= 0xFAFF


def is_kana(character: str) -> bool:
    """Japanese hiragana or katakana: a syllable."""
    return 0x3040 <= ord(character) <= 0x30FF


def width(text: str) -> float:
    """Length in about an English letter's worth of text, by script.

    A Han character carries about three letters of English, a kana about one and a third (least
    squares over the catalogues' Chinese and Japanese translations, ``bench/length_bounds.py``),
    any other wide character (Hangul, full-width punctuation) two, everything else one.
    Measured so, a Japanese answer of many kanji and one of many kana of the same message come
    out alike, which keeps the lower bound tight enough to catch a short answer cut off.
    """
    total = 0.0
    for character in text:
        if is_han(character):
            total += HAN_WIDTH
        elif is_kana(character):
            total += KANA_WIDTH
        else:
            total += 2 if unicodedata.east_asian_width(character) in "WF" else 1
    return total


def bounds(source_language: str | None, target_language: str | None) -> tuple[float, float]:
    """The ratios a translation from one language to another keeps within, for nearly all."""
    source, target = language(source_language), language(target_language)
    if source == "en" and target in FROM_ENGLISH:
        return FROM_ENGLISH[target]
    if target == "en" and source in FROM_ENGLISH:
        low, high = FROM_ENGLISH[source]
        return round(1 / high, 2), round(1 / low, 2)
    return DEFAULT_BOUNDS


def shortest(source: str | None, target: str | None, source_width: float) -> float | None:
    """The lower bound for a source this wide, where it was measured per width."""
    table = SHORTEST_FROM_ENGLISH.get(language(target) or "")
    if language(source) != "en" or table is None:
        return None
    return next(
        low
        for start, low in zip(reversed(WIDTHS), reversed(table), strict=True)
        if source_width >= start
    )


def cut_signs(source: str, text: str) -> bool:
    """Whether ``text`` shows where it was cut: a name half written, a bracket left open, a
    sentence without its end (in any script's punctuation), a last word joining to one that
    is not there, or fewer variables than the source."""
    names = set(_NAME.findall(source)) | {p.token for p in find_placeholders(source)}
    tail = _NAME.findall(text.rstrip()[-40:])
    last = tail[-1] if tail and text.rstrip().endswith(tail[-1]) else None
    if last and last not in names and any(n.startswith(last) for n in names):
        return True
    balanced = sum(map(source.count, _OPENING)) == sum(map(source.count, _CLOSING))
    if balanced and sum(map(text.count, _OPENING)) > sum(map(text.count, _CLOSING)):
        return True
    if source.rstrip()[-1:] in _SENTENCE_END and text.rstrip()[-1:] not in _ANY_END:
        return True
    if text.rstrip()[-1:] in _JOINING_END:
        return True
    # Fewer variables, not different ones: ``%2$s … %1$d`` keeps ``%d … %s`` in a new order.
    return len(find_placeholders(text)) < len(find_placeholders(source))


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
    lows = [shortest(job.source_language, job.target_language, w) for w in widths]
    if None in lows and min(widths) < LONG_SOURCE_WIDTH:
        return []  # without a bound measured for short sources, the ratio says too little
    problems: list[str] = []
    for text in texts(answer):
        answer_width = width(plain(task, text))
        cut = any(cut_signs(source, text) for source in sources(task))
        room = CUT_SIGN_ROOM if cut else 1.0
        if all(
            answer_width < room * (low if bound is None else bound) * source
            for bound, source in zip(lows, widths, strict=True)
        ):
            ratio = answer_width / min(widths)
            problems.append(
                f"the answer is {ratio:.0%} of the source's length, shorter than a "
                f"translation usually is: is part of it missing?"
            )
        elif min(widths) >= LONG_SOURCE_WIDTH and all(
            answer_width - ROOM > high * source for source in widths
        ):
            ratio = answer_width / max(widths)
            problems.append(
                f"the answer is {ratio:.0%} of the source's length, longer than a "
                f"translation usually is ({high:.0%}): does it add text the source lacks?"
            )
    return list(dict.fromkeys(problems))
