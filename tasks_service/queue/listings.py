"""A volunteer's own leases and answers, as the API and the web client list them."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from tasks_service.db import models as m
from tasks_service.queue import schemas
from tasks_service.queue.task_view import seconds_left


async def assignments_of(
    session: AsyncSession, account: m.Account, *, state: str | None, limit: int
) -> list[schemas.AssignmentView]:
    """The account's leases, newest first."""
    stmt = (
        select(m.Assignment)
        .where(m.Assignment.account_id == account.id)
        .order_by(m.Assignment.id.desc())
        .limit(limit)
    )
    if state is not None:
        stmt = stmt.where(m.Assignment.state == state)
    return [
        schemas.AssignmentView(
            assignment_id=a.id,
            task_id=a.task_id,
            job_id=a.job_id,
            state=a.state,
            created_at=a.created_at,
            lease_expires_at=a.expires_at,
            lease_seconds_left=seconds_left(a.expires_at) if a.state == "active" else 0,
        )
        for a in (await session.scalars(stmt)).all()
    ]


async def submissions_of(
    session: AsyncSession,
    account: m.Account,
    *,
    status: str | None,
    limit: int,
    before_id: int | None,
) -> list[schemas.SubmissionView]:
    """The account's answers with their outcome and the reviewer's reason, newest first."""
    stmt = (
        select(m.Submission, m.Task.source)
        .join(m.Task, m.Task.id == m.Submission.task_id)
        .where(m.Submission.account_id == account.id)
        .order_by(m.Submission.id.desc())
        .limit(limit)
    )
    if status is not None:
        stmt = stmt.where(m.Submission.status == status)
    if before_id is not None:
        stmt = stmt.where(m.Submission.id < before_id)
    return [
        schemas.SubmissionView(
            submission_id=s.id,
            task_id=s.task_id,
            job_id=s.job_id,
            source=source,
            answer=s.answer,
            status=s.status,
            reason=s.reason,
            checks=s.checks,
            late=s.late,
            created_at=s.created_at,
            decided_at=s.decided_at,
        )
        for s, source in (await session.execute(stmt)).all()
    ]
