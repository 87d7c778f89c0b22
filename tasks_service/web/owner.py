"""Owners' pages: projects, job upload, the job page with progress, downloads and cancel."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Controller, Request, get, post
from litestar.datastructures import UploadFile
from litestar.response import Redirect, Response, Template
from litestar.status_codes import HTTP_202_ACCEPTED
from sqlalchemy.ext.asyncio import AsyncSession

from tasks_service.credit.listings import job_credit_list
from tasks_service.db import models as m
from tasks_service.errors import Conflict, DomainError, Invalid, NotFound
from tasks_service.jobs import downloads
from tasks_service.jobs import schemas as job_schemas
from tasks_service.jobs import services as jobs
from tasks_service.projects import schemas as project_schemas
from tasks_service.projects import services as projects
from tasks_service.settings import Settings
from tasks_service.web import queries
from tasks_service.web.chart import progress_chart
from tasks_service.web.rendering import Form, Multipart, field, go, notice, page, split_list
from tasks_service.web.session import signed_in

Req = Request[Any, Any, Any]
PROJECTS_SHOWN = 200
JOB_KINDS = ("translate", "proofread", "document", "label")
NUMBER_FIELDS = ("redundancy", "reviews_required", "min_level", "priority", "lease_seconds")
# The upload form's fields; blank ones are left out of the spec so its defaults apply.
SPEC_TEXT_FIELDS = ("title", "kind", "source_language", "target_language", "format")


def job_spec(form: dict[str, Any]) -> job_schemas.JobSpec:
    """The upload form as the API's ``spec``: the same struct, so the same validation."""
    spec: dict[str, Any] = {}
    for name in SPEC_TEXT_FIELDS:
        if value := field(form, name).strip():
            spec[name] = value
    for name in NUMBER_FIELDS:
        value = field(form, name).strip()
        if value:
            if not value.lstrip("-").isdigit():
                raise Invalid(f"{name.replace('_', ' ')} must be a whole number")
            spec[name] = int(value)
    if instructions := field(form, "instructions").strip():
        spec["instructions"] = instructions
    if choices := split_list(field(form, "choices"), "\n"):
        spec["choices"] = choices
    if template := field(form, "template").strip():
        spec["template"] = template
    return jobs.parse_spec(msgspec.json.encode(spec))


async def _reviewers_page(
    session: AsyncSession,
    account: m.Account,
    project_id: int,
    *,
    status_code: int = 200,
    **context: Any,
) -> Template:
    """Only owners get here: ``projects.reviewers`` refuses anyone else with 403."""
    rows = await projects.reviewers(session, account, project_id)
    return page(
        "reviewers.html",
        account,
        status_code=status_code,
        project=await projects.get_visible(session, account, project_id),
        reviewers=[person for person, _ in rows],
        **context,
    )


def _wants_json(request: Req) -> bool:
    return "application/json" in request.headers.get("accept", "")


