"""Claims and leases: the hot path, one short transaction each."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from types import SimpleNamespace

from sqlalchemy import ColumnElement, bindparam, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from tasks_service.accounts import services as accounts
from tasks_service.background import outbox
from tasks_service.checks import run_checks
from tasks_service.db import models as m
from tasks_service.errors import Conflict, Forbidden, Invalid, NotFound, Unauthorized
from tasks_service.jobs import services as jobs
from tasks_service.projects import services as projects
from tasks_service.queue import claim_sql, selection
from tasks_service.queue.schemas import Answer, TaskView
from tasks_service.queue.task_view import compose, task_view
from tasks_service.settings import Settings

CLAIM_ATTEMPTS = 3  # SQLite: a pick taken meanwhile is tried again
ACTIVITY_RESOLUTION = timedelta(minutes=1)
BIGINT = range(-(2**63), 2**63)  # ids outside it name nothing (and asyncpg cannot send them)


@dataclass(frozen=True, slots=True)
class Claimed:
    assignment_id: int
    expires_at: datetime
    task: TaskView


async def open_leases(session: AsyncSession, account_id: int, now: datetime) -> int:
    stmt = select(func.count()).where(
        m.Assignment.account_id == account_id,
        m.Assignment.state == m.AssignmentState.ACTIVE,
        m.Assignment.expires_at > now,
    )
    return int(await session.scalar(stmt) or 0)


def _cap_reached(settings: Settings) -> Conflict:
    return Conflict(
        f"you already hold {settings.max_open_leases} open leases; submit or release one first"
    )


async def claim(
    session: AsyncSession,
    settings: Settings,
    account: m.Account,
    *,
    job_id: int | None = None,
    project_id: int | None = None,
    batcher: claim_sql.ClaimBatcher | None = None,
) -> Claimed | None:
    """Lease the best eligible task to ``account``, or return None when nothing fits now.

    On PostgreSQL a ``batcher`` runs the claim with the claims of concurrent requests, in a
    transaction of its own; without one it runs in the session's.
    """
    now = m.utcnow()
    _check_ids(job_id, project_id)
    if session.get_bind().dialect.name != "postgresql":
        return await _claim_step_by_step(session, settings, account, now, job_id, project_id)
    request = claim_sql.ClaimRequest.of(account, job_id, project_id)
    if batcher is None:
        row = await claim_sql.claim(session, request, now, settings.max_open_leases)
    else:
        row = await batcher.claim(request)
    return await _claimed(session, settings, row, account, job_id, project_id)


async def claim_by_token(
    session: AsyncSession,
    settings: Settings,
    batcher: claim_sql.ClaimBatcher,
    token_hash: str,
    *,
    job_id: int | None = None,
    project_id: int | None = None,
) -> tuple[int, Claimed | None]:
    """The API's claim on PostgreSQL: the caller's account and, as ``claim``, the lease or None.

    The bearer token is checked by the call that claims, so while there is work the request
    runs no statement of its own: the session is used only to say why there is none.
    """
    _check_ids(job_id, project_id)
    row = await batcher.claim(claim_sql.ClaimRequest(None, token_hash, job_id, project_id))
    if row.volunteer is None:
        raise Unauthorized(accounts.BAD_TOKEN)
    claimed = await _claimed(session, settings, row, row.volunteer, job_id, project_id)
    return row.volunteer, claimed


def _check_ids(job_id: int | None, project_id: int | None) -> None:
    if job_id is not None and job_id not in BIGINT:
        raise NotFound(f"no job {job_id}")
    if project_id is not None and project_id not in BIGINT:
        raise NotFound(f"no project {project_id}")


async def _claimed(
    session: AsyncSession,
    settings: Settings,
    row: SimpleNamespace,
    account: m.Account | int,
    job_id: int | None,
    project_id: int | None,
) -> Claimed | None:
    """The lease in a row of claim_tasks; when there is none, why (cap, unseen scope) or None."""
    if row.assignment_id is not None:
        return Claimed(row.assignment_id, row.expires_at, compose(row, row, row.neighbours))
    if row.held >= settings.max_open_leases:
        raise _cap_reached(settings)
    if isinstance(account, int):
        account = await session.get_one(m.Account, account)
    await _check_scope(session, account, job_id, project_id)
    return None


async def _check_scope(
    session: AsyncSession, account: m.Account, job_id: int | None, project_id: int | None
) -> list[ColumnElement[bool]]:
    """404 for a job or project the volunteer may not see; the scope's filters otherwise."""
    scope: list[ColumnElement[bool]] = []
    if job_id is not None:
        await jobs.get_visible(session, account, job_id)
        scope.append(m.Job.id == job_id)
    if project_id is not None:
        await projects.get_visible(session, account, project_id)
        scope.append(m.Job.project_id == project_id)
    return scope


