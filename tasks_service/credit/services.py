"""The credit ledger and the levels that follow from it."""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from tasks_service.credit.ladder import LevelRule, Stats, level_for, load_ladder
from tasks_service.db import models as m
from tasks_service.settings import Settings

REVIEW_SHARE = 4  # a review earns a quarter of the piece's words
CORRECTION_SHARE = 2  # an edit that became the accepted answer earns half


@lru_cache(maxsize=4)
def ladder(path: str | None) -> tuple[LevelRule, ...]:
    return load_ladder(path)


def _insert_ignoring_duplicates(session: AsyncSession) -> Any:
    dialect = session.get_bind().dialect.name
    module: Any = postgresql if dialect == "postgresql" else sqlite
    return module.insert(m.CreditEntry).on_conflict_do_nothing(
        index_elements=["reason", "subject_id"]
    )


async def credit_task(session: AsyncSession, settings: Settings, task_id: int) -> None:
    """Write the ledger entries for an accepted task; replaying this adds nothing.

    The unique key (reason, subject) turns a second run into a no-op inside the database,
    so exactly-once holds even when two workers run the same job at the same moment.
    """
    task = await session.get(m.Task, task_id)
    if task is None or task.state != m.TaskState.ACCEPTED or task.accepted_submission_id is None:
        return
    submission = await session.get(m.Submission, task.accepted_submission_id)
    if submission is None:
        return
    words = max(1, task.words)
    rows: list[dict[str, Any]] = [
        _entry(submission.account_id, m.CreditReason.ACCEPTED_ANSWER, submission.id, task, words)
    ]
    reviews = (
        await session.scalars(
            select(m.Review)
            .join(m.Submission, m.Submission.id == m.Review.submission_id)
            .where(m.Submission.task_id == task_id)
        )
    ).all()
    for review in reviews:
        rows.append(
            _entry(
                review.reviewer_id, m.CreditReason.REVIEW, review.id, task, words // REVIEW_SHARE
            )
        )
        if review.verdict == m.Verdict.EDIT and review.submission_id == submission.id:
            rows.append(
                _entry(
                    review.reviewer_id,
                    m.CreditReason.CORRECTION,
                    review.id,
                    task,
                    words // CORRECTION_SHARE,
                )
            )
    await session.execute(_insert_ignoring_duplicates(session), rows)
    for account_id in sorted({row["account_id"] for row in rows}):  # one lock order: no deadlock
        await recompute_level(session, settings, account_id)


def _entry(
    account_id: int, reason: str, subject_id: int, task: m.Task, amount: int
) -> dict[str, Any]:
    return {
        "account_id": account_id,
        "reason": reason,
        "subject_id": subject_id,
        "job_id": task.job_id,
        "amount": max(1, amount),
        "created_at": m.utcnow(),
    }


async def account_stats(
    session: AsyncSession, account: m.Account, settings: Settings, now: datetime
) -> Stats:
    credit = await session.scalar(
        select(func.coalesce(func.sum(m.CreditEntry.amount), 0)).where(
            m.CreditEntry.account_id == account.id
        )
    )
    since = now - timedelta(days=settings.accuracy_window_days)
    status = m.Submission.status
    recent = m.Submission.decided_at >= since
    row = (
        await session.execute(
            select(
                func.count().filter(status == m.SubmissionStatus.ACCEPTED),
                func.count().filter(status == m.SubmissionStatus.REJECTED),
                func.count().filter(status == m.SubmissionStatus.ACCEPTED, recent),
                func.count().filter(status == m.SubmissionStatus.REJECTED, recent),
            ).where(m.Submission.account_id == account.id)
        )
    ).one()
    accepted, rejected, recent_accepted, recent_rejected = (int(v) for v in row)
    reviewed = recent_accepted + recent_rejected
    agreeing = case(
        (
            (m.Review.verdict == m.Verdict.REJECT)
            == (m.Submission.status == m.SubmissionStatus.REJECTED),
            1,
        ),
        else_=0,
    )
    decided = m.Submission.status.in_([m.SubmissionStatus.ACCEPTED, m.SubmissionStatus.REJECTED])
    review_row = (
        await session.execute(
            select(func.count(), func.coalesce(func.sum(agreeing), 0))
            .select_from(m.Review)
            .join(m.Submission, m.Submission.id == m.Review.submission_id)
            .where(m.Review.reviewer_id == account.id, decided)
        )
    ).one()
    reviews_decided, reviews_agreeing = int(review_row[0]), int(review_row[1])
    reviews_total = await session.scalar(
        select(func.count()).where(m.Review.reviewer_id == account.id)
    )
    return Stats(
        credit=int(credit or 0),
        accepted=accepted,
        rejected=rejected,
        accuracy=recent_accepted / reviewed if reviewed else None,
        reviews=int(reviews_total or 0),
        reviews_agreeing=reviews_agreeing,
        review_agreement=reviews_agreeing / reviews_decided if reviews_decided else None,
        last_active_at=account.last_active_at,
    )


async def recompute_level(session: AsyncSession, settings: Settings, account_id: int) -> int:
    """Promote or demote one contributor from their current stats."""
    account = await session.get(m.Account, account_id, with_for_update={"key_share": True})
    if account is None:
        return 0
    now = m.utcnow()
    stats = await account_stats(session, account, settings, now)
    level = level_for(ladder(settings.levels_file), stats, now)
    if level != account.level:
        account.level = level
        account.level_changed_at = now
    return level


async def job_credits(session: AsyncSession, job_id: int) -> list[tuple[str, int, int, int]]:
    """(username, level, accepted answers, credit) for everyone credited in one job."""
    accepted = func.count().filter(m.CreditEntry.reason == m.CreditReason.ACCEPTED_ANSWER)
    stmt = (
        select(m.Account.username, m.Account.level, accepted, func.sum(m.CreditEntry.amount))
        .join(m.Account, m.Account.id == m.CreditEntry.account_id)
        .where(m.CreditEntry.job_id == job_id)
        .group_by(m.Account.id, m.Account.username, m.Account.level)
        .order_by(func.sum(m.CreditEntry.amount).desc(), m.Account.username)
    )
    return [(row[0], int(row[1]), int(row[2]), int(row[3])) for row in await session.execute(stmt)]
