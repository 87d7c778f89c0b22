from __future__ import annotations

from typing import Annotated

import msgspec
from litestar import Controller, Response, get, post
from litestar.datastructures import UploadFile
from litestar.enums import RequestEncodingType
from litestar.params import Body, QueryParameter
from litestar.status_codes import HTTP_202_ACCEPTED
from sqlalchemy.ext.asyncio import AsyncSession

from tasks_service.credit.ladder import rule_for
from tasks_service.credit.services import job_credits, ladder
from tasks_service.db import models as m
from tasks_service.errors import Conflict
from tasks_service.jobs import schemas, services
from tasks_service.jobs.assembly import build_document
from tasks_service.jobs.formats import REGISTRY, get_format
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
        if job.status != m.JobStatus.COMPLETE and not partial:
            raise Conflict(
                f"job {job_id} is {job.status}, not complete; ask for ?partial=true to get the "
                "document with the source wherever no answer is accepted yet"
            )
        content = await build_document(db_session, job)
        fmt = get_format(job.format)
        name = job.filename or f"job-{job.id}{fmt.extensions[0]}"
        return Response(
            content,
            media_type=fmt.media_type,
            headers={"Content-Disposition": f'attachment; filename="{_safe(name)}"'},
        )

    @get("/jobs/{job_id:int}/credits")
    async def credits(
        self, job_id: int, account: m.Account, db_session: AsyncSession, settings: Settings
    ) -> list[schemas.Credit]:
        job = await services.get_visible(db_session, account, job_id)
        return await _credits(db_session, settings, job)

    @get("/jobs/{job_id:int}/credits.txt", media_type="text/plain; charset=utf-8")
    async def credits_text(
        self, job_id: int, account: m.Account, db_session: AsyncSession, settings: Settings
    ) -> str:
        """The file to keep beside a Markdown or HTML result: git's co-author trailers."""
        job = await services.get_visible(db_session, account, job_id)
        return "".join(
            f"Co-authored-by: {c.username} <{c.username}@users.noreply.tasks>\n"
            for c in await _credits(db_session, settings, job)
        )

    @get("/jobs/{job_id:int}/export", media_type="application/jsonl", opt={"problems": (403,)})
    async def export(
        self, job_id: int, account: m.Account, db_session: AsyncSession, settings: Settings
    ) -> Response[bytes]:
        job = await services.get_owned(db_session, account, job_id)
        lines = await services.export_lines(db_session, job)
        body = b"".join(msgspec.json.encode(line) + b"\n" for line in lines)
        credits = {"CREDITS": await _credits(db_session, settings, job)}
        return Response(body + msgspec.json.encode(credits) + b"\n", media_type="application/jsonl")

    @post("/jobs/{job_id:int}/cancel", status_code=200, opt={"problems": (403, 409)})
    async def cancel(
        self, job_id: int, account: m.Account, db_session: AsyncSession
    ) -> schemas.Job:
        job = await services.get_owned(db_session, account, job_id)
        await services.cancel(db_session, job)
        return await services.view(db_session, job)


def _safe(filename: str) -> str:
    return "".join(c for c in filename if c.isalnum() or c in "._- ")[:120] or "result"


async def _credits(session: AsyncSession, settings: Settings, job: m.Job) -> list[schemas.Credit]:
    rules = ladder(settings.levels_file)
    return [
        schemas.Credit(username=u, level_name=rule_for(rules, lvl).name, accepted=a, credit=c)
        for u, lvl, a, c in await job_credits(session, job.id)
    ]
