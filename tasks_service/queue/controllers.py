from __future__ import annotations

from typing import Annotated

from litestar import Controller, Response, get, post
from litestar.params import HeaderParameter, QueryParameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED, HTTP_204_NO_CONTENT
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from tasks_service.db import models as m
from tasks_service.pagination import Cursor, Limit, decode_cursor, next_cursor
from tasks_service.queue import schemas, services
from tasks_service.queue.task_view import seconds_left
from tasks_service.settings import Settings

IdempotencyKey = Annotated[
    str | None,
    HeaderParameter(
        name="Idempotency-Key",
        max_length=200,
        description="send the same key again to get the first answer back, not a second one",
    ),
]


class QueueController(Controller):
    tags = ["queue"]

    @post("/tasks/claim", status_code=HTTP_200_OK)
    async def claim(
        self,
        account: m.Account,
        db_session: AsyncSession,
        settings: Settings,
        data: schemas.ClaimRequest | None = None,
    ) -> Response[schemas.Claim | None]:
        request = data or schemas.ClaimRequest()
        claimed = await services.claim(
            db_session, settings, account, job_id=request.job_id, project_id=request.project_id
        )
        if claimed is None:
            return Response(None, status_code=HTTP_204_NO_CONTENT)
        body = schemas.Claim(
            assignment_id=claimed.assignment_id,
            lease_expires_at=claimed.expires_at,
            lease_seconds_left=seconds_left(claimed.expires_at),
            task=claimed.task,
        )
        return Response(body)

    @post("/assignments/{assignment_id:int}/submit", status_code=HTTP_201_CREATED)
    async def submit(
        self,
        assignment_id: int,
        data: schemas.SubmitRequest,
        account: m.Account,
        db_session: AsyncSession,
        idempotency_key: IdempotencyKey = None,
    ) -> schemas.SubmitResult:
        submission = await services.submit(
            db_session, account, assignment_id, data.answer, idempotency_key
        )
        return schemas.SubmitResult(
            submission_id=submission.id,
            status=submission.status,
            late=submission.late,
            checks=submission.checks,
        )

    @post("/assignments/{assignment_id:int}/release", status_code=HTTP_204_NO_CONTENT)
    async def release(
        self, assignment_id: int, account: m.Account, db_session: AsyncSession
    ) -> None:
        await services.release(db_session, account, assignment_id)

    @post("/assignments/{assignment_id:int}/extend", status_code=HTTP_200_OK)
    async def extend(
        self, assignment_id: int, account: m.Account, db_session: AsyncSession
    ) -> schemas.Lease:
        assignment = await services.extend(db_session, account, assignment_id)
        return schemas.Lease(
            lease_expires_at=assignment.expires_at,
            lease_seconds_left=seconds_left(assignment.expires_at),
        )

    @get("/me/assignments")
    async def my_assignments(
        self,
        account: m.Account,
        db_session: AsyncSession,
        assignment_state: Annotated[m.AssignmentState | None, QueryParameter(name="state")] = None,
        limit: Limit = 50,
    ) -> list[schemas.AssignmentView]:
        stmt = (
            select(m.Assignment)
            .where(m.Assignment.account_id == account.id)
            .order_by(m.Assignment.id.desc())
            .limit(limit)
        )
        if assignment_state is not None:
            stmt = stmt.where(m.Assignment.state == assignment_state)
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
            for a in (await db_session.scalars(stmt)).all()
        ]

    @get("/me/submissions")
    async def my_submissions(
        self,
        account: m.Account,
        db_session: AsyncSession,
        status: m.SubmissionStatus | None = None,
        limit: Limit = 50,
        cursor: Cursor = None,
    ) -> schemas.SubmissionPage:
        stmt = (
            select(m.Submission, m.Task.source)
            .join(m.Task, m.Task.id == m.Submission.task_id)
            .where(m.Submission.account_id == account.id)
            .order_by(m.Submission.id.desc())
            .limit(limit)
        )
        if status is not None:
            stmt = stmt.where(m.Submission.status == status)
        if (before := decode_cursor(cursor)) is not None:
            stmt = stmt.where(m.Submission.id < before)
        rows = (await db_session.execute(stmt)).all()
        items = [
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
            for s, source in rows
        ]
        last = rows[-1][0].id if rows else None
        return schemas.SubmissionPage(items=items, next_cursor=next_cursor(last, len(rows), limit))
