"""The ``split`` background job: the upload becomes tasks, in bulk, in one transaction."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from itertools import islice
from typing import Any

from sqlalchemy import delete, insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import undefer

from tasks_service.db import models as m
from tasks_service.jobs.formats import FormatError, SplitOptions, Unit, get_format
from tasks_service.settings import Settings

BATCH = 2000
_WORD = re.compile(r"\w+")


def count_words(text: str) -> int:
    return max(1, len(_WORD.findall(text)))


def _take(units: Iterator[Unit], n: int) -> list[Unit]:
    return list(islice(units, n))


async def split_job(session: AsyncSession, settings: Settings, job_id: int) -> None:
    """Write the job's tasks and open it, or mark it failed with a reason a person can act on.

    Runs once per job: a job no longer ``splitting`` is left alone, so a replay changes nothing,
    and a failure mid-way leaves no task behind, so no partial job is ever claimable.
    """
    job = await session.get(
        m.Job, job_id, with_for_update={"key_share": True}, options=[undefer(m.Job.upload)]
    )
    if job is None or job.status != m.JobStatus.SPLITTING:
        return
    options = SplitOptions(
        source_language=job.source_language,
        target_language=job.target_language,
        segmentation=job.segmentation,  # type: ignore[arg-type]
    )
    try:
        split = await asyncio.to_thread(get_format(job.format).split, job.upload, options)
        total = 0
        while batch := await asyncio.to_thread(_take, split.units, BATCH):
            if total + len(batch) > settings.max_tasks_per_job:
                raise FormatError(
                    f"the file has more than {settings.max_tasks_per_job} units; split it into "
                    "several jobs"
                )
            await session.execute(
                insert(m.Task), [_row(job, total + i, u) for i, u in enumerate(batch)]
            )
            total += len(batch)
        if total == 0:
            raise FormatError("the file has no text to work on")
    except FormatError as exc:
        await session.execute(delete(m.Task).where(m.Task.job_id == job.id))
        job.status = m.JobStatus.FAILED
        job.error = str(exc)
        job.finished_at = m.utcnow()
        return
    job.meta = split.meta
    job.tasks_total = total
    job.status = m.JobStatus.OPEN


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
        "updated_at": m.utcnow(),
    }
