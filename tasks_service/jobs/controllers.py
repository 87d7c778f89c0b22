from __future__ import annotations

from typing import Annotated

import msgspec
from litestar import Controller, Response, get, post
from litestar.datastructures import UploadFile
from litestar.enums import RequestEncodingType
from litestar.params import Body, QueryParameter
from litestar.status_codes import HTTP_202_ACCEPTED
from sqlalchemy.ext.asyncio import AsyncSession

from tasks_service.credit.listings import job_credit_list
from tasks_service.db import models as m
from tasks_service.jobs import downloads, schemas, services
from tasks_service.jobs.formats import REGISTRY
from tasks_service.pagination import Cursor, Limit, decode_cursor, next_cursor
from tasks_service.settings import Settings


class JobUpload(msgspec.Struct, forbid_unknown_fields=True):
    """The multipart form: a field beside these two (an owner, a status) is refused."""

    file: UploadFile
    spec: str


TaskStateFilter = Annotated[
    m.TaskState | None, QueryParameter(name="state", description="only tasks in this state")
]


class JobController(Controller):
    tags = ["jobs"]

    @post(
        "/projects/{project_id:int}/jobs",
        status_code=HTTP_202_ACCEPTED,
        opt={"problems": (403, 413, 415)},
    )
    async def upload(
        self,
        project_id: int,
        data: Annotated[JobUpload, Body(media_type=RequestEncodingType.MULTI_PART)],
        account: m.Account,
        db_session: AsyncSession,
        settings: Settings,
    ) -> schemas.JobAccepted:
        spec = services.parse_spec(data.spec)
        content = await data.file.read()
        job = await services.create(
            db_session, settings, account, project_id, spec, data.file.filename, content
        )
        return schemas.JobAccepted(id=job.id, status=job.status)

    @get("/jobs/{job_id:int}")
    async def get_job(
        self, job_id: int, account: m.Account, db_session: AsyncSession
    ) -> schemas.Job:
        job = await services.get_visible(db_session, account, job_id)
        return await services.view(db_session, job)

    @get("/jobs/{job_id:int}/tasks")
    async def list_tasks(
        self,
        job_id: int,
        account: m.Account,
        db_session: AsyncSession,
        task_state: TaskStateFilter = None,
        limit: Limit = 50,
        cursor: Cursor = None,
    ) -> schemas.TaskPage:
        job = await services.get_visible(db_session, account, job_id)
        tasks = await services.list_tasks(
            db_session, job, state=task_state, limit=limit, after_seq=decode_cursor(cursor)
        )
        items = [
            schemas.TaskSummary(
                id=t.id,
                seq=t.seq,
                state=t.state,
                source=t.source,
                source_plural=t.source_plural,
                answers=t.answers,
                accepted_answer=t.accepted_answer,
            )
            for t in tasks
        ]
        last = tasks[-1].seq if tasks else None
        return schemas.TaskPage(items=items, next_cursor=next_cursor(last, len(tasks), limit))

    @get(
        "/jobs/{job_id:int}/result",
        opt={"problems": (409,), "media_types": sorted({f.media_type for f in REGISTRY.values()})},
    )
    async def result(
        self, job_id: int, account: m.Account, db_session: AsyncSession, partial: bool = False
    ) -> Response[bytes]:
        job = await services.get_visible(db_session, account, job_id)
        download = await downloads.result(db_session, job, partial=partial)
        return Response(
            download.content,
            media_type=download.media_type,
            headers={"Content-Disposition": download.disposition},
        )

    @get("/jobs/{job_id:int}/credits")
    async def credits(
        self, job_id: int, account: m.Account, db_session: AsyncSession, settings: Settings
    ) -> list[schemas.Credit]:
        job = await services.get_visible(db_session, account, job_id)
        return await job_credit_list(db_session, settings, job.id)

    @get("/jobs/{job_id:int}/credits.txt", media_type="text/plain; charset=utf-8")
    async def credits_text(
        self, job_id: int, account: m.Account, db_session: AsyncSession, settings: Settings
    ) -> Response[bytes]:
        """The file to keep beside a Markdown or HTML result: git's co-author trailers."""
        job = await services.get_visible(db_session, account, job_id)
        download = await downloads.credits_text(db_session, settings, job)
        return Response(download.content, media_type=download.media_type)

    @get("/jobs/{job_id:int}/export", media_type="application/jsonl", opt={"problems": (403,)})
    async def export(
        self, job_id: int, account: m.Account, db_session: AsyncSession, settings: Settings
    ) -> Response[bytes]:
        job = await services.get_owned(db_session, account, job_id)
        download = await downloads.export(db_session, settings, job)
        return Response(download.content, media_type=download.media_type)

    @post("/jobs/{job_id:int}/cancel", status_code=200, opt={"problems": (403, 409)})
    async def cancel(
        self, job_id: int, account: m.Account, db_session: AsyncSession
    ) -> schemas.Job:
        job = await services.get_owned(db_session, account, job_id)
        await services.cancel(db_session, job)
        return await services.view(db_session, job)
