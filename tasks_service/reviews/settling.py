"""The ``settle`` background job: turn answers and verdicts into an accepted piece, or reopen."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from tasks_service.background import outbox
from tasks_service.credit.services import recompute_level
from tasks_service.db import models as m
from tasks_service.settings import Settings


async def settle_task(session: AsyncSession, settings: Settings, task_id: int) -> None:
    """Decide a task in review from its verdicts; running it again changes nothing."""
    task = await session.get(m.Task, task_id, with_for_update={"key_share": True})
    if task is None or task.state != m.TaskState.IN_REVIEW:
        return
    job = await session.get(m.Job, task.job_id)
    assert job is not None
    pending = list(
        (
            await session.scalars(
                select(m.Submission)
                .where(
                    m.Submission.task_id == task.id,
                    m.Submission.status == m.SubmissionStatus.PENDING,
                )
                .order_by(m.Submission.id)
            )
        ).all()
    )
    if job.reviews_required == 0:
        if pending:
            await _accept(session, settings, task, job, _most_common(pending), None, pending)
        return
    reviews = (
        await session.scalars(
            select(m.Review).where(m.Review.task_id == task.id).order_by(m.Review.id)
        )
    ).all()
    for submission in pending:
        verdict = _decide([r for r in reviews if r.submission_id == submission.id], job)
        if verdict is None:
            continue
        if verdict.verdict == m.Verdict.REJECT:
            await _reject(session, settings, task, submission, verdict.reason)
        else:
            await _accept(session, settings, task, job, submission, verdict, pending)
            return
    if task.answers < job.redundancy:
        task.state = m.TaskState.OPEN


def _decide(reviews: list[m.Review], job: m.Job) -> m.Review | None:
    """The verdict that settles one submission: an owner's, or ``reviews_required`` agreeing."""
    decisive = [r for r in reviews if r.decisive]
    if decisive:
        return decisive[-1]
    approvals = [r for r in reviews if r.verdict != m.Verdict.REJECT]
    rejections = [r for r in reviews if r.verdict == m.Verdict.REJECT]
    if len(approvals) >= job.reviews_required:
        edits = [r for r in approvals if r.verdict == m.Verdict.EDIT]
        return (edits or approvals)[-1]
    if len(rejections) >= job.reviews_required:
        return rejections[-1]
    return None


def _most_common(pending: list[m.Submission]) -> m.Submission:
    """Without review, the answer given most often (the earliest on a tie)."""
    counts = Counter(repr(s.answer) for s in pending)
    return max(pending, key=lambda s: (counts[repr(s.answer)], -s.id))


async def _accept(
    session: AsyncSession,
    settings: Settings,
    task: m.Task,
    job: m.Job,
    submission: m.Submission,
    verdict: m.Review | None,
    pending: list[m.Submission],
) -> None:
    now = m.utcnow()
    task.state = m.TaskState.ACCEPTED
    task.open_slots = 0
    task.accepted_submission_id = submission.id
    edited = verdict is not None and verdict.verdict == m.Verdict.EDIT
    task.accepted_answer = verdict.text if edited and verdict else submission.answer
    for other in pending:
        other.status = (
            m.SubmissionStatus.ACCEPTED if other is submission else m.SubmissionStatus.NOT_CHOSEN
        )
        other.decided_at = now
    await session.flush()
    await outbox.add(session, "credit", task_id=task.id)
    # Lock the job row before looking for unfinished tasks: when the last two tasks settle at
    # once, the second to get the lock sees the first's commit, so the job completes (once).
    await session.execute(
        select(m.Job.id).where(m.Job.id == job.id).with_for_update(key_share=True)
    )
    unfinished = exists().where(m.Task.job_id == job.id, m.Task.state != m.TaskState.ACCEPTED)
    await session.refresh(job, ["status"])
    if job.status == m.JobStatus.OPEN and not await session.scalar(select(unfinished)):
        job.status = m.JobStatus.COMPLETE
        job.finished_at = now
        await outbox.add(session, "assemble", job_id=job.id)


async def _reject(
    session: AsyncSession,
    settings: Settings,
    task: m.Task,
    submission: m.Submission,
    reason: str | None,
) -> None:
    submission.status = m.SubmissionStatus.REJECTED
    submission.reason = reason
    submission.decided_at = m.utcnow()
    task.answers -= 1
    task.open_slots += 1
    await session.flush()
    await recompute_level(session, settings, submission.account_id)
