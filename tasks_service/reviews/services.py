"""The review queue: who may review what, review leases and verdicts."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import exists, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from tasks_service.background import outbox
from tasks_service.checks import run_checks
from tasks_service.credit.accuracy import MIN_MEASURED_REVIEWS, review_standing
from tasks_service.credit.ladder import REVIEWER_LEVEL, rule_for
from tasks_service.credit.services import ladder
from tasks_service.db import models as m
from tasks_service.errors import Conflict, Forbidden, Invalid, NotFound
from tasks_service.jobs import services as jobs
from tasks_service.projects.services import is_owner, reviewable_by, visible_to
from tasks_service.reviews import schemas
from tasks_service.settings import Settings


def may_review_any(account: m.Account) -> bool:
    return account.is_admin or account.level >= REVIEWER_LEVEL


async def review_suspension(
    session: AsyncSession, settings: Settings, account: m.Account
) -> str | None:
    """Why a reviewer by level may not review now, or None: verdicts that keep disagreeing.

    Measured over the recent window once ``MIN_MEASURED_REVIEWS`` verdicts have an outcome,
    against the ``review_accuracy`` of the account's level. A project role given by an owner
    is the owner's trust and is not suspended.
    """
    rule = rule_for(ladder(settings.levels_file), account.level)
    if account.is_admin or rule.review_accuracy is None:
        return None
    since = m.utcnow() - timedelta(days=settings.accuracy_window_days)
    standing = await review_standing(session, account.id, since)
    accuracy = standing.accuracy
    if standing.measured < MIN_MEASURED_REVIEWS or accuracy is None:
        return None
    if accuracy >= rule.review_accuracy:
        return None
    why = f"; {standing.suspect}" if standing.suspect else ""
    return (
        f"review privileges are paused: {standing.agreeing} of your {standing.measured} "
        f"measured verdicts of the last {settings.accuracy_window_days} days agree with the "
        f"final outcome ({accuracy:.0%}, {rule.review_accuracy:.0%} needed){why}"
    )


async def claim(
    session: AsyncSession, settings: Settings, account: m.Account, job_id: int | None
) -> tuple[m.ReviewAssignment, m.Task, m.Job, list[m.Submission]] | None:
    by_level = may_review_any(account)
    suspension = await review_suspension(session, settings, account) if by_level else None
    by_level = by_level and suspension is None
    if job_id is not None:
        scoped = await jobs.get_visible(session, account, job_id)
        allowed = select(m.Project.id).where(
            m.Project.id == scoped.project_id, reviewable_by(account)
        )
        if not by_level and await session.scalar(allowed) is None:
            raise Forbidden(
                suspension or f"reviewing job {job_id} needs reviewer level or a project role"
            )
    elif not by_level:
        has_role = await session.scalar(select(m.Project.id).where(reviewable_by(account)).limit(1))
        if has_role is None:
            raise Forbidden(
                suspension
                or "the review queue needs reviewer level or a reviewer role in a project"
            )
    now = m.utcnow()
    active_lease = exists().where(
        m.ReviewAssignment.task_id == m.Task.id,
        m.ReviewAssignment.state == m.ReviewAssignmentState.ACTIVE,
        m.ReviewAssignment.expires_at > now,
    )
    own_answer = exists().where(
        m.Submission.task_id == m.Task.id, m.Submission.account_id == account.id
    )
    already_reviewed = exists().where(
        m.Review.task_id == m.Task.id,
        m.Review.reviewer_id == account.id,
        m.Review.submission_id == m.Submission.id,
        m.Submission.status == m.SubmissionStatus.PENDING,
    )
    stmt = (
        select(m.Task)
        .join(m.Job, m.Job.id == m.Task.job_id)
        .join(m.Project, m.Project.id == m.Job.project_id)
        .where(
            m.Task.state == m.TaskState.IN_REVIEW,
            m.Job.status == m.JobStatus.OPEN,
            visible_to(account),
            *([] if by_level else [reviewable_by(account)]),
            ~active_lease,
            ~own_answer,  # a reviewer never reviews their own work
            ~already_reviewed,
        )
        .order_by(m.Job.priority.desc(), m.Task.updated_at, m.Task.id)
        .limit(1)
        # SKIP LOCKED: two reviewers asking at once get different tasks.
        .with_for_update(of=m.Task, skip_locked=True, key_share=True)
    )
    if job_id is not None:
        stmt = stmt.where(m.Task.job_id == job_id)
    task = (await session.scalars(stmt)).first()
    if task is None:
        return None
    await session.execute(
        update(m.ReviewAssignment)
        .where(
            m.ReviewAssignment.task_id == task.id,
            m.ReviewAssignment.state == m.ReviewAssignmentState.ACTIVE,
        )
        .values(state=m.ReviewAssignmentState.EXPIRED)
        .execution_options(synchronize_session=False)
    )
    lease = m.ReviewAssignment(
        task_id=task.id,
        reviewer_id=account.id,
        expires_at=now + timedelta(seconds=settings.review_lease_seconds),
    )
    session.add(lease)
    await session.flush()
    job = await session.get(m.Job, task.job_id)
    assert job is not None
    return lease, task, job, await pending_submissions(session, task.id)


async def record_verdict(
    session: AsyncSession, account: m.Account, lease_id: int, data: schemas.VerdictCreate
) -> m.Review:
    # Lock the review lease: a double-tapped verdict must not be recorded twice.
    lease = await session.get(m.ReviewAssignment, lease_id, with_for_update={"key_share": True})
    if lease is None:
        raise NotFound(f"no review assignment {lease_id}")
    if lease.reviewer_id != account.id:
        raise Forbidden(f"review assignment {lease_id} is not yours")
    if lease.state != m.ReviewAssignmentState.ACTIVE or lease.expires_at <= m.utcnow():
        raise Conflict(f"review assignment {lease_id} is no longer open; claim a review again")
    submission = await session.get(m.Submission, data.submission_id)
    if (
        submission is None
        or submission.task_id != lease.task_id
        or submission.status != m.SubmissionStatus.PENDING
    ):
        raise Invalid(f"submission {data.submission_id} is not one of this review's submissions")
    if submission.account_id == account.id:
        raise Forbidden("a reviewer never reviews their own answer")
    if data.verdict == "reject" and not (data.reason and data.reason.strip()):
        raise Invalid("a rejection needs a reason, so the author can learn from it")
    if data.verdict == "edit":
        await _check_edit(session, submission, data)
    task = await session.get(m.Task, lease.task_id)
    job = await session.get(m.Job, submission.job_id)
    assert task is not None and job is not None
    review = m.Review(
        review_assignment_id=lease.id,
        task_id=lease.task_id,
        submission_id=submission.id,
        reviewer_id=account.id,
        verdict=data.verdict,
        text=data.text if data.verdict == "edit" else None,
        reason=data.reason,
        # An owner's (or admin's) verdict settles the task on its own.
        decisive=await is_owner(session, account, job.project_id),
    )
    session.add(review)
    lease.state = m.ReviewAssignmentState.DONE
    await session.flush()
    await outbox.add(session, "settle", task_id=lease.task_id)
    return review


async def release(session: AsyncSession, account: m.Account, lease_id: int) -> None:
    """Give a review back unreviewed: the task is free for the next reviewer at once."""
    # Locked like a verdict: a verdict and a give-back on the same lease never both land.
    lease = await session.get(m.ReviewAssignment, lease_id, with_for_update={"key_share": True})
    if lease is None:
        raise NotFound(f"no review assignment {lease_id}")
    if lease.reviewer_id != account.id:
        raise Forbidden(f"review assignment {lease_id} is not yours")
    if lease.state != m.ReviewAssignmentState.ACTIVE or lease.expires_at <= m.utcnow():
        raise Conflict(f"review assignment {lease_id} is no longer open")
    lease.state = m.ReviewAssignmentState.RELEASED


async def _check_edit(
    session: AsyncSession, submission: m.Submission, data: schemas.VerdictCreate
) -> None:
    if data.text is None:
        raise Invalid("an edit needs the corrected text")
    task = await session.get(m.Task, submission.task_id)
    job = await session.get(m.Job, submission.job_id)
    assert task is not None and job is not None
    errors = [r.message for r in run_checks(task, job, data.text) if r.level == "error"]
    if errors:
        raise Invalid("the edited text was refused: " + "; ".join(errors))


async def pending_submissions(session: AsyncSession, task_id: int) -> list[m.Submission]:
    """The task's answers still waiting for a verdict, oldest first."""
    pending = await session.scalars(
        select(m.Submission)
        .where(m.Submission.task_id == task_id, m.Submission.status == m.SubmissionStatus.PENDING)
        .order_by(m.Submission.id)
    )
    return list(pending.all())