async def _claim_step_by_step(
    session: AsyncSession,
    settings: Settings,
    account: m.Account,
    now: datetime,
    job_id: int | None,
    project_id: int | None,
) -> Claimed | None:
    # Lock the volunteer's row: two claims sent at once by one volunteer would otherwise both
    # pass the open-lease cap (counted after this, in a later snapshot). SQLite takes its write
    # lock at BEGIN, so this only matters for the same code on another database.
    await session.execute(
        select(m.Account.id).where(m.Account.id == account.id).with_for_update(key_share=True)
    )
    if await open_leases(session, account.id, now) >= settings.max_open_leases:
        raise _cap_reached(settings)
    scope = await _check_scope(session, account, job_id, project_id)
    for _ in range(CLAIM_ATTEMPTS):
        task_id = await selection.pick(session, account, scope)
        if task_id is None:
            return None
        taken = await session.execute(
            update(m.Task)
            .where(m.Task.id == task_id, m.Task.state == m.TaskState.OPEN, m.Task.open_slots > 0)
            .values(open_slots=m.Task.open_slots - 1)
            .execution_options(synchronize_session=False)
        )
        if taken.rowcount == 1:  # type: ignore[attr-defined]
            break
    else:
        return None
    task = await session.get(m.Task, task_id, populate_existing=True)
    assert task is not None
    job = await session.get(m.Job, task.job_id)
    assert job is not None
    assignment = m.Assignment(
        task_id=task.id,
        account_id=account.id,
        job_id=job.id,
        expires_at=now + timedelta(seconds=job.lease_seconds),
    )
    session.add(assignment)
    _touch(account, now)
    await session.flush()
    return Claimed(assignment.id, assignment.expires_at, await task_view(session, task, job))


def _touch(account: m.Account, now: datetime) -> None:
    """Record activity at most once a minute: a write on every claim would be a hot row."""
    if account.last_active_at is None or now - account.last_active_at > ACTIVITY_RESOLUTION:
        account.last_active_at = now


async def _own_assignment(
    session: AsyncSession, account: m.Account, assignment_id: int
) -> m.Assignment:
    # Lock the lease: a double submit from a flaky connection, a release, or the reaper
    # expiring it at this moment must wait for this transaction instead of racing it.
    assignment = await session.get(m.Assignment, assignment_id, with_for_update={"key_share": True})
    if assignment is None:
        raise NotFound(f"no assignment {assignment_id}")
    if assignment.account_id != account.id:
        raise Forbidden(f"assignment {assignment_id} is not yours")
    return assignment


# Built once, as the token check is: every submit runs it.
_LEASE = (
    select(m.Assignment, m.Task, m.Job)
    .join(m.Task, m.Task.id == m.Assignment.task_id)
    .join(m.Job, m.Job.id == m.Assignment.job_id)
    .where(m.Assignment.id == bindparam("assignment_id"))
    .with_for_update(of=[m.Assignment, m.Task], key_share=True)
)


async def _own_lease(
    session: AsyncSession, account: m.Account, assignment_id: int
) -> tuple[m.Assignment, m.Task, m.Job]:
    """The lease with its task and job, in one round trip; as ``_own_assignment`` locks the
    lease, the task is locked too: a claim, settle or reaper changing its slots waits."""
    row = (await session.execute(_LEASE, {"assignment_id": assignment_id})).first()
    if row is None:
        raise NotFound(f"no assignment {assignment_id}")
    if row[0].account_id != account.id:
        raise Forbidden(f"assignment {assignment_id} is not yours")
    return row[0], row[1], row[2]


