"""The review page: the source, the answers side by side with their differences, a verdict."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Controller, Request, get, post
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_422_UNPROCESSABLE_ENTITY
from sqlalchemy.ext.asyncio import AsyncSession

from tasks_service.db import models as m
from tasks_service.errors import Conflict, Invalid
from tasks_service.queue.task_view import seconds_left, task_view
from tasks_service.reviews import schemas, services
from tasks_service.settings import Settings
from tasks_service.web import queries
from tasks_service.web.diff import Segment, word_diff
from tasks_service.web.rendering import Form, field, go, notice, page
from tasks_service.web.session import signed_in

Req = Request[Any, Any, Any]


class AnswerView(msgspec.Struct):
    submission_id: int
    forms: list[str]  # one text, or one per plural form
    diffs: list[list[Segment]] | None  # against the baseline, where there is one
    checks: list[dict[str, Any]]
    late: bool


def _forms(answer: Any) -> list[str]:
    return [str(a) for a in answer] if isinstance(answer, list) else [str(answer)]


def answer_views(kind: str, source: str, pending: list[m.Submission]) -> list[AnswerView]:
    """Proofreading is compared with the source; several answers are compared with the first."""
    baseline: list[str] | None = None
    if kind == "proofread":
        baseline = [source]
    elif len(pending) > 1:
        baseline = _forms(pending[0].answer)
    views = []
    for submission in pending:
        forms = _forms(submission.answer)
        diffs = None
        if baseline is not None and (kind == "proofread" or submission is not pending[0]):
            diffs = [word_diff(baseline[min(i, len(baseline) - 1)], f) for i, f in enumerate(forms)]
        views.append(
            AnswerView(submission.id, forms, diffs, list(submission.checks), submission.late)
        )
    return views


async def _claim_next(
    session: AsyncSession, settings: Settings, account: m.Account
) -> m.ReviewAssignment | None:
    claimed = await services.claim(session, settings, account, None)
    return claimed[0] if claimed else None


class ReviewPages(Controller):
    @get("/review")
    async def start(
        self,
        request: Req,
        viewer: m.Account | None,
        db_session: AsyncSession,
        msg: str | None = None,
    ) -> Template:
        account = signed_in(request, viewer)
        allowed = await queries.may_review(db_session, account)
        return page("review_start.html", account, allowed=allowed, notice=notice(msg))

    @post("/review/next")
    async def next_review(
        self,
        request: Req,
        viewer: m.Account | None,
        db_session: AsyncSession,
        settings: Settings,
    ) -> Redirect:
        account = signed_in(request, viewer)
        lease = await _claim_next(db_session, settings, account)
        return go(f"/review/{lease.id}" if lease else "/review?msg=no-review")

    @get("/review/{lease_id:int}")
    async def review_page(
        self,
        request: Req,
        lease_id: int,
        viewer: m.Account | None,
        db_session: AsyncSession,
        msg: str | None = None,
    ) -> Template | Redirect:
        account = signed_in(request, viewer)
        return await self._render(db_session, account, lease_id, notice=notice(msg))

    async def _render(
        self,
        session: AsyncSession,
        account: m.Account,
        lease_id: int,
        *,
        status_code: int = 200,
        **context: Any,
    ) -> Template | Redirect:
        lease, task, job, pending = await queries.own_review_lease(session, account, lease_id)
        left = seconds_left(lease.expires_at)
        if lease.state != m.ReviewAssignmentState.ACTIVE or left <= 0 or not pending:
            return go("/review?msg=no-review")
        view = await task_view(session, task, job)
        return page(
            "review.html",
            account,
            status_code=status_code,
            lease=lease,
            task=view,
            answers=answer_views(job.kind, task.source, pending),
            seconds_left=left,
            **context,
        )

    @post("/review/{lease_id:int}/verdict")
    async def verdict(
        self,
        request: Req,
        lease_id: int,
        data: Form,
        viewer: m.Account | None,
        db_session: AsyncSession,
        settings: Settings,
    ) -> Template | Redirect:
        account = signed_in(request, viewer)
        submission = field(data, "submission_id")
        verdict = field(data, "verdict")
        try:
            decision = msgspec.convert(
                {
                    "submission_id": int(submission) if submission.isdigit() else -1,
                    "verdict": verdict,
                    "text": _edited(data) if verdict == "edit" else None,
                    "reason": field(data, "reason").strip() or None,
                },
                schemas.VerdictCreate,
            )
            async with db_session.begin_nested():
                await services.record_verdict(db_session, account, lease_id, decision)
        except (Invalid, msgspec.ValidationError) as exc:
            return await self._render(
                db_session,
                account,
                lease_id,
                status_code=HTTP_422_UNPROCESSABLE_ENTITY,
                error=exc.detail if isinstance(exc, Invalid) else str(exc),
                failed_submission=submission,
            )
        except Conflict:
            return go("/review?msg=no-review")
        lease = await _claim_next(db_session, settings, account)
        return go(f"/review/{lease.id}?msg=reviewed" if lease else "/review?msg=reviewed-last")

    @post("/review/{lease_id:int}/release")
    async def give_back(
        self, request: Req, lease_id: int, viewer: m.Account | None, db_session: AsyncSession
    ) -> Redirect:
        """Back to the review start page, not straight to the next claim: that could hand
        the same task back at once."""
        account = signed_in(request, viewer)
        try:
            async with db_session.begin_nested():
                await services.release(db_session, account, lease_id)
        except Conflict:
            return go("/review?msg=no-review")
        return go("/review?msg=given-back")


def _edited(form: dict[str, Any]) -> str | list[str] | None:
    """The corrected text: one field, or ``text_0``, ``text_1``, ... for a plural."""
    count = field(form, "plural_count")
    if count.isdigit():
        return [field(form, f"text_{i}") for i in range(min(int(count), 10))]
    return field(form, "text") or None