class OwnerPages(Controller):
    @get("/projects")
    async def project_list(
        self, request: Req, viewer: m.Account | None, db_session: AsyncSession
    ) -> Template:
        account = signed_in(request, viewer)
        rows = await projects.list_visible(db_session, account, limit=PROJECTS_SHOWN, after_id=None)
        return page("projects.html", account, rows=rows, form={})

    @post("/projects")
    async def create_project(
        self, request: Req, data: Form, viewer: m.Account | None, db_session: AsyncSession
    ) -> Template | Redirect:
        account = signed_in(request, viewer)
        form = {name: field(data, name) for name in ("name", "description", "visibility")}
        try:
            create = msgspec.convert(
                {
                    "name": form["name"].strip(),
                    "description": form["description"].strip() or None,
                    "visibility": form["visibility"] or "public",
                },
                project_schemas.ProjectCreate,
            )
        except msgspec.ValidationError as exc:
            rows = await projects.list_visible(
                db_session, account, limit=PROJECTS_SHOWN, after_id=None
            )
            return page(
                "projects.html", account, status_code=422, rows=rows, form=form, error=str(exc)
            )
        project = await projects.create(db_session, account, create)
        return go(f"/projects/{project.id}")

    @get("/projects/{project_id:int}")
    async def project_page(
        self, request: Req, project_id: int, viewer: m.Account | None, db_session: AsyncSession
    ) -> Template:
        account = signed_in(request, viewer)
        project = await projects.get_visible(db_session, account, project_id)
        return page(
            "project.html",
            account,
            project=project,
            owner=await projects.is_owner(db_session, account, project_id),
            jobs=await queries.jobs_of_project(db_session, project_id),
            kinds=JOB_KINDS,
        )

    @get("/projects/{project_id:int}/reviewers")
    async def reviewers_page(
        self,
        request: Req,
        project_id: int,
        viewer: m.Account | None,
        db_session: AsyncSession,
        msg: str | None = None,
    ) -> Template:
        account = signed_in(request, viewer)
        return await _reviewers_page(db_session, account, project_id, notice=notice(msg))

    @post("/projects/{project_id:int}/reviewers")
    async def add_reviewer(
        self,
        request: Req,
        project_id: int,
        data: Form,
        viewer: m.Account | None,
        db_session: AsyncSession,
    ) -> Template | Redirect:
        account = signed_in(request, viewer)
        username = field(data, "username").strip()
        try:
            if not username:
                raise Invalid("type the username of the person to add")
            async with db_session.begin_nested():
                await projects.add_reviewer(db_session, account, project_id, username)
        except (Invalid, NotFound, Conflict) as exc:
            return await _reviewers_page(
                db_session,
                account,
                project_id,
                status_code=exc.status_code,
                error=exc.detail,
                username=username,
            )
        return go(f"/projects/{project_id}/reviewers?msg=reviewer-added")

    @post("/projects/{project_id:int}/reviewers/{username:str}/remove")
    async def remove_reviewer(
        self,
        request: Req,
        project_id: int,
        username: str,
        viewer: m.Account | None,
        db_session: AsyncSession,
    ) -> Redirect:
        account = signed_in(request, viewer)
        await projects.remove_reviewer(db_session, account, project_id, username)
        return go(f"/projects/{project_id}/reviewers?msg=reviewer-removed")

    @post("/projects/{project_id:int}/jobs", status_code=HTTP_202_ACCEPTED)
    async def upload(
        self,
        request: Req,
        project_id: int,
        data: Multipart,
        viewer: m.Account | None,
        db_session: AsyncSession,
        settings: Settings,
    ) -> Response[dict[str, Any]] | Redirect:
        """Posted by the page's XHR (JSON answer, for the progress bars) or a plain form."""
        account = signed_in(request, viewer)
        upload = data.get("file")
        try:
            if not isinstance(upload, UploadFile) or not upload.filename:
                raise Invalid("choose a file to upload")
            spec = job_spec(data)
            job = await jobs.create(
                db_session,
                settings,
                account,
                project_id,
                spec,
                upload.filename,
                await upload.read(),
            )
        except DomainError as exc:
            if _wants_json(request):
                return Response({"detail": exc.detail}, status_code=exc.status_code)
            raise
        if _wants_json(request):
            return Response(
                {"id": job.id, "status": job.status, "url": f"/jobs/{job.id}"},
                status_code=HTTP_202_ACCEPTED,
            )
        return go(f"/jobs/{job.id}")

    @get("/jobs/{job_id:int}")
    async def job_page(
        self,
        request: Req,
        job_id: int,
        viewer: m.Account | None,
        db_session: AsyncSession,
        settings: Settings,
        msg: str | None = None,
    ) -> Template:
        account = signed_in(request, viewer)
        job = await jobs.get_visible(db_session, account, job_id)
        view = await jobs.view(db_session, job)
        times = await queries.accepted_times(db_session, job.id)
        now = m.utcnow()
        end = max([job.finished_at or now, *times])
        splitting = job.status == m.JobStatus.SPLITTING
        return page(
            "job.html",
            account,
            job=view,
            filename=job.filename,
            upload_size=await queries.upload_size(db_session, job.id) if splitting else 0,
            split_seconds=max(0, round((now - job.created_at).total_seconds())),
            owner=await projects.is_owner(db_session, account, job.project_id),
            chart=progress_chart(times, view.tasks_total, job.created_at, end),
            credits=await job_credit_list(db_session, settings, job.id),
            notice=notice(msg),
        )

    @get("/jobs/{job_id:int}/status")
    async def job_status(
        self, request: Req, job_id: int, viewer: m.Account | None, db_session: AsyncSession
    ) -> job_schemas.Job:
        """What the job page polls while the file is split."""
        account = signed_in(request, viewer)
        return await jobs.view(db_session, await jobs.get_visible(db_session, account, job_id))

    @get("/jobs/{job_id:int}/download/{what:str}")
    async def download(
        self,
        request: Req,
        job_id: int,
        what: str,
        viewer: m.Account | None,
        db_session: AsyncSession,
        settings: Settings,
    ) -> Response[bytes]:
        account = signed_in(request, viewer)
        if what == "export":
            job = await jobs.get_owned(db_session, account, job_id)
            file = await downloads.export(db_session, settings, job)
        else:
            job = await jobs.get_visible(db_session, account, job_id)
            if what == "credits":
                file = await downloads.credits_text(db_session, settings, job)
            elif what in ("result", "partial"):
                file = await downloads.result(db_session, job, partial=what == "partial")
            else:
                raise NotFound(f"there is no download called {what!r}")
        return Response(
            file.content,
            media_type=file.media_type,
            headers={"Content-Disposition": file.disposition},
        )

    @post("/jobs/{job_id:int}/cancel")
    async def cancel(
        self, request: Req, job_id: int, viewer: m.Account | None, db_session: AsyncSession
    ) -> Redirect:
        account = signed_in(request, viewer)
        job = await jobs.get_owned(db_session, account, job_id)
        await jobs.cancel(db_session, job)
        return go(f"/jobs/{job_id}?msg=cancelled")
