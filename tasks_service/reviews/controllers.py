from __future__ import annotations

from litestar import Controller, Response, post
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED, HTTP_204_NO_CONTENT
from sqlalchemy.ext.asyncio import AsyncSession

from tasks_service.db import models as m
from tasks_service.queue.task_view import task_view
from tasks_service.reviews import schemas, services
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
