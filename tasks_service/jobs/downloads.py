"""The files an owner takes away: the result, the export and the credits."""

from __future__ import annotations

import msgspec
from sqlalchemy.ext.asyncio import AsyncSession

from tasks_service.credit.listings import job_credit_list
from tasks_service.db import models as m
from tasks_service.errors import Conflict
from tasks_service.jobs.assembly import build_document
from tasks_service.jobs.formats import get_format
from tasks_service.jobs.services import export_lines
from tasks_service.settings import Settings


class Download(msgspec.Struct, frozen=True):
    content: bytes
    media_type: str
    filename: str

    @property
    def disposition(self) -> str:
        return f'attachment; filename="{self.filename}"'


def _safe(filename: str) -> str:
    return "".join(c for c in filename if c.isalnum() or c in "._- ")[:120] or "result"


async def result(session: AsyncSession, job: m.Job, *, partial: bool) -> Download:
    """The assembled document; before completion only on request, with the source kept."""
    if job.status != m.JobStatus.COMPLETE and not partial:
        raise Conflict(
            f"job {job.id} is {job.status}, not complete; ask for ?partial=true to get the "
            "document with the source wherever no answer is accepted yet"
        )
    fmt = get_format(job.format)
    name = job.filename or f"job-{job.id}{fmt.extensions[0]}"
    return Download(await build_document(session, job), fmt.media_type, _safe(name))


async def export(session: AsyncSession, settings: Settings, job: m.Job) -> Download:
    """JSON Lines: every task with its answers and reviews, then one ``CREDITS`` line."""
    lines = await export_lines(session, job)
    body = b"".join(msgspec.json.encode(line) + b"\n" for line in lines)
    credits = {"CREDITS": await job_credit_list(session, settings, job.id)}
    content = body + msgspec.json.encode(credits) + b"\n"
    return Download(content, "application/jsonl", f"job-{job.id}-export.jsonl")


async def credits_text(session: AsyncSession, settings: Settings, job: m.Job) -> Download:
    """The file to keep beside a Markdown or HTML result: git's co-author trailers."""
    text = "".join(
        f"Co-authored-by: {c.username} <{c.username}@users.noreply.tasks>\n"
        for c in await job_credit_list(session, settings, job.id)
    )
    return Download(text.encode(), "text/plain; charset=utf-8", f"job-{job.id}-credits.txt")
