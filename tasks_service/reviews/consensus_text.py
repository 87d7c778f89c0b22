"""Agreement between redundant free-text answers: accept the consensus, or ask a reviewer.

Similarity is rapidfuzz's normalised Indel similarity, ``1 - (insertions + deletions) / (len(a)
+ len(b))``, on text with Unicode compatibility forms, case and runs of whitespace folded. It is
preferred to a character n-gram F-score because it is symmetric by construction (clustering needs
one similarity per pair, whatever the order), stays meaningful on one-word answers, where n-grams
run out, respects word order, on which a translation's meaning depends, and rapidfuzz computes it
bit-parallel in C. On sample translations a changed word or punctuation mark scores 0.81-0.98, a
reordered paraphrase about 0.77 and an unrelated sentence 0.40-0.51, hence ``SAME_ANSWER``.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from rapidfuzz.distance import Indel

from tasks_service.reviews.consensus_labels import UNKNOWN_RELIABILITY

__all__ = ["SAME_ANSWER", "UNKNOWN_RELIABILITY", "TextAnswer", "TextDecision", "decide_text"]

SAME_ANSWER = 0.75
# Weight shares are sums of floats: 4 of 5 equal weights must reach a threshold of exactly 0.8.
_ROUNDING = 1e-9


@dataclass(frozen=True, slots=True)
class TextAnswer:
    """One volunteer's answer; ``reliability`` is the author's accuracy (or the prior) in [0, 1]."""

    submission_id: int
    text: str
    reliability: float


@dataclass(frozen=True, slots=True)
class TextDecision:
    """``accept`` is None when a reviewer must compare the answers; clusters are strongest first."""

    accept: int | None
    agreement: float
    clusters: list[list[int]]
    reason: str


def decide_text(
    answers: Sequence[TextAnswer],
    *,
    agreement_threshold: float = 0.8,
    same_answer: float = SAME_ANSWER,
) -> TextDecision:
    """Accept the weighted medoid of the strongest group of similar answers, if it dominates.

    A group's strength is the sum of its authors' reliabilities, so two careful volunteers outvote
    two careless ones; ``agreement`` is the strongest group's share of all the weight. Acceptance
    needs that share to reach ``agreement_threshold`` and at least two answers in the group: a
    lone answer has nothing confirming it.
    """
    ordered = sorted(answers, key=lambda answer: answer.submission_id)
    _validate(ordered)
    texts = [_normalise(answer.text) for answer in ordered]
    similarity = [[Indel.normalized_similarity(a, b) for b in texts] for a in texts]
    weights = [answer.reliability for answer in ordered]
    total = sum(weights)

    def strength(group: list[int]) -> float:
        return sum(weights[i] for i in group)

    groups = sorted(_cluster(similarity, same_answer), key=lambda g: (-strength(g), -len(g), g[0]))
    best = groups[0]
    agreement = strength(best) / total if total > 0 else 0.0
    clusters = [[ordered[i].submission_id for i in group] for group in groups]
    n = len(ordered)
    if n == 1:
        return TextDecision(
            None, agreement, clusters, "Only one answer so far: nothing to compare."
        )
    side_by_side = "compare both side by side" if n == 2 else f"compare all {n} side by side"
    if len(best) == 1:
        reason = f"No two of the {n} answers are alike enough to count as agreeing; {side_by_side}."
        return TextDecision(None, agreement, clusters, reason)
    if agreement < agreement_threshold - _ROUNDING:
        reason = (
            f"The answers disagree: the best-supported group of similar answers ({len(best)} of "
            f"{n}) carries {agreement:.0%} of the reliability-weighted vote, below the "
            f"{agreement_threshold:.0%} needed; {side_by_side}."
        )
        return TextDecision(None, agreement, clusters, reason)
    # Weighted medoid: the answer whose weighted similarity to its group (itself included) is
    # highest, so of two near-identical answers the more reliable author's wins.
    centre = ordered[
        max(best, key=lambda i: (sum(weights[j] * similarity[i][j] for j in best), -i))
    ]
    others = sorted(i for group in clusters[1:] for i in group)
    set_aside = f"; set aside: {', '.join(f'#{i}' for i in others)}" if others else ""
    reason = (
        f"{len(best)} of {n} answers agree, carrying {agreement:.0%} of the reliability-weighted "
        f"vote ({agreement_threshold:.0%} needed); accepted #{centre.submission_id}, the one "
        f"closest to the others in its group{set_aside}."
    )
    return TextDecision(centre.submission_id, agreement, clusters, reason)


def _validate(answers: list[TextAnswer]) -> None:
    if not answers:
        raise ValueError("no answers to decide between")
    ids = [answer.submission_id for answer in answers]
    if len(set(ids)) != len(ids):
        raise ValueError("each submission may appear only once")
    for answer in answers:
        if not (math.isfinite(answer.reliability) and 0.0 <= answer.reliability <= 1.0):
            raise ValueError(f"reliability of #{answer.submission_id} is not within [0, 1]")


def _normalise(text: str) -> str:
    """Fold what volunteers vary without meaning to: full-width forms, case, spacing."""
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def _cluster(similarity: list[list[float]], threshold: float) -> list[list[int]]:
    """Average-linkage grouping: merge the closest pair of groups while they are alike on average.

    Average rather than single linkage, so that A≈B and B≈C do not chain A and C together when A
    and C differ. Cubic in the number of answers, which is the task's redundancy (a handful).
    """
    groups = [[i] for i in range(len(similarity))]
    while len(groups) > 1:
        # max() keeps the first of equal links: ties go to the earliest groups, deterministically.
        link, a, b = max(
            (
                (_linkage(similarity, groups[a], groups[b]), a, b)
                for a in range(len(groups))
                for b in range(a + 1, len(groups))
            ),
            key=lambda candidate: candidate[0],
        )
        if link < threshold:
            break
        merged = sorted(groups[a] + groups[b])
        groups = sorted([g for k, g in enumerate(groups) if k not in (a, b)] + [merged])
    return groups


def _linkage(similarity: list[list[float]], first: list[int], second: list[int]) -> float:
    return sum(similarity[i][j] for i in first for j in second) / (len(first) * len(second))
