"""My submissions: each answer's outcome and the reviewer's reason."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get
from litestar.response import Template
from sqlalchemy.ext.asyncio import AsyncSession

from tasks_service.db import models as m
from tasks_service.pagination import decode_cursor, next_cursor
from tasks_service.queue import listings
from tasks_service.web.rendering import page
from tasks_service.web.session import signed_in

PAGE_SIZE = 30


class SubmissionPages(Controller):
    @get("/submissions")
    async def my_submissions(
        self,
        request: Request[Any, Any, Any],
        viewer: m.Account | None,
        db_session: AsyncSession,
        status: m.SubmissionStatus | None = None,
        cursor: str | None = None,
    ) -> Template:
        account = signed_in(request, viewer)
        items = await listings.submissions_of(
            db_session, account, status=status, limit=PAGE_SIZE, before_id=decode_cursor(cursor)
        )
        last = items[-1].submission_id if items else None
        return page(
            "submissions.html",
            account,
            items=items,
            status=status,
            statuses=list(m.SubmissionStatus),
            next_cursor=next_cursor(last, len(items), PAGE_SIZE),
        )
