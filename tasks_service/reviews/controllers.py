from __future__ import annotations

from litestar import Controller, Response, get, post
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED, HTTP_204_NO_CONTENT
from sqlalchemy.ext.asyncio import AsyncSession

from tasks_service.db import models as m
from tasks_service.pagination import Cursor, Limit, decode_cursor, next_cursor
from tasks_service.queue.task_view import task_view
from tasks_service.reviews import decisions, schemas, services
from tasks_service.settings import Settings


class ReviewController(Controller):
    tags = ["reviews"]

    @post(
        "/reviews/claim",
        status_code=HTTP_200_OK,
        opt={"no_content": True, "problems": (403, 404)},
    )
    async def claim(
        self,
        account: m.Account,
        db_session: AsyncSession,
        settings: Settings,
        data: schemas.ReviewClaimRequest | None = None,
    ) -> Response[schemas.ReviewClaim | None]:
        request = data or schemas.ReviewClaimRequest()
        claimed = await services.claim(db_session, settings, account, request.job_id)
        if claimed is None:
            return Response(None, status_code=HTTP_204_NO_CONTENT)
        lease, task, job, pending = claimed
        return Response(
            schemas.ReviewClaim(
                review_assignment_id=lease.id,
                lease_expires_at=lease.expires_at,
                task=await task_view(db_session, task, job),
                submissions=[
                    schemas.SubmissionForReview(
                        submission_id=s.id, answer=s.answer, checks=s.checks, late=s.late
                    )
                    for s in pending
                ],
            )
        )

    @post(
        "/review-assignments/{lease_id:int}/verdict",
        status_code=HTTP_201_CREATED,
        opt={"problems": (403, 409)},
    )
    async def verdict(
        self,
        lease_id: int,
        data: schemas.VerdictCreate,
        account: m.Account,
        db_session: AsyncSession,
    ) -> schemas.VerdictRecorded:
        review = await services.record_verdict(db_session, account, lease_id, data)
        return schemas.VerdictRecorded(
            review_id=review.id, submission_id=review.submission_id, verdict=review.verdict
        )

    @post(
        "/review-assignments/{lease_id:int}/release",
        status_code=HTTP_204_NO_CONTENT,
        opt={"problems": (403, 409)},
    )
    async def release(self, lease_id: int, account: m.Account, db_session: AsyncSession) -> None:
        await services.release(db_session, account, lease_id)


class DecisionController(Controller):
    """Changing decisions after the fact: owner overrides, co-creators' corrections, the log."""

    tags = ["reviews"]

    @post("/tasks/{task_id:int}/override", status_code=HTTP_201_CREATED)
    async def override(
        self,
        task_id: int,
        data: schemas.OverrideCreate,
        account: m.Account,
        db_session: AsyncSession,
        settings: Settings,
    ) -> schemas.AuditRecord:
        entry = await decisions.override(db_session, settings, account, task_id, data)
        return _record(entry, account.username)

    @post("/tasks/{task_id:int}/corrections", status_code=HTTP_201_CREATED)
    async def correction(
        self,
        task_id: int,
        data: schemas.CorrectionCreate,
        account: m.Account,
        db_session: AsyncSession,
        settings: Settings,
    ) -> schemas.AuditRecord:
        entry = await decisions.correct(db_session, settings, account, task_id, data)
        return _record(entry, account.username)

    @get("/jobs/{job_id:int}/audit")
    async def audit(
        self,
        job_id: int,
        account: m.Account,
        db_session: AsyncSession,
        limit: Limit = 50,
        cursor: Cursor = None,
    ) -> schemas.AuditPage:
        rows = await decisions.audit_log(
            db_session, account, job_id, limit=limit, after_id=decode_cursor(cursor)
        )
        last = rows[-1][0].id if rows else None
        return schemas.AuditPage(
            items=[_record(entry, name) for entry, name in rows],
            next_cursor=next_cursor(last, len(rows), limit),
        )


def _record(entry: m.AuditEntry, actor: str) -> schemas.AuditRecord:
    return schemas.AuditRecord(
        id=entry.id,
        task_id=entry.task_id,
        action=entry.action,
        actor=actor,
        created_at=entry.created_at,
        reason=entry.reason,
        old_state=entry.old_state,
        old_submission_id=entry.old_submission_id,
        new_submission_id=entry.new_submission_id,
        old_answer=entry.old_answer,
        new_answer=entry.new_answer,
        checks=entry.checks,
    )
