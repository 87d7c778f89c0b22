"""The credit ledger and the levels that follow from it."""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from tasks_service.credit.accuracy import answer_accuracy, review_standing
from tasks_service.credit.ladder import LevelRule, Stats, level_for, load_ladder
from tasks_service.db import models as m
from tasks_service.settings import Settings

REVIEW_SHARE = 4  # a review earns a quarter of the piece's words
CORRECTION_SHARE = 2  # an edit that became the accepted answer earns half, as a correction does
GOLD_SHARE = 4  # a gold task answered right earns as a review does


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
    """Bring the ledger in line with the task's decision; replaying this adds nothing.

    The author of the accepted answer holds an ``accepted_answer`` entry and reviewers their
    ``review`` entries; an override that moves the decision reverses the old author's entry
    (and reinstates it if the decision comes back). Every entry is keyed by (reason, subject),
    so a second run, even at the same moment in another worker, is a no-op in the database.
    """
    task = await session.get(m.Task, task_id)
    if task is None or task.gold_answer is not None:
        return
    accepted_id = task.accepted_submission_id if task.state == m.TaskState.ACCEPTED else None
    words = max(1, task.words)
    submissions = (
        await session.scalars(
            select(m.Submission).where(m.Submission.task_id == task_id).order_by(m.Submission.id)
        )
    ).all()
    touched: set[int] = set()
    for submission in submissions:
        wanted = submission.id == accepted_id
        if await _hold(
            session,
            m.CreditReason.ACCEPTED_ANSWER,
            submission.id,
            submission.account_id,
            task.job_id,
            words,
            wanted=wanted,
        ):
            touched.add(submission.account_id)
    reviews = (await session.scalars(select(m.Review).where(m.Review.task_id == task_id))).all()
    for review in reviews:
        touched.add(review.reviewer_id)
        if accepted_id is None:
            continue
        share = words // REVIEW_SHARE
        await _hold(
            session, m.CreditReason.REVIEW, review.id, review.reviewer_id, task.job_id, share
        )
        if review.verdict == m.Verdict.EDIT and review.submission_id == accepted_id:
            await _hold(
                session,
                m.CreditReason.EDIT,
                review.id,
                review.reviewer_id,
                task.job_id,
                words // CORRECTION_SHARE,
            )
    for account_id in sorted(touched):  # one lock order: no deadlock
        await recompute_level(session, settings, account_id)


async def _hold(
    session: AsyncSession,
    reason: str,
    subject_id: int,
    account_id: int,
    job_id: int,
    amount: int,
    *,
    wanted: bool = True,
) -> bool:
    """Make ``account_id`` hold the (reason, subject) credit or not, only by appending entries.

    The chain is the entry, then its reversal, then that reversal's reinstatement, and so on;
    whether the credit is held is whether the chain ends in a positive amount. Returns whether
    the account had or has something in the chain (so its level may have changed).
    """
    entry = await _entry_for(session, reason, subject_id)
    if entry is None:
        if wanted:
            await add_entry(session, account_id, reason, subject_id, job_id, amount)
        return wanted
    while True:
        follow = m.CreditReason.REVERSAL if entry.amount > 0 else m.CreditReason.REINSTATED
        after = await _entry_for(session, follow, entry.id)
        if after is None:
            break
        entry = after
    if wanted != (entry.amount > 0):
        follow = m.CreditReason.REVERSAL if entry.amount > 0 else m.CreditReason.REINSTATED
        await add_entry(session, entry.account_id, follow, entry.id, job_id, -entry.amount)
    return True


async def _entry_for(session: AsyncSession, reason: str, subject_id: int) -> m.CreditEntry | None:
    return (
        await session.scalars(
            select(m.CreditEntry).where(
                m.CreditEntry.reason == reason, m.CreditEntry.subject_id == subject_id
            )
        )
    ).first()


