"""Reads only the pages need (the API has no endpoint for them); every rule stays in services."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from tasks_service.db import models as m
from tasks_service.errors import NotFound
from tasks_service.projects.services import reviewable_by
from tasks_service.reviews import services as reviews
from tasks_service.reviews.services import may_review_any


async def own_assignment(
    session: AsyncSession, account: m.Account, assignment_id: int
) -> tuple[m.Assignment, m.Task, m.Job]:
    """One of the account's leases with its task; another person's lease is not found."""
    assignment = await session.get(m.Assignment, assignment_id)
    if assignment is None or assignment.account_id != account.id:
        raise NotFound(f"you hold no task {assignment_id}")
    task = await session.get(m.Task, assignment.task_id)
    job = await session.get(m.Job, assignment.job_id)
    assert task is not None and job is not None
    return assignment, task, job


async def own_review_lease(
    session: AsyncSession, account: m.Account, lease_id: int
) -> tuple[m.ReviewAssignment, m.Task, m.Job, list[m.Submission]]:
    """One of the account's review leases, its task and the answers still waiting."""
    lease = await session.get(m.ReviewAssignment, lease_id)
    if lease is None or lease.reviewer_id != account.id:
        raise NotFound(f"you hold no review {lease_id}")
    task = await session.get(m.Task, lease.task_id)
    assert task is not None
    job = await session.get(m.Job, task.job_id)
    assert job is not None
    return lease, task, job, await reviews.pending_submissions(session, task.id)


async def may_review(session: AsyncSession, account: m.Account) -> bool:
    """Whether the review queue is open to the account (level, or a role in some project)."""
    if may_review_any(account):
        return True
    role = await session.scalar(select(m.Project.id).where(reviewable_by(account)).limit(1))
    return role is not None


async def jobs_of_project(session: AsyncSession, project_id: int) -> list[m.Job]:
    stmt = select(m.Job).where(m.Job.project_id == project_id).order_by(m.Job.id.desc())
    return list((await session.scalars(stmt)).all())


async def accepted_times(session: AsyncSession, job_id: int) -> list[datetime]:
    """When each of the job's tasks got its accepted answer, oldest first."""
    stmt = (
        select(m.Submission.decided_at)
        .join(m.Task, m.Task.accepted_submission_id == m.Submission.id)
        .where(m.Task.job_id == job_id, m.Submission.decided_at.is_not(None))
        .order_by(m.Submission.decided_at)
    )
    return [t for t in (await session.scalars(stmt)).all() if t is not None]


async def upload_size(session: AsyncSession, job_id: int) -> int:
    """Bytes of the job's upload, counted by the database (the upload itself stays there)."""
    size = await session.scalar(select(func.length(m.Job.upload)).where(m.Job.id == job_id))
    return int(size or 0)
