"""Decisions changed by people: owner overrides and co-creators' corrections, with their log.

An override puts a different answer in place of a task's decision, whatever decided it
(reviewers, consensus, or nobody yet); a correction rewrites an accepted piece. Both are
written to the audit log in the same transaction as the change, and both leave the ledger
append-only: the credit job reverses the old author's entry and credits the new one.
"""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from tasks_service.background import outbox
from tasks_service.checks import CheckResult, run_checks
from tasks_service.credit.ladder import CO_CREATOR_LEVEL
from tasks_service.credit.services import CORRECTION_SHARE, add_entry, recompute_level
from tasks_service.db import models as m
from tasks_service.errors import Conflict, Forbidden, Invalid, NotFound
from tasks_service.jobs import services as jobs
from tasks_service.jobs.formats import Answer
from tasks_service.projects.services import is_owner
from tasks_service.reviews import schemas
from tasks_service.reviews.settling import complete_if_done
from tasks_service.settings import Settings


async def _task_for_change(
    session: AsyncSession, account: m.Account, task_id: int
) -> tuple[m.Task, m.Job]:
    # Lock the task: a settle job or a second override at this moment waits for this one.
    task = await session.get(m.Task, task_id, with_for_update={"key_share": True})
    if task is None:
        raise NotFound(f"no task {task_id}")
    job = await jobs.get_visible(session, account, task.job_id)  # 404 where it is not visible
    if task.gold_answer is not None:
        raise Conflict(f"task {task_id} is a gold task: its known answer is not a decision")
    if job.status in (m.JobStatus.CANCELLED, m.JobStatus.SPLITTING, m.JobStatus.FAILED):
        raise Conflict(f"job {job.id} is {job.status}; its decisions can no longer change")
    return task, job


def _checked(task: m.Task, job: m.Job, answer: Answer, what: str) -> list[CheckResult]:
    results = run_checks(task, job, answer)
    errors = [r.message for r in results if r.level == "error"]
    if errors:
        raise Invalid(f"the {what} was refused: " + "; ".join(errors))
    return results


def _blank(reason: str) -> None:
    if not reason.strip():
        raise Invalid("a reason is required, so the people affected can see why")


async def override(
    session: AsyncSession,
    settings: Settings,
    account: m.Account,
    task_id: int,
    data: schemas.OverrideCreate,
) -> m.AuditEntry:
    """An owner's (or admin's) decision replacing whatever was decided on the task."""
    task, job = await _task_for_change(session, account, task_id)
    if not await is_owner(session, account, job.project_id):
        raise Forbidden(f"only an owner of project {job.project_id} may override its decisions")
    _blank(data.reason)
    if (data.submission_id is None) == (data.answer is None):
        raise Invalid("give either submission_id (one of the task's answers) or answer")
    chosen: m.Submission | None = None
    checks: list[CheckResult] = []
    if data.submission_id is not None:
        chosen = await session.get(m.Submission, data.submission_id)
        if chosen is None or chosen.task_id != task.id:
            raise Invalid(f"submission {data.submission_id} is not an answer to task {task.id}")
        if chosen.status == m.SubmissionStatus.CANCELLED:
            raise Invalid(f"submission {chosen.id} was cancelled with its job")
        new_answer = chosen.answer
    else:
        assert data.answer is not None
        checks = _checked(task, job, data.answer, "answer")
        new_answer = data.answer
    accepted = task.state == m.TaskState.ACCEPTED
    if (
        accepted
        and task.accepted_answer == new_answer
        and (chosen is None or task.accepted_submission_id == chosen.id)
    ):
        raise Conflict(f"task {task.id} already has this decision")
    entry = _log(task, account, m.AuditAction.OVERRIDE, new_answer, data.reason, checks)
    entry.new_submission_id = chosen.id if chosen is not None else None
    session.add(entry)
    await _decide(session, task, chosen, new_answer, data.reason)
    await _refresh_result(session, job)  # before completing: a job completed now has none yet
    await complete_if_done(session, job)
    await outbox.add(session, "credit", task_id=task.id)
    await session.flush()
    return entry


