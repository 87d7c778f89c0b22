"""How well the answer checks catch typical mistakes, measured on real translations.

The pairs are the gettext catalogues installed on this machine (English messages and their
translations by the free-software translation teams): `.venv/bin/python bench/check_quality.py`.
For each language a sample of messages of three words or more is taken; half are left as
translated, and in the other half one typical mistake is put, a tenth of the sample each:
a dropped placeholder, the source copied, the wrong language (another team's translation of
the same message, or the English source), the translation cut to 30-50 %, and an empty answer.
Every pair goes through ``run_checks``, and each mistake is "detected" when the check meant
for it fires. Recall is the share of a mistake's pairs detected; precision counts as false
alarms the firings on the untouched pairs (a check firing on a pair with another mistake, say
``length_ratio`` on an empty answer, is shown apart, as that pair is wrong either way).

Left out of the sample: ISO code lists (names of countries and languages, mostly proper nouns
alike in every language), plural messages, and translations equal to their source (a copy the
team left in, which would count as a clean pair that is not). The ``length_ratio`` bounds are
measured on the same catalogues without the messages sampled here (``bench/length_bounds.py``),
so its figures are held out.
"""

from __future__ import annotations

import glob
import random
import resource
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import polib

from tasks_service.checks import run_checks
from tasks_service.checks_text.language import MIN_WORDS, prose, screen, target_language, words
from tasks_service.db import models as m
from tasks_service.jobs.formats.placeholders import find_placeholders

LOCALE_DIRS = ("/usr/share/locale", "/usr/local/share/locale", "/usr/share/locale-langpack")
LANGUAGES = ("fr", "de", "es", "ru", "ja", "zh_CN", "ar")  # Arabic is written right to left
PER_LANGUAGE = 500
SEED = 20260101
# Each mistake and the check meant to catch it.
MISTAKES = {
    "dropped placeholder": "placeholders_kept",
    "copied source": "not_source_copy",
    "wrong language": "target_language",
    "truncated": "length_ratio",
    "empty": "not_empty",
}
OTHER_CHECKS = ("outer_whitespace", "end_punctuation", "numbers_kept", "urls_kept")


@dataclass(frozen=True, slots=True)
class Message:
    msgid: str
    msgstr: str
    language: str
    others: dict[str, str]  # the same message in the other sampled languages


@dataclass(slots=True)
class Case:
    mistake: str  # "clean" or a key of MISTAKES
    task: m.Task
    language: str
    answer: str
    fired: frozenset[str] = field(default_factory=frozenset)


def catalogues(languages: tuple[str, ...] = LANGUAGES) -> dict[str, dict[str, str]]:
    """msgid -> language -> msgstr, the first translation found of each message."""
    found: dict[str, dict[str, str]] = defaultdict(dict)
    for root in LOCALE_DIRS:
        for language in languages:
            for path in sorted(glob.glob(f"{root}/{language}/LC_MESSAGES/*.mo")):
                if Path(path).name.startswith("iso"):
                    continue
                for entry in polib.mofile(path):
                    if (
                        entry.msgstr
                        and not entry.msgid_plural
                        and len(entry.msgid.split()) >= 3
                        and entry.msgstr != entry.msgid
                    ):
                        found[entry.msgid].setdefault(language, entry.msgstr)
    return found


def task_for(msgid: str) -> m.Task:
    """A task as the PO splitter makes one from a message without flags."""
    placeholders = [{"token": p.token, "text": p.text} for p in find_placeholders(msgid)]
    return m.Task(source=msgid, source_plural=None, placeholders=placeholders)


def job_for(language: str, checks: dict[str, str] | None = None) -> m.Job:
    return m.Job(
        kind="translate",
        format="po",
        source_language="en",
        target_language=language.replace("_", "-"),
        meta={"checks": checks or {}},
        choices=None,
    )


def inject(mistake: str, message: Message, rng: random.Random) -> str:
    """The message's translation with ``mistake`` put in."""
    if mistake == "dropped placeholder":
        tokens = [p.token for p in find_placeholders(message.msgid)]
        token = rng.choice([t for t in tokens if t in message.msgstr])
        return message.msgstr.replace(token, "", 1)
    if mistake == "copied source":
        return message.msgid
    if mistake == "wrong language":
        if message.others and rng.random() < 0.5:
            return message.others[rng.choice(sorted(message.others))]
        return message.msgid
    if mistake == "truncated":
        keep = round(len(message.msgstr) * rng.uniform(0.3, 0.5))
        return message.msgstr[:keep].rstrip()
    return ""


def cases(rng: random.Random) -> list[Case]:
    """The sample: per language a tenth of each mistake, the other half clean."""
    found = catalogues()
    made: list[Case] = []
    for language in LANGUAGES:
        messages = [
            Message(
                msgid, texts[language], language, {k: v for k, v in texts.items() if k != language}
            )
            for msgid, texts in sorted(found.items())
            if language in texts
        ]
        rng.shuffle(messages)
        share = PER_LANGUAGE // 10
        with_placeholder = [
            message
            for message in messages
            if any(p.token in message.msgstr for p in find_placeholders(message.msgid))
        ]
        chosen = {id(message) for message in with_placeholder[:share]}
        rest = iter(message for message in messages if id(message) not in chosen)
        plan = [("dropped placeholder", message) for message in with_placeholder[:share]]
        for mistake in ("copied source", "wrong language", "truncated", "empty"):
            plan += [(mistake, next(rest)) for _ in range(share)]
        plan += [("clean", next(rest)) for _ in range(PER_LANGUAGE - len(plan))]
        for mistake, message in plan:
            answer = message.msgstr if mistake == "clean" else inject(mistake, message, rng)
            made.append(Case(mistake, task_for(message.msgid), language, answer))
    return made


