"""The task as a volunteer or reviewer sees it: source, protected pieces and context."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from tasks_service.db import models as m
from tasks_service.queue.schemas import Placeholder, TaskView

CONTEXT_UNITS = 2


async def task_view(session: AsyncSession, task: m.Task, job: m.Job) -> TaskView:
    rows = (
        await session.execute(
            select(m.Task.seq, m.Task.source, m.Task.accepted_answer)
            .where(
                m.Task.job_id == task.job_id,
                m.Task.seq.between(task.seq - CONTEXT_UNITS, task.seq + CONTEXT_UNITS),
                m.Task.seq != task.seq,
            )
            .order_by(m.Task.seq)
        )
    ).all()
    before = [row for row in rows if row[0] < task.seq]
    after = [row for row in rows if row[0] > task.seq]
    plural = task.source_plural is not None
    return TaskView(
        id=task.id,
        job_id=job.id,
        kind=job.kind,
        source=task.source,
        context_before="\n".join(row[1] for row in before),
        context_after="\n".join(row[1] for row in after),
        context_before_target=_targets(before),
        context_after_target=_targets(after),
        instructions=job.instructions,
        placeholders=[Placeholder(p["token"], p["text"]) for p in task.placeholders],
        source_language=job.source_language,
        target_language=job.target_language,
        note=task.note,
        plural=plural,
        source_plural=task.source_plural,
        plural_forms=list(job.meta.get("plural_forms", [])) if plural else None,
        choices=job.choices,
    )


def _targets(rows: Sequence[tuple[int, str, Any]]) -> str | None:
    """Accepted answers of the neighbours, where there are any."""
    texts = [row[2] for row in rows if isinstance(row[2], str)]
    return "\n".join(texts) if texts else None


def seconds_left(expires_at: datetime) -> int:
    return max(0, int((expires_at - m.utcnow()).total_seconds()))
