"""The ``split`` background job: the upload becomes tasks, in bulk, in one transaction."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from itertools import islice
from typing import Any

from sqlalchemy import and_, delete, func, insert, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from tasks_service.db import models as m
from tasks_service.jobs.formats import FormatError, SplitOptions, Unit, get_format
from tasks_service.jobs.rows import TASK_COLUMNS, copy_rows
from tasks_service.settings import Settings

BATCH = 5000
UPLOAD_SLICE = 4 * 1024 * 1024
_WORD = re.compile(r"\w+")
# Kinds whose units are texts to work on: identical texts there get one task for all copies.
DEDUPLICATED_KINDS = frozenset({"translate", "proofread"})


def count_words(source: str) -> int:
    return max(1, len(_WORD.findall(source)))


def _take(units: Iterator[Unit], n: int) -> list[Unit]:
    return list(islice(units, n))


async def split_job(session: AsyncSession, settings: Settings, job_id: int) -> None:
    """Write the job's tasks and open it, or mark it failed with a reason a person can act on.

    Runs once per job: a job no longer ``splitting`` is left alone, so a replay changes nothing,
    and a failure mid-way leaves no task behind, so no partial job is ever claimable.
    """
    job = await session.get(m.Job, job_id, with_for_update={"key_share": True})
    if job is None or job.status != m.JobStatus.SPLITTING:
        return
    upload = await _read_upload(session, job_id)
    options = SplitOptions(
        source_language=job.source_language,
        target_language=job.target_language,
        segmentation=job.segmentation,  # type: ignore[arg-type]
        template=job.template,
    )
    try:
        split = await asyncio.to_thread(get_format(job.format).split, upload, options)
        del upload
        total = 0
        while batch := await asyncio.to_thread(_take, split.units, BATCH):
            if total + len(batch) > settings.max_tasks_per_job:
                raise FormatError(
                    f"the file has more than {settings.max_tasks_per_job} units; "
                    "split it into several jobs"
                )
            rows = [_row(job, total + i, unit) for i, unit in enumerate(batch)]
            await _insert(session, rows)
            total += len(batch)
        if total == 0:
            raise FormatError("the file has no text to work on")
    except FormatError as exc:
        await session.execute(delete(m.Task).where(m.Task.job_id == job.id))
        job.status = m.JobStatus.FAILED
        job.error = str(exc)
        job.finished_at = m.utcnow()
        return
    if job.kind in DEDUPLICATED_KINDS:
        total -= await _fold_copies(session, job.id)
    if session.get_bind().dialect.name == "postgresql":
        await session.execute(text("ANALYZE tasks"))  # fresh statistics for the claim query
    job.meta = split.meta
    job.tasks_total = total
    job.status = m.JobStatus.OPEN


async def _read_upload(session: AsyncSession, job_id: int) -> bytes:
    """The job's upload, fetched in slices and kept apart from the job object.

    Fetched whole, the driver holds several copies of a large value at once (network buffers,
    the message, the decoded column); slices keep that to one slice, and since the job object
    never holds the bytes, they are freed as soon as the format has decoded them.
    """
    size = (
        await session.execute(select(func.length(m.Job.upload)).where(m.Job.id == job_id))
    ).scalar_one()
    slices = []
    for start in range(1, size + 1, UPLOAD_SLICE):
        piece = func.substr(m.Job.upload, start, UPLOAD_SLICE)
        slices.append((await session.execute(select(piece).where(m.Job.id == job_id))).scalar_one())
    return b"".join(slices)


async def _insert(session: AsyncSession, rows: list[dict[str, Any]]) -> None:
    """COPY on PostgreSQL (several times faster than INSERT), multi-row INSERT elsewhere."""
    if session.get_bind().dialect.name == "postgresql":
        connection = await session.connection()
        raw = await connection.get_raw_connection()
        driver = raw.driver_connection
        assert driver is not None
        await driver.copy_records_to_table(
            "tasks", records=copy_rows(rows), columns=list(TASK_COLUMNS)
        )
    else:
        await session.execute(insert(m.Task).execution_options(render_nulls=True), rows)


async def _fold_copies(session: AsyncSession, job_id: int) -> int:
    """Turn repeated units (same text, same context) into copies of the first; return how many."""
    t = m.Task.__table__
    first = (
        select(
            t.c.id,
            func.min(t.c.id)
            .over(
                partition_by=[
                    t.c.source,
                    func.coalesce(t.c.source_plural, ""),
                    func.coalesce(t.c.note, ""),
                ]
            )
            .label("original"),
        )
        .where(t.c.job_id == job_id)
        .subquery()
    )
    repeated = select(t.c.job_id, first.c.original, t.c.seq, t.c.locator, t.c.placeholders).join(
        first, and_(first.c.id == t.c.id, first.c.id != first.c.original)
    )
    copied = await session.execute(
        insert(m.TaskCopy).from_select(
            ["job_id", "task_id", "seq", "locator", "placeholders"], repeated
        )
    )
    count = int(copied.rowcount or 0)  # type: ignore[attr-defined]
    if count:
        await session.execute(
            delete(m.Task).where(
                m.Task.id.in_(select(first.c.id).where(first.c.id != first.c.original))
            )
        )
        counts = (
            select(m.TaskCopy.task_id, func.count().label("n"))
            .where(m.TaskCopy.job_id == job_id)
            .group_by(m.TaskCopy.task_id)
            .subquery()
        )
        await session.execute(
            update(m.Task)
            .where(m.Task.id == counts.c.task_id)
            .values(copies=counts.c.n)
            .execution_options(synchronize_session=False)
        )
    return count


def _row(job: m.Job, seq: int, unit: Unit) -> dict[str, Any]:
    return {
        "job_id": job.id,
        "seq": seq,
        "key": unit.key,
        "source": unit.source,
        "source_plural": unit.source_plural,
        "placeholders": [{"token": p.token, "text": p.text} for p in unit.placeholders],
        "note": unit.note,
        "locator": unit.locator,
        "words": count_words(unit.source),
        "state": m.TaskState.OPEN,
        "open_slots": job.redundancy,
        "answers": 0,
        "accepted_submission_id": None,
        "accepted_answer": None,
        "gold_answer": unit.gold,
        "copies": 0,
        "updated_at": m.utcnow(),
    }
