"""The ``settle`` background job: turn answers and verdicts into an accepted piece, or reopen."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from sqlalchemy import exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from tasks_service.background import outbox
from tasks_service.credit.accuracy import answer_accuracy
from tasks_service.credit.services import recompute_level
from tasks_service.db import models as m
from tasks_service.reviews.consensus import (
    UNKNOWN_RELIABILITY,
    LabelResponse,
    TextAnswer,
    aggregate_labels,
    decide_text,
    label_decision,
)
from tasks_service.reviews.gold import grade_gold
from tasks_service.settings import Settings

MAX_LABEL_ANSWERS = 5
RELIABILITY_MINIMUM = 5  # decided answers before an author's accuracy counts


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
    reviews = (
        await session.scalars(
            select(m.Review).where(m.Review.task_id == task.id).order_by(m.Review.id)
        )
    ).all()
    if task.gold_answer is not None:
        if pending and (job.reviews_required == 0 or reviews):
            waiting = {s.id for s in pending}
            reviewers = {r.reviewer_id for r in reviews if r.submission_id in waiting}
            await grade_gold(session, settings, task, job, pending, reviewers)
        return
    if job.reviews_required == 0 and not reviews:
        if pending:
            await _settle_by_consensus(session, settings, task, job, pending)
        return
    for submission in pending:
        verdict = _decide([r for r in reviews if r.submission_id == submission.id], job)
        if verdict is None:
            continue
        if verdict.verdict == m.Verdict.REJECT:
            await _reject(session, settings, task, submission, verdict.reason, reviews)
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
    required = max(1, job.reviews_required)  # a job without review still gets one when asked
    if len(approvals) >= required:
        edits = [r for r in approvals if r.verdict == m.Verdict.EDIT]
        return (edits or approvals)[-1]
    if len(rejections) >= required:
        return rejections[-1]
    return None


async def _settle_by_consensus(
    session: AsyncSession,
    settings: Settings,
    task: m.Task,
    job: m.Job,
    pending: list[m.Submission],
) -> None:
    """Without reviewers: one answer is taken as it is; several must agree.

    Labels go through Dawid-Skene over the whole job (gold rows calibrate the volunteers) and
    a task that is not yet clear asks for one more answer, up to ``MAX_LABEL_ANSWERS``. Free
    text is grouped by similarity and weighted by each author's accuracy; when the answers do
    not agree, the task stays in review for a person to pick, all answers side by side.
    """
    if len(pending) == 1 and job.redundancy == 1:
        await _accept(session, settings, task, job, pending[0], None, pending)
        return
    if job.kind == "label":
        label = await _label_consensus(session, job, task)
        chosen = next((s for s in pending if s.answer == label), None)
        if chosen is not None:
            await _accept(session, settings, task, job, chosen, None, pending)
        elif task.answers < MAX_LABEL_ANSWERS:
            task.state = m.TaskState.OPEN
            task.open_slots += 1  # not clear yet: ask one more volunteer
        return
    reliability = await _reliabilities(session, settings, [s.account_id for s in pending])
    answers = [
        TextAnswer(
            s.id,
            s.answer if isinstance(s.answer, str) else "\n".join(s.answer),
            reliability.get(s.account_id, UNKNOWN_RELIABILITY),
        )
        for s in pending
    ]
    decision = decide_text(answers)
    if decision.accept is not None:
        chosen = next(s for s in pending if s.id == decision.accept)
        await _accept(session, settings, task, job, chosen, None, pending)


async def _label_consensus(session: AsyncSession, job: m.Job, task: m.Task) -> str | None:
    rows = await session.execute(
        select(m.Submission.task_id, m.Submission.account_id, m.Submission.answer).where(
            m.Submission.job_id == job.id,
            # Gold answers too: with the known labels they tie each volunteer to the truth.
            m.Submission.status.in_(
                [
                    m.SubmissionStatus.PENDING,
                    m.SubmissionStatus.ACCEPTED,
                    m.SubmissionStatus.GOLD_RIGHT,
                    m.SubmissionStatus.GOLD_WRONG,
                ]
            ),
        )
    )
    responses = [LabelResponse(t, a, str(answer)) for t, a, answer in rows]
    gold = {
        t: str(g)
        for t, g in await session.execute(
            select(m.Task.id, m.Task.gold_answer).where(
                m.Task.job_id == job.id, m.Task.gold_answer.is_not(None)
            )
        )
    }
    posterior = aggregate_labels(responses, gold).get(task.id)
    return label_decision(posterior) if posterior is not None else None


async def _reliabilities(
    session: AsyncSession, settings: Settings, account_ids: list[int]
) -> dict[int, float]:
    """Each author's measured accuracy (reviewed and gold work in the recent window)."""
    since = m.utcnow() - timedelta(days=settings.accuracy_window_days)
    counts = await answer_accuracy(session, account_ids, since)
    return {
        a: ok / (ok + bad) for a, (ok, bad) in counts.items() if ok + bad >= RELIABILITY_MINIMUM
    }


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
    await complete_if_done(session, job)


async def complete_if_done(session: AsyncSession, job: m.Job) -> None:
    """Complete the job and queue its assembly once every task but the gold ones is accepted."""
    # Lock the job row before looking for unfinished tasks: when the last two tasks settle at
    # once, the second to get the lock sees the first's commit, so the job completes (once).
    await session.execute(
        select(m.Job.id).where(m.Job.id == job.id).with_for_update(key_share=True)
    )
    unfinished = exists().where(
        m.Task.job_id == job.id,
        m.Task.state != m.TaskState.ACCEPTED,
        m.Task.gold_answer.is_(None),
    )
    await session.refresh(job, ["status"])
    if job.status == m.JobStatus.OPEN and not await session.scalar(select(unfinished)):
        job.status = m.JobStatus.COMPLETE
        job.finished_at = m.utcnow()
        await outbox.add(session, "assemble", job_id=job.id)


async def _reject(
    session: AsyncSession,
    settings: Settings,
    task: m.Task,
    submission: m.Submission,
    reason: str | None,
    reviews: Sequence[m.Review],
) -> None:
    submission.status = m.SubmissionStatus.REJECTED
    submission.reason = reason
    submission.decided_at = m.utcnow()
    task.answers -= 1
    task.open_slots += 1
    await session.flush()
    reviewers = {r.reviewer_id for r in reviews if r.submission_id == submission.id}
    for account_id in sorted(reviewers | {submission.account_id}):
        await recompute_level(session, settings, account_id)
