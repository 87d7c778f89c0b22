"""After a fault: compare the database with the history of acknowledged requests.

Extends the checks of ``tests.queue.test_history`` (answers kept, never over-leased) with what
background work must get right through crashes: every task settled exactly once, every credit
entry present exactly once, task counts exact and no work left pending.
"""

from __future__ import annotations

from collections import Counter

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tasks_service.db import models as m
from tests.faults.crowd import server_errors
from tests.queue.test_history import REDUNDANCY, History


async def check(
    sessionmaker: async_sessionmaker[AsyncSession],
    history: History,
    tasks_per_job: dict[int, int],
) -> None:
    assert server_errors(history) == {}  # a 503 means "try again"; any other 5xx is a failure
    assert history.over_leased == []  # leases held plus answers kept never beyond redundancy
    async with sessionmaker() as session:
        await _answers_kept(session, history)
        await _tasks_exact(session, tasks_per_job)
        await _settled_once(session, tasks_per_job)
        await _credited_once(session)
        assert (
            await session.scalar(
                select(func.count()).where(m.Assignment.state == m.AssignmentState.ACTIVE)
            )
            == 0
        )
        pending = await session.scalar(
            select(func.count()).where(m.OutboxMessage.done_at.is_(None))
        )
        assert pending == 0  # no background work lost in a queue or left behind


async def _answers_kept(session: AsyncSession, history: History) -> None:
    stored = {
        sid: task
        for sid, task in await session.execute(select(m.Submission.id, m.Submission.task_id))
    }
    acknowledged = {sid: task for sid, (_, task) in history.acknowledged.items()}
    assert acknowledged.keys() <= stored.keys()  # no acknowledged answer missing
    assert all(stored[sid] == task for sid, task in acknowledged.items())
    assert max(Counter(history.acknowledged.values()).values()) == 1  # nobody answered twice


async def _tasks_exact(session: AsyncSession, tasks_per_job: dict[int, int]) -> None:
    """A split run twice (a message dispatched again after a flush) must not add tasks."""
    rows = await session.execute(
        select(m.Job.id, m.Job.tasks_total, func.count(m.Task.id))
        .join(m.Task, m.Task.job_id == m.Job.id)
        .group_by(m.Job.id, m.Job.tasks_total)
    )
    assert {job: (total, count) for job, total, count in rows} == {
        job: (expected, expected) for job, expected in tasks_per_job.items()
    }
    kept = await session.execute(
        select(m.Submission.task_id, func.count())
        .where(m.Submission.status != m.SubmissionStatus.REJECTED)
        .group_by(m.Submission.task_id)
    )
    assert set(dict(kept.all()).values()) == {REDUNDANCY}  # answered exactly enough


async def _settled_once(session: AsyncSession, tasks_per_job: dict[int, int]) -> None:
    """Every task accepted once, from a kept answer; each acceptance wrote one credit message
    and each job completed once (one assemble message) with its result built."""
    tasks = (
        await session.execute(select(m.Task.id, m.Task.state, m.Task.accepted_submission_id))
    ).all()
    assert {state for _, state, _ in tasks} == {m.TaskState.ACCEPTED}
    accepted = dict(
        (
            await session.execute(
                select(m.Submission.task_id, func.count())
                .where(m.Submission.status == m.SubmissionStatus.ACCEPTED)
                .group_by(m.Submission.task_id)
            )
        ).all()
    )
    assert accepted == {task: 1 for task, _, _ in tasks}
    chosen = set(
        await session.scalars(
            select(m.Submission.id).where(m.Submission.status == m.SubmissionStatus.ACCEPTED)
        )
    )
    assert {sid for _, _, sid in tasks} == chosen
    messages = Counter(
        (topic, str(payload))
        for topic, payload in await session.execute(
            select(m.OutboxMessage.topic, m.OutboxMessage.payload).where(
                m.OutboxMessage.topic.in_(["credit", "assemble"])
            )
        )
    )
    assert messages == Counter(
        [("credit", str({"task_id": task})) for task, _, _ in tasks]
        + [("assemble", str({"job_id": job})) for job in tasks_per_job]
    )
    jobs = (await session.execute(select(m.Job.status, m.Job.result.is_not(None)))).all()
    assert set(jobs) == {(m.JobStatus.COMPLETE, True)}, jobs


async def _credited_once(session: AsyncSession) -> None:
    """One ledger entry for each accepted answer, to its author, and one for each review."""
    entries = (
        await session.execute(
            select(m.CreditEntry.reason, m.CreditEntry.subject_id, m.CreditEntry.account_id)
        )
    ).all()
    assert len(entries) == len({(reason, subject) for reason, subject, _ in entries})
    answers = {
        (subject, account)
        for reason, subject, account in entries
        if reason == m.CreditReason.ACCEPTED_ANSWER
    }
    authors = set(
        (
            await session.execute(
                select(m.Submission.id, m.Submission.account_id).where(
                    m.Submission.status == m.SubmissionStatus.ACCEPTED
                )
            )
        ).all()
    )
    assert answers == authors
    reviews = {
        (subject, account)
        for reason, subject, account in entries
        if reason == m.CreditReason.REVIEW
    }
    accepted_reviews = set(
        (
            await session.execute(
                select(m.Review.id, m.Review.reviewer_id)
                .join(m.Submission, m.Submission.id == m.Review.submission_id)
                .join(m.Task, m.Task.id == m.Submission.task_id)
                .where(m.Task.state == m.TaskState.ACCEPTED)
            )
        ).all()
    )
    assert reviews == accepted_reviews
