"""Putting accepted answers back into the uploaded document."""

from __future__ import annotations

import asyncio

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import undefer

from tasks_service.db import models as m
from tasks_service.jobs.formats import AssembleOptions, Piece, Placeholder, get_format
from tasks_service.settings import Settings


async def build_document(session: AsyncSession, job: m.Job) -> bytes:
    """The document with every accepted answer in place and the source everywhere else."""
    upload = await session.scalar(select(m.Job.upload).where(m.Job.id == job.id))
    assert upload is not None
    fmt = get_format(job.format)
    if job.status in (m.JobStatus.SPLITTING, m.JobStatus.FAILED):
        return upload
    accepted = (m.Task.state == m.TaskState.ACCEPTED, m.Task.gold_answer.is_(None))
    originals = select(m.Task.locator, m.Task.placeholders, m.Task.accepted_answer).where(
        m.Task.job_id == job.id, *accepted
    )
    copies = (
        select(m.TaskCopy.locator, m.TaskCopy.placeholders, m.Task.accepted_answer)
        .join(m.Task, m.Task.id == m.TaskCopy.task_id)
        .where(m.TaskCopy.job_id == job.id, *accepted)
    )
    pieces = [
        Piece(locator, answer, tuple(Placeholder(p["token"], p["text"]) for p in placeholders))
        for query in (originals, copies)
        for locator, placeholders, answer in await session.execute(query)
    ]
    if not pieces and not fmt.adds_answer_column:
        return upload
    options = AssembleOptions(
        target_language=job.target_language, credits=await _authors(session, job.id)
    )
    return await asyncio.to_thread(fmt.assemble, upload, job.meta, pieces, options)


async def _authors(session: AsyncSession, job_id: int) -> tuple[str, ...]:
    """Authors of the accepted answers, most pieces first, for the document's own credits."""
    pieces = func.count(m.Submission.id)
    stmt = (
        select(m.Account.username)
        .join(m.Submission, m.Submission.account_id == m.Account.id)
        .where(m.Submission.job_id == job_id, m.Submission.status == m.SubmissionStatus.ACCEPTED)
        .group_by(m.Account.id, m.Account.username)
        .order_by(pieces.desc(), m.Account.username)
    )
    return tuple((await session.scalars(stmt)).all())


async def assemble_job(session: AsyncSession, settings: Settings, job_id: int) -> None:
    """The ``assemble`` background job: store the finished document of a complete job."""
    job = await session.get(
        m.Job, job_id, with_for_update={"key_share": True}, options=[undefer(m.Job.result)]
    )
    if job is None or job.status != m.JobStatus.COMPLETE or job.result is not None:
        return
    job.result = await build_document(session, job)
