"""The co-creator ladder: thresholds and privileges are configuration, evaluation is pure."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import msgspec


class LevelRule(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    level: int
    name: str
    accepted: int = 0
    accuracy: float | None = None
    credit: int = 0
    reviews_agreeing: int = 0
    review_agreement: float | None = None
    active_within_days: int | None = None
    # Reviewer accuracy (verdicts agreeing with the final outcome, over the recent window)
    # below which the review queue is closed to this level, once enough verdicts are measured.
    review_accuracy: float | None = None
    privileges: tuple[str, ...] = ()


class Stats(msgspec.Struct, frozen=True):
    """What the ladder looks at for one contributor."""

    credit: int
    accepted: int
    rejected: int
    accuracy: float | None
    reviews: int
    reviews_agreeing: int
    review_agreement: float | None
    last_active_at: datetime | None


DEFAULT_LADDER: tuple[LevelRule, ...] = (
    LevelRule(0, "newcomer", privileges=("easy tasks", "more gold tasks to learn from")),
    LevelRule(1, "contributor", accepted=5, privileges=("all ordinary tasks",)),
    LevelRule(2, "regular", accepted=50, accuracy=0.80, privileges=("hard tasks", "longer leases")),
    LevelRule(
        3,
        "reviewer",
        accepted=200,
        accuracy=0.90,
        review_accuracy=0.75,
        privileges=("the review queue",),
    ),
    LevelRule(
        4,
        "co-creator",
        credit=1000,
        reviews_agreeing=100,
        review_agreement=0.85,
        active_within_days=30,
        review_accuracy=0.75,
        privileges=("correct accepted pieces", "mentor newcomers", "listed as co-creator"),
    ),
)
REVIEWER_LEVEL = 3
CO_CREATOR_LEVEL = 4


def load_ladder(path: str | None) -> tuple[LevelRule, ...]:
    """The default ladder, or one from a JSON file (a list of level rules, from level 0 up)."""
    if not path:
        return DEFAULT_LADDER
    rules = msgspec.json.decode(Path(path).read_bytes(), type=tuple[LevelRule, ...])
    if [rule.level for rule in rules] != list(range(len(rules))):
        raise ValueError(f"{path}: levels must be numbered 0, 1, 2, ... in order")
    return rules


def missing_for(
    rule: LevelRule, stats: Stats, now: datetime, grace: timedelta = timedelta()
) -> list[str]:
    """What ``stats`` still lacks to reach ``rule``, in words; empty when it is reached.

    ``grace`` stretches the activity window: a contributor keeps a level for that long after
    their activity lapses, while one who has not reached it gets no such allowance.
    """
    missing = []
    if stats.accepted < rule.accepted:
        missing.append(f"{rule.accepted - stats.accepted} more accepted answers")
    if rule.accuracy is not None and (stats.accuracy or 0.0) < rule.accuracy:
        now_text = "none measured yet" if stats.accuracy is None else f"{stats.accuracy:.0%}"
        missing.append(f"accuracy of at least {rule.accuracy:.0%} (now {now_text})")
    if stats.credit < rule.credit:
        missing.append(f"{rule.credit - stats.credit} more credit")
    if stats.reviews_agreeing < rule.reviews_agreeing:
        missing.append(
            f"{rule.reviews_agreeing - stats.reviews_agreeing} more reviews "
            "agreeing with the final outcome"
        )
    if (
        rule.review_agreement is not None
        and (stats.review_agreement or 0.0) < rule.review_agreement
    ):
        missing.append(f"review agreement of at least {rule.review_agreement:.0%}")
    if rule.active_within_days is not None and (
        stats.last_active_at is None
        or now - stats.last_active_at > timedelta(days=rule.active_within_days) + grace
    ):
        missing.append(f"activity within the last {rule.active_within_days} days")
    return missing


def level_for(
    ladder: tuple[LevelRule, ...],
    stats: Stats,
    now: datetime,
    *,
    current: int = 0,
    grace: timedelta = timedelta(),
) -> int:
    """The highest level whose requirements, and those of every level below, are met.

    Levels up to ``current`` are held with the inactivity ``grace``: promotion goes exactly by
    the thresholds, demotion for inactivity only once the grace has also run out.
    """
    level = 0
    for rule in ladder[1:]:
        if missing_for(rule, stats, now, grace if rule.level <= current else timedelta()):
            break
        level = rule.level
    return level


def rule_for(ladder: tuple[LevelRule, ...], level: int) -> LevelRule:
    return ladder[min(level, len(ladder) - 1)]