async def _decide(
    session: AsyncSession,
    task: m.Task,
    chosen: m.Submission | None,
    answer: Answer,
    reason: str,
) -> None:
    """Make ``answer`` the task's accepted answer; every other answer's status follows."""
    now = m.utcnow()
    submissions = (
        await session.scalars(select(m.Submission).where(m.Submission.task_id == task.id))
    ).all()
    for submission in submissions:
        if submission is chosen:
            submission.status = m.SubmissionStatus.ACCEPTED
            submission.reason = None
        elif submission.status == m.SubmissionStatus.ACCEPTED:
            submission.status = m.SubmissionStatus.REJECTED
            submission.reason = f"overridden by the project owner: {reason}"
        elif submission.status == m.SubmissionStatus.PENDING:
            submission.status = m.SubmissionStatus.NOT_CHOSEN
        else:
            continue
        submission.decided_at = now
    task.state = m.TaskState.ACCEPTED
    task.open_slots = 0
    task.accepted_submission_id = chosen.id if chosen is not None else None
    task.accepted_answer = answer
    await session.flush()  # the job's completion check below reads the tasks back
    # Leases on the task end now: the work they were for is decided.
    await session.execute(
        update(m.Assignment)
        .where(m.Assignment.task_id == task.id, m.Assignment.state == m.AssignmentState.ACTIVE)
        .values(state=m.AssignmentState.RELEASED, ended_at=now)
        .execution_options(synchronize_session=False)
    )
    await session.execute(
        update(m.ReviewAssignment)
        .where(
            m.ReviewAssignment.task_id == task.id,
            m.ReviewAssignment.state == m.ReviewAssignmentState.ACTIVE,
        )
        .values(state=m.ReviewAssignmentState.EXPIRED)
        .execution_options(synchronize_session=False)
    )


async def correct(
    session: AsyncSession,
    settings: Settings,
    account: m.Account,
    task_id: int,
    data: schemas.CorrectionCreate,
) -> m.AuditEntry:
    """A co-creator's correction of an accepted piece: checked, logged, credited once."""
    if account.level < CO_CREATOR_LEVEL and not account.is_admin:
        raise Forbidden("correcting accepted pieces needs co-creator level")
    task, job = await _task_for_change(session, account, task_id)
    _blank(data.reason)
    if task.state != m.TaskState.ACCEPTED:
        raise Conflict(f"task {task.id} is {task.state}: only accepted pieces can be corrected")
    if data.text == task.accepted_answer:
        raise Conflict("the correction is the accepted answer already")
    earlier = await session.scalar(
        select(m.AuditEntry.id).where(
            m.AuditEntry.task_id == task.id,
            m.AuditEntry.actor_id == account.id,
            m.AuditEntry.action == m.AuditAction.CORRECTION,
        )
    )
    if earlier is not None:
        raise Conflict(f"you corrected task {task.id} already (audit entry {earlier})")
    checks = _checked(task, job, data.text, "correction")
    entry = _log(task, account, m.AuditAction.CORRECTION, data.text, data.reason, checks)
    entry.new_submission_id = task.accepted_submission_id
    session.add(entry)
    task.accepted_answer = data.text
    await session.flush()
    author = await session.scalar(
        select(m.Submission.account_id).where(m.Submission.id == task.accepted_submission_id)
    )
    if author != account.id:  # correcting one's own piece earns nothing
        amount = max(1, task.words) // CORRECTION_SHARE
        await add_entry(session, account.id, m.CreditReason.CORRECTION, entry.id, job.id, amount)
        await recompute_level(session, settings, account.id)
    await _refresh_result(session, job)
    return entry


def _log(
    task: m.Task,
    account: m.Account,
    action: str,
    new_answer: Answer,
    reason: str,
    checks: list[CheckResult],
) -> m.AuditEntry:
    accepted = task.state == m.TaskState.ACCEPTED
    return m.AuditEntry(
        job_id=task.job_id,
        task_id=task.id,
        actor_id=account.id,
        action=action,
        old_state=task.state,
        old_submission_id=task.accepted_submission_id if accepted else None,
        old_answer=task.accepted_answer if accepted else None,
        new_answer=new_answer,
        reason=reason.strip(),
        checks=[{"name": r.name, "level": r.level, "message": r.message} for r in checks],
    )


async def _refresh_result(session: AsyncSession, job: m.Job) -> None:
    """A complete job's stored document is built again with the changed piece."""
    await session.refresh(job, ["status"])
    if job.status == m.JobStatus.COMPLETE:
        await session.execute(update(m.Job).where(m.Job.id == job.id).values(result=None))
        await outbox.add(session, "assemble", job_id=job.id)


async def audit_log(
    session: AsyncSession, account: m.Account, job_id: int, *, limit: int, after_id: int | None
) -> list[tuple[m.AuditEntry, str]]:
    """The job's changed decisions, oldest first; for its owners."""
    job = await jobs.get_owned(session, account, job_id)
    stmt = (
        select(m.AuditEntry, m.Account.username)
        .join(m.Account, m.Account.id == m.AuditEntry.actor_id)
        .where(m.AuditEntry.job_id == job.id)
        .order_by(m.AuditEntry.id)
        .limit(limit)
    )
    if after_id is not None:
        stmt = stmt.where(m.AuditEntry.id > after_id)
    return [(entry, name) for entry, name in await session.execute(stmt)]
