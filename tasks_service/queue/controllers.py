from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import State
from litestar.params import HeaderParameter, QueryParameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED, HTTP_204_NO_CONTENT
from sqlalchemy.ext.asyncio import AsyncSession

from tasks_service import metrics
from tasks_service.accounts.deps import bearer_token, provide_account
from tasks_service.accounts.security import token_digest
from tasks_service.db import models as m
from tasks_service.logs import bind_account
from tasks_service.pagination import Cursor, Limit, decode_cursor, next_cursor
from tasks_service.queue import listings, schemas, services
from tasks_service.queue.task_view import seconds_left
from tasks_service.ratelimit import RateLimits, rate_limited
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

    @post(
        "/tasks/claim",
        status_code=HTTP_200_OK,
        **rate_limited("claim", no_content=True, problems=(401, 409)),
    )
    async def claim(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        settings: Settings,
        state: State,
        data: schemas.ClaimRequest | None = None,
    ) -> Response[schemas.Claim | None]:
        """On PostgreSQL the token is checked by the batched call that claims (no statement of
        the request's own); SQLite checks it first, as every other route does."""
        scope = data or schemas.ClaimRequest()
        limits: RateLimits = state.rate_limits
        if state.claims is None:
            account = await provide_account(request, db_session, settings)
            await limits.hit("claim", "account", str(account.id))
            claimed = await services.claim(
                db_session, settings, account, job_id=scope.job_id, project_id=scope.project_id
            )
        else:
            token_hash = token_digest(bearer_token(request), settings.secret_key)
            await limits.hit_token_owner("claim", token_hash, db_session)
            account_id, claimed = await services.claim_by_token(
                db_session,
                settings,
                state.claims,
                token_hash,
                job_id=scope.job_id,
                project_id=scope.project_id,
            )
            bind_account(account_id)
        if claimed is None:
            metrics.CLAIMS.labels(outcome="empty").inc()
            return Response(None, status_code=HTTP_204_NO_CONTENT)
        metrics.CLAIMS.labels(outcome="leased").inc()
        body = schemas.Claim(
            assignment_id=claimed.assignment_id,
            lease_expires_at=claimed.expires_at,
            lease_seconds_left=seconds_left(claimed.expires_at),
            task=claimed.task,
        )
        return Response(body)

    @post(
        "/assignments/{assignment_id:int}/submit",
        status_code=HTTP_201_CREATED,
        **rate_limited("submit", has_caller=True, problems=(403, 409)),
    )
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
        metrics.SUBMISSIONS.labels(late=str(submission.late).lower()).inc()
        return schemas.SubmitResult(
            submission_id=submission.id,
            status=submission.status,
            late=submission.late,
            checks=submission.checks,
        )

    @post(
        "/assignments/{assignment_id:int}/release",
        status_code=HTTP_204_NO_CONTENT,
        opt={"problems": (403, 409)},
    )
    async def release(
        self, assignment_id: int, account: m.Account, db_session: AsyncSession
    ) -> None:
        await services.release(db_session, account, assignment_id)

    @post(
        "/assignments/{assignment_id:int}/extend",
        status_code=HTTP_200_OK,
        opt={"problems": (403, 409)},
    )
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
        return await listings.assignments_of(
            db_session, account, state=assignment_state, limit=limit
        )

    @get("/me/submissions")
    async def my_submissions(
        self,
        account: m.Account,
        db_session: AsyncSession,
        status: m.SubmissionStatus | None = None,
        limit: Limit = 50,
        cursor: Cursor = None,
    ) -> schemas.SubmissionPage:
        items = await listings.submissions_of(
            db_session, account, status=status, limit=limit, before_id=decode_cursor(cursor)
        )
        last = items[-1].submission_id if items else None
        return schemas.SubmissionPage(items=items, next_cursor=next_cursor(last, len(items), limit))