def run(sample: list[Case], checks: dict[str, str] | None = None) -> float:
    """Run every case through ``run_checks``; the mean seconds per call."""
    started = time.perf_counter()
    for case in sample:
        job = job_for(case.language, checks)
        case.fired = frozenset(r.name for r in run_checks(case.task, job, case.answer))
    return (time.perf_counter() - started) / len(sample)


@dataclass(frozen=True, slots=True)
class Score:
    mistake: str
    check: str
    detected: int
    false_alarms: int  # fired on a clean pair
    on_other_mistakes: int
    cases: int

    @property
    def precision(self) -> float:
        fired = self.detected + self.false_alarms
        return self.detected / fired if fired else 0.0

    @property
    def recall(self) -> float:
        return self.detected / self.cases if self.cases else 0.0


def score(sample: list[Case]) -> list[Score]:
    scores = []
    for mistake, check in MISTAKES.items():
        mine = [c for c in sample if c.mistake == mistake]
        scores.append(
            Score(
                mistake,
                check,
                sum(check in c.fired for c in mine),
                sum(check in c.fired for c in sample if c.mistake == "clean"),
                sum(check in c.fired for c in sample if c.mistake not in ("clean", mistake)),
                len(mine),
            )
        )
    return scores


def check_quality() -> list[tuple[str, float, float, int]]:
    """(mistake, precision, recall, cases) for each kind of mistake."""
    sample = cases(random.Random(SEED))
    run(sample)
    return [(s.mistake, s.precision, s.recall, s.cases) for s in score(sample)]


def by_language(sample: list[Case], check: str) -> str:
    totals: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for case in sample:
        totals[case.language][0] += check in case.fired
        totals[case.language][1] += 1
    return " ".join(f"{lang} {hit / n:.2f}" for lang, (hit, n) in totals.items())


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def main() -> None:
    sample = cases(random.Random(SEED))
    clean = [c for c in sample if c.mistake == "clean"]
    without = run(sample, {"target_language": "off"})
    before = rss_mb()
    started = time.perf_counter()
    screen()
    built = time.perf_counter() - started
    screened = rss_mb()
    cold = run(sample)
    loaded = rss_mb()
    warm = run(sample)
    print(f"{len(sample)} pairs ({len(clean)} clean) in {', '.join(LANGUAGES)}\n")
    print(
        f"{'mistake':<20} {'check':<18} {'precision':>9} {'recall':>7} {'cases':>6} "
        f"{'false alarms':>12} {'on other mistakes':>17}"
    )
    for s in score(sample):
        print(
            f"{s.mistake:<20} {s.check:<18} {s.precision:>9.3f} {s.recall:>7.3f} {s.cases:>6} "
            f"{s.false_alarms:>12} {s.on_other_mistakes:>17}"
        )
    print("\nrecall by language:")
    for mistake in ("wrong language", "truncated"):
        mine = [c for c in sample if c.mistake == mistake]
        print(f"  {mistake:<16}", by_language(mine, MISTAKES[mistake]))
    wrong = [c for c in sample if c.mistake == "wrong language"]
    eligible = [c for c in wrong if words(prose(c.task, c.answer)) >= MIN_WORDS]
    caught = sum("target_language" in c.fired for c in eligible)
    print(
        f"  wrong language, answers of {MIN_WORDS}+ words (the check's scope): "
        f"{caught / len(eligible):.3f} of {len(eligible)}"
    )
    truncated = [c for c in sample if c.mistake == "truncated"]
    either = sum(bool(c.fired & {"length_ratio", "end_punctuation"}) for c in truncated)
    print(f"  truncated, length_ratio or end_punctuation: {either / len(truncated):.3f}")
    print("\nother warnings on clean pairs:")
    for check in OTHER_CHECKS:
        fired = sum(check in c.fired for c in clean)
        print(f"  {check:<18} {fired:>4} of {len(clean)} ({fired / len(clean):.1%})")
    print(
        f"\nrun_checks per call: {warm * 1000:.2f} ms with language detection "
        f"({cold * 1000:.2f} ms on the first pass, loading models), "
        f"{without * 1000:.2f} ms without"
    )
    readable = [c for c in clean if words(prose(c.task, c.answer)) >= MIN_WORDS]
    started = time.perf_counter()
    for case in readable:
        target_language(case.task, job_for(case.language), case.answer)
    detection = (time.perf_counter() - started) / len(readable)
    print(f"target_language alone on an answer it reads: {detection * 1000:.2f} ms")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"lingua: quick-look detector built in {built:.2f} s, RSS +{screened - before:.0f} MB; "
        f"careful-look models loaded during the run +{loaded - screened:.0f} MB; "
        f"RSS {before:.0f} -> {loaded:.0f} MB, peak {peak:.0f} MB"
    )


if __name__ == "__main__":
    main()