async def add_entry(
    session: AsyncSession,
    account_id: int,
    reason: str,
    subject_id: int,
    job_id: int,
    amount: int,
) -> None:
    """Append one ledger entry unless (reason, subject) is there already."""
    row = {
        "account_id": account_id,
        "reason": reason,
        "subject_id": subject_id,
        "job_id": job_id,
        "amount": amount if amount < 0 else max(1, amount),
        "created_at": m.utcnow(),
    }
    await session.execute(_insert_ignoring_duplicates(session), [row])


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
    row = (
        await session.execute(
            select(
                func.count().filter(status == m.SubmissionStatus.ACCEPTED),
                func.count().filter(status == m.SubmissionStatus.REJECTED),
            ).where(m.Submission.account_id == account.id)
        )
    ).one()
    accepted, rejected = (int(v) for v in row)
    right, wrong = (await answer_accuracy(session, [account.id], since)).get(account.id, (0, 0))
    standing = await review_standing(session, account.id, since)
    reviews_total = await session.scalar(
        select(func.count()).where(m.Review.reviewer_id == account.id)
    )
    return Stats(
        credit=int(credit or 0),
        accepted=accepted,
        rejected=rejected,
        accuracy=right / (right + wrong) if right + wrong else None,
        reviews=int(reviews_total or 0),
        reviews_agreeing=standing.agreeing,
        review_agreement=standing.accuracy,
        last_active_at=account.last_active_at,
    )


async def recompute_level(session: AsyncSession, settings: Settings, account_id: int) -> int:
    """Promote or demote one contributor from their current stats.

    Promotion goes exactly by the thresholds; a level already held survives a lapse in
    activity for ``demotion_grace_days`` more.
    """
    account = await session.get(m.Account, account_id, with_for_update={"key_share": True})
    if account is None:
        return 0
    now = m.utcnow()
    stats = await account_stats(session, account, settings, now)
    level = level_for(
        ladder(settings.levels_file),
        stats,
        now,
        current=account.level,
        grace=timedelta(days=settings.demotion_grace_days),
    )
    if level != account.level:
        account.level = level
        account.level_changed_at = now
    return level


async def accounts_to_recompute(
    session: AsyncSession, settings: Settings, now: datetime, after_id: int, limit: int
) -> list[int]:
    """Accounts the nightly pass looks at: anyone above newcomer or active in the window."""
    since = now - timedelta(days=settings.accuracy_window_days)
    stmt = (
        select(m.Account.id)
        .where(
            m.Account.id > after_id,
            (m.Account.level > 0) | (m.Account.last_active_at >= since),
        )
        .order_by(m.Account.id)
        .limit(limit)
    )
    return list((await session.scalars(stmt)).all())


async def job_credits(session: AsyncSession, job_id: int) -> list[tuple[str, int, int, int]]:
    """(username, level, accepted answers, credit) for everyone whose work is in the result.

    Accepted answers are counted from the decisions as they stand (overrides included), and
    credit is the net of the job's ledger entries without gold tasks, which are not part of it.
    """
    credit = (
        select(m.CreditEntry.account_id, func.sum(m.CreditEntry.amount).label("credit"))
        .where(m.CreditEntry.job_id == job_id, m.CreditEntry.reason != m.CreditReason.GOLD_RIGHT)
        .group_by(m.CreditEntry.account_id)
        .subquery()
    )
    accepted = (
        select(m.Submission.account_id, func.count().label("accepted"))
        .where(m.Submission.job_id == job_id, m.Submission.status == m.SubmissionStatus.ACCEPTED)
        .group_by(m.Submission.account_id)
        .subquery()
    )
    total = func.coalesce(credit.c.credit, 0)
    pieces = func.coalesce(accepted.c.accepted, 0)
    stmt = (
        select(m.Account.username, m.Account.level, pieces, total)
        .join(credit, credit.c.account_id == m.Account.id, isouter=True)
        .join(accepted, accepted.c.account_id == m.Account.id, isouter=True)
        .where((total > 0) | (pieces > 0))
        .order_by(total.desc(), m.Account.username)
    )
    return [(row[0], int(row[1]), int(row[2]), int(row[3])) for row in await session.execute(stmt)]
