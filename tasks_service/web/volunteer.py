"""The volunteer's home and the task page: one tap to the next task, and the work itself."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Controller, Request, get, post
from litestar.response import Redirect, Response, Template
from litestar.status_codes import HTTP_200_OK, HTTP_422_UNPROCESSABLE_ENTITY
from sqlalchemy.ext.asyncio import AsyncSession

from tasks_service.accounts import schemas as account_schemas
from tasks_service.accounts.services import profile
from tasks_service.credit import listings as credit_listings
from tasks_service.credit.services import ladder
from tasks_service.db import models as m
from tasks_service.errors import Conflict, Invalid
from tasks_service.queue import listings, services
from tasks_service.queue.schemas import Answer
from tasks_service.queue.task_view import seconds_left, task_view
from tasks_service.settings import Settings
from tasks_service.web import queries
from tasks_service.web.rendering import Form, field, go, notice, page
from tasks_service.web.session import signed_in

Req = Request[Any, Any, Any]
WORK_SHOWN = 10
MAX_PLURAL_FORMS = 10  # as many as an answer may hold (queue.schemas.Answer)


def level_progress(me: account_schemas.Profile, settings: Settings) -> float:
    """How far along the way to the next level, from its counted thresholds (0 to 1)."""
    if me.next_level is None:
        return 1.0
    rule = ladder(settings.levels_file)[me.next_level.level]
    shares = [
        min(have / need, 1.0)
        for have, need in ((me.accepted, rule.accepted), (me.credit, rule.credit))
        if need
    ]
    if not shares:
        return 0.0 if me.next_level.missing else 1.0
    return sum(shares) / len(shares)


async def _claim_next(
    session: AsyncSession, settings: Settings, account: m.Account, job_id: int | None = None
) -> int | None:
    """The assignment id of a task for the account; a refusal (too many leases) rolls back
    only the attempt."""
    try:
        async with session.begin_nested():
            claimed = await services.claim(session, settings, account, job_id=job_id)
    except Conflict:
        return None
    return claimed.assignment_id if claimed else None


class VolunteerPages(Controller):
    @get("/", name="web:home")
    async def home(
        self,
        viewer: m.Account | None,
        db_session: AsyncSession,
        settings: Settings,
        msg: str | None = None,
    ) -> Template:
        if viewer is None:
            return page("landing.html", None, levels=credit_listings.levels(settings))
        me = await profile(db_session, settings, viewer)
        return page(
            "home.html",
            viewer,
            me=me,
            progress=level_progress(me, settings),
            work=await credit_listings.work_of(db_session, viewer, WORK_SHOWN),
            may_review=await queries.may_review(db_session, viewer),
            notice=notice(msg),
        )

    @post("/tasks/next")
    async def next_task(
        self,
        request: Req,
        viewer: m.Account | None,
        db_session: AsyncSession,
        settings: Settings,
    ) -> Redirect:
        """Back to a task still held, or a new one."""
        account = signed_in(request, viewer)
        for held in await listings.assignments_of(
            db_session, account, state=m.AssignmentState.ACTIVE, limit=settings.max_open_leases
        ):
            if held.lease_seconds_left > 0:
                return go(f"/tasks/{held.assignment_id}")
        assignment_id = await _claim_next(db_session, settings, account)
        return go(f"/tasks/{assignment_id}" if assignment_id else "/?msg=no-task")

    @get("/tasks/{assignment_id:int}")
    async def task_page(
        self,
        request: Req,
        assignment_id: int,
        viewer: m.Account | None,
        db_session: AsyncSession,
        msg: str | None = None,
    ) -> Template | Redirect:
        account = signed_in(request, viewer)
        return await self._render(db_session, account, assignment_id, notice=notice(msg))

    async def _render(
        self,
        session: AsyncSession,
        account: m.Account,
        assignment_id: int,
        *,
        status_code: int = 200,
        **context: Any,
    ) -> Template | Redirect:
        assignment, task, job = await queries.own_assignment(session, account, assignment_id)
        left = seconds_left(assignment.expires_at)
        if assignment.state != m.AssignmentState.ACTIVE or left <= 0:
            return go("/?msg=expired")
        return page(
            "task.html",
            account,
            status_code=status_code,
            assignment=assignment,
            task=await task_view(session, task, job),
            seconds_left=left,
            lease_seconds=job.lease_seconds,
            submit_key=uuid.uuid4().hex,
            **context,
        )

    @post("/tasks/{assignment_id:int}/submit")
    async def submit(
        self,
        request: Req,
        assignment_id: int,
        data: Form,
        viewer: m.Account | None,
        db_session: AsyncSession,
        settings: Settings,
    ) -> Template | Redirect:
        account = signed_in(request, viewer)
        answer = _answer(data)
        try:
            async with db_session.begin_nested():
                await services.submit(
                    db_session, account, assignment_id, answer, field(data, "submit_key") or None
                )
        except Invalid as exc:
            return await self._render(
                db_session,
                account,
                assignment_id,
                status_code=HTTP_422_UNPROCESSABLE_ENTITY,
                answer=answer,
                error=exc.detail,
                checks=exc.extra.get("checks", []),
            )
        except Conflict:
            return go("/?msg=closed")
        following = await _claim_next(db_session, settings, account)
        return go(f"/tasks/{following}?msg=submitted" if following else "/?msg=submitted-last")

    @post("/tasks/{assignment_id:int}/skip")
    async def skip(
        self,
        request: Req,
        assignment_id: int,
        viewer: m.Account | None,
        db_session: AsyncSession,
        settings: Settings,
    ) -> Redirect:
        account = signed_in(request, viewer)
        try:
            async with db_session.begin_nested():
                await services.release(db_session, account, assignment_id)
        except Conflict:
            return go("/?msg=expired")
        following = await _claim_next(db_session, settings, account)
        return go(f"/tasks/{following}?msg=skipped" if following else "/?msg=skipped-last")

    @post("/tasks/{assignment_id:int}/extend", status_code=HTTP_200_OK)
    async def extend(
        self, request: Req, assignment_id: int, viewer: m.Account | None, db_session: AsyncSession
    ) -> Response[dict[str, int]]:
        """Called by the page while the person types, so an active lease does not run out."""
        account = signed_in(request, viewer)
        assignment = await services.extend(db_session, account, assignment_id)
        return Response({"lease_seconds_left": seconds_left(assignment.expires_at)})


def _answer(form: dict[str, Any]) -> Answer:
    """A plural task posts ``plural_count`` fields (answer_0, answer_1, ...); others one."""
    count = field(form, "plural_count")
    if count.isdigit():
        return [field(form, f"answer_{i}") for i in range(min(int(count), MAX_PLURAL_FORMS))]
    return field(form, "answer")
