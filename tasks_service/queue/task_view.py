"""The task as a volunteer or reviewer sees it: source, protected pieces and context."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from tasks_service.db import models as m
from tasks_service.queue.schemas import Placeholder, TaskView

CONTEXT_UNITS = 2


class TaskFields(Protocol):
    @property
    def id(self) -> int: ...
    @property
    def job_id(self) -> int: ...
    @property
    def seq(self) -> int: ...
    @property
    def source(self) -> str: ...
    @property
    def source_plural(self) -> str | None: ...
    @property
    def placeholders(self) -> list[Any]: ...
    @property
    def note(self) -> str | None: ...


class JobFields(Protocol):
    @property
    def kind(self) -> str: ...
    @property
    def instructions(self) -> str | None: ...
    @property
    def source_language(self) -> str: ...
    @property
    def target_language(self) -> str | None: ...
    @property
    def meta(self) -> dict[str, Any]: ...
    @property
    def choices(self) -> list[Any] | None: ...


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
    return compose(task, job, [tuple(row) for row in rows])


def compose(task: TaskFields, job: JobFields, neighbours: Sequence[Sequence[Any]]) -> TaskView:
    """The view from a task's and its job's fields and the neighbours' (seq, source, accepted
    answer) in document order: the claim on PostgreSQL returns these in its row."""
    before = [row for row in neighbours if row[0] < task.seq]
    after = [row for row in neighbours if row[0] > task.seq]
    plural = task.source_plural is not None
    return TaskView(
        id=task.id,
        job_id=task.job_id,
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


def _targets(rows: Sequence[Sequence[Any]]) -> str | None:
    """Accepted answers of the neighbours, where there are any."""
    texts = [row[2] for row in rows if isinstance(row[2], str)]
    return "\n".join(texts) if texts else None


def seconds_left(expires_at: datetime) -> int:
    return max(0, int((expires_at - m.utcnow()).total_seconds()))