async def submit(
    session: AsyncSession,
    account: m.Account,
    assignment_id: int,
    answer: Answer,
    idempotency_key: str | None,
) -> m.Submission:
    """Take an answer; a late one is still taken while the task needs an answer."""
    assignment, task, job = await _own_lease(session, account, assignment_id)
    if idempotency_key:
        earlier = (
            await session.scalars(
                select(m.Submission).where(
                    m.Submission.account_id == account.id,
                    m.Submission.idempotency_key == idempotency_key,
                )
            )
        ).first()
        if earlier is not None:
            if earlier.assignment_id != assignment.id:
                raise Conflict("this Idempotency-Key was already used for another assignment")
            return earlier
    if assignment.state == m.AssignmentState.SUBMITTED:
        raise Conflict(f"assignment {assignment_id} was already submitted")
    if assignment.state == m.AssignmentState.RELEASED:
        raise Conflict(f"assignment {assignment_id} was released or its job cancelled")
    if job.status != m.JobStatus.OPEN or task.state == m.TaskState.CANCELLED:
        raise Conflict(f"job {job.id} is {job.status}; it takes no more answers")
    results = run_checks(task, job, answer)
    errors = [r for r in results if r.level == "error"]
    if errors:
        raise Invalid(
            "the answer was refused: " + "; ".join(r.message for r in errors),
            extra={
                "checks": [
                    {"name": r.name, "level": r.level, "message": r.message} for r in results
                ]
            },
        )
    now = m.utcnow()
    late = assignment.state == m.AssignmentState.EXPIRED or assignment.expires_at <= now
    if assignment.state == m.AssignmentState.EXPIRED:
        # The reaper already gave this lease's slot back; take the answer only if the task
        # still has a free slot, and consume it.
        if task.state != m.TaskState.OPEN or task.open_slots <= 0:
            raise Conflict(
                f"the lease on assignment {assignment_id} expired and the task no longer "
                "needs an answer"
            )
        task.open_slots -= 1
    assignment.state = m.AssignmentState.SUBMITTED
    assignment.ended_at = now
    submission = m.Submission(
        assignment_id=assignment.id,
        task_id=task.id,
        job_id=job.id,
        account_id=account.id,
        answer=answer,
        checks=[{"name": r.name, "level": r.level, "message": r.message} for r in results],
        idempotency_key=idempotency_key or None,
        late=late,
    )
    session.add(submission)
    task.answers += 1
    if task.state == m.TaskState.OPEN and task.answers >= job.redundancy:
        task.state = m.TaskState.IN_REVIEW
        if job.reviews_required == 0:
            await outbox.add(session, "settle", task_id=task.id)
    _touch(account, now)
    await session.flush()
    return submission


async def release(session: AsyncSession, account: m.Account, assignment_id: int) -> None:
    assignment = await _own_assignment(session, account, assignment_id)
    if assignment.state != m.AssignmentState.ACTIVE:
        raise Conflict(f"assignment {assignment_id} is {assignment.state}, not active")
    assignment.state = m.AssignmentState.RELEASED
    assignment.ended_at = m.utcnow()
    await _return_slots(session, {assignment.task_id: 1})


async def extend(session: AsyncSession, account: m.Account, assignment_id: int) -> m.Assignment:
    assignment = await _own_assignment(session, account, assignment_id)
    now = m.utcnow()
    if assignment.state != m.AssignmentState.ACTIVE or assignment.expires_at <= now:
        state = "expired" if assignment.state == m.AssignmentState.ACTIVE else assignment.state
        raise Conflict(f"assignment {assignment_id} is {state}; claim a new task instead")
    job = await session.get(m.Job, assignment.job_id)
    assert job is not None
    assignment.expires_at = now + timedelta(seconds=job.lease_seconds)
    return assignment


async def _return_slots(session: AsyncSession, slots: dict[int, int]) -> None:
    for task_id, count in sorted(slots.items()):  # one lock order everywhere: no deadlocks
        await session.execute(
            update(m.Task)
            .where(m.Task.id == task_id, m.Task.state == m.TaskState.OPEN)
            .values(open_slots=m.Task.open_slots + count)
            .execution_options(synchronize_session=False)
        )


async def reap_expired(session: AsyncSession, now: datetime, *, limit: int = 1000) -> int:
    """Return expired leases to the pool; returns how many were reaped."""
    rows = (
        await session.execute(
            select(m.Assignment.id, m.Assignment.task_id)
            .where(m.Assignment.state == m.AssignmentState.ACTIVE, m.Assignment.expires_at <= now)
            .order_by(m.Assignment.expires_at)
            .limit(limit)
            # SKIP LOCKED: a lease being submitted or released right now is that
            # transaction's to settle; two reapers never expire the same lease twice.
            .with_for_update(skip_locked=True, key_share=True)
        )
    ).all()
    if rows:
        await session.execute(
            update(m.Assignment)
            .where(m.Assignment.id.in_([row[0] for row in rows]))
            .values(state=m.AssignmentState.EXPIRED, ended_at=now)
            .execution_options(synchronize_session=False)
        )
        await _return_slots(session, dict(Counter(row[1] for row in rows)))
    await session.execute(
        update(m.ReviewAssignment)
        .where(
            m.ReviewAssignment.state == m.ReviewAssignmentState.ACTIVE,
            m.ReviewAssignment.expires_at <= now,
        )
        .values(state=m.ReviewAssignmentState.EXPIRED)
        .execution_options(synchronize_session=False)
    )
    return len(rows)
