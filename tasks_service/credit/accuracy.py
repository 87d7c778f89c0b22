"""Accuracy over the recent window, of answers and of review verdicts, so counts can't be gamed.

An answer is right when it was accepted or matched a gold task's known answer, and wrong when
it was rejected, missed a gold answer, or was accepted while flagged as the source copied
(``not_source_copy``) with no person confirming it: a warning does not refuse a copy, but a
copy that only got through by agreement, say between two accounts of one person, still counts
against its author. A verdict is right when it agrees with the task's final outcome, which
override, consensus among reviewers and gold answers decide. Approvals that concentrate on one
author, far more generous than everyone else's judgement of that author, count as wrong.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, Text, and_, cast, exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from tasks_service.db import models as m

POSITIVE = frozenset({m.SubmissionStatus.ACCEPTED, m.SubmissionStatus.GOLD_RIGHT})
NEGATIVE = frozenset({m.SubmissionStatus.REJECTED, m.SubmissionStatus.GOLD_WRONG})
# A reviewer's accuracy gates the review queue only once this many verdicts are measured.
MIN_MEASURED_REVIEWS = 5
# Collusion: at least this many verdicts on one author, making up at least this share of the
# reviewer's verdicts, approving at least this much more often than the author is judged right
# elsewhere (by other reviewers and gold tasks).
COLLUSION_MIN_REVIEWS = 5
COLLUSION_SHARE = 0.5
COLLUSION_GAP = 0.3
MIN_OTHER_JUDGEMENTS = 3


def _unconfirmed_copy() -> ColumnElement[bool]:
    """Flagged as the source copied, and no reviewer (not its author) nor owner approved it."""
    approved = exists().where(
        m.Review.submission_id == m.Submission.id,
        m.Review.verdict != m.Verdict.REJECT,
        m.Review.reviewer_id != m.Submission.account_id,
    )
    chosen = exists().where(
        m.AuditEntry.new_submission_id == m.Submission.id,
        m.AuditEntry.action == m.AuditAction.OVERRIDE,
    )
    # The checks are a JSON list; its text holds the quoted name on both backends.
    flagged = cast(m.Submission.checks, Text).like('%"not_source_copy"%')
    return and_(flagged, ~approved, ~chosen)


async def answer_accuracy(
    session: AsyncSession, account_ids: Sequence[int], since: datetime
) -> dict[int, tuple[int, int]]:
    """(right, wrong) per author over the answers decided since ``since``."""
    status = m.Submission.status
    copy: ColumnElement[bool] = _unconfirmed_copy()
    accepted = status == m.SubmissionStatus.ACCEPTED
    right = func.count().filter((accepted & ~copy) | (status == m.SubmissionStatus.GOLD_RIGHT))
    wrong = func.count().filter(status.in_(NEGATIVE) | (accepted & copy))
    rows = await session.execute(
        select(m.Submission.account_id, right, wrong)
        .where(m.Submission.account_id.in_(account_ids), m.Submission.decided_at >= since)
        .group_by(m.Submission.account_id)
    )
    return {account: (int(r), int(w)) for account, r, w in rows}


def agrees(verdict: str, outcome: str) -> bool | None:
    """Whether a verdict agrees with its submission's outcome; None while it is not measured.

    An edit says the answer was worth keeping once corrected, so only a rejection of the
    answer disagrees with it; on a gold task it also agrees with a wrong answer, as it was not
    taken as it stood.
    """
    if outcome not in POSITIVE | NEGATIVE:
        return None
    if verdict == m.Verdict.APPROVE:
        return outcome in POSITIVE
    if verdict == m.Verdict.REJECT:
        return outcome in NEGATIVE
    return outcome != m.SubmissionStatus.REJECTED


@dataclass(frozen=True, slots=True)
class ReviewStanding:
    measured: int
    agreeing: int
    # The author whose approvals look collusive, and why, in words.
    suspect: str | None = None

    @property
    def accuracy(self) -> float | None:
        return self.agreeing / self.measured if self.measured else None


async def review_standing(
    session: AsyncSession, reviewer_id: int, since: datetime
) -> ReviewStanding:
    """How often the reviewer's verdicts since ``since`` agree with the final outcomes."""
    rows = (
        await session.execute(
            select(m.Review.verdict, m.Submission.account_id, m.Submission.status)
            .join(m.Submission, m.Submission.id == m.Review.submission_id)
            .where(m.Review.reviewer_id == reviewer_id, m.Review.created_at >= since)
        )
    ).all()
    suspect, why = await _concentrated_approvals(session, reviewer_id, since, rows)
    measured = agreeing = 0
    for verdict, author, outcome in rows:
        agreement = agrees(verdict, outcome)
        if suspect == author and verdict != m.Verdict.REJECT:
            agreement = False  # approvals in a loop are not judgement
        if agreement is not None:
            measured += 1
            agreeing += agreement
    return ReviewStanding(measured, agreeing, why)


async def _concentrated_approvals(
    session: AsyncSession,
    reviewer_id: int,
    since: datetime,
    rows: Sequence[tuple[str, int, str]],
) -> tuple[int | None, str | None]:
    """The author this reviewer waves through, far above how others judge them, if any.

    The pattern of one person approving their own second account: most of their verdicts go
    to one author, and they approve far more of that author's work than other reviewers and
    gold tasks find right (the later disagreement). Without other judgements of the author
    nothing is flagged: each overturned approval already counts against the reviewer.
    """
    per_author = Counter(author for _, author, _ in rows)
    if not per_author:
        return None, None
    author, count = per_author.most_common(1)[0]
    if count < COLLUSION_MIN_REVIEWS or count < COLLUSION_SHARE * len(rows):
        return None, None
    approvals = sum(1 for v, a, _ in rows if a == author and v != m.Verdict.REJECT)
    generosity = approvals / count
    elsewhere = await _judged_elsewhere(session, author, reviewer_id, since)
    if elsewhere is None or generosity - elsewhere < COLLUSION_GAP:
        return None, None
    name = await session.scalar(select(m.Account.username).where(m.Account.id == author))
    return author, (
        f"{count} of your {len(rows)} recent verdicts went to {name}, approving {generosity:.0%}"
        f" of them, while other reviewers and gold tasks find {name} right {elsewhere:.0%} of"
        " the time: those approvals count as disagreeing with the outcome"
    )


async def _judged_elsewhere(
    session: AsyncSession, author_id: int, reviewer_id: int, since: datetime
) -> float | None:
    """The author's share judged right by other reviewers and by gold tasks, if enough."""
    others = (
        await session.execute(
            select(func.count(), func.count().filter(m.Review.verdict != m.Verdict.REJECT))
            .select_from(m.Review)
            .join(m.Submission, m.Submission.id == m.Review.submission_id)
            .where(
                m.Submission.account_id == author_id,
                m.Review.reviewer_id != reviewer_id,
                m.Review.created_at >= since,
            )
        )
    ).one()
    gold = (
        await session.execute(
            select(
                func.count(),
                func.count().filter(m.Submission.status == m.SubmissionStatus.GOLD_RIGHT),
            ).where(
                m.Submission.account_id == author_id,
                m.Submission.status.in_(
                    [m.SubmissionStatus.GOLD_RIGHT, m.SubmissionStatus.GOLD_WRONG]
                ),
                m.Submission.decided_at >= since,
            )
        )
    ).one()
    judged, right = int(others[0]) + int(gold[0]), int(others[1]) + int(gold[1])
    return right / judged if judged >= MIN_OTHER_JUDGEMENTS else None
