"""Jobs: upload, progress, results, export, cancellation."""

from __future__ import annotations

import asyncio
from itertools import islice
from typing import Any

import msgspec
from sqlalchemy import distinct, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from tasks_service.background import outbox
from tasks_service.db import models as m
from tasks_service.errors import Conflict, Invalid, NotFound, TooLarge, UnsupportedMediaType
from tasks_service.jobs import schemas
from tasks_service.jobs.formats import FormatError, SplitOptions, detect_format
from tasks_service.projects.services import require_owner, visible_to
from tasks_service.settings import Settings

# How many units the upload check reads before answering; the split job reads the rest.
QUICK_CHECK_UNITS = 10_000


def parse_spec(raw: str | bytes) -> schemas.JobSpec:
    try:
        spec = msgspec.json.decode(raw, type=schemas.JobSpec)
    except msgspec.ValidationError as exc:
        raise Invalid(f"spec: {exc}") from exc
    except msgspec.DecodeError as exc:
        raise Invalid(f"spec is not valid JSON: {exc}") from exc
    if spec.kind == "translate":
        if spec.target_language is None:
            raise Invalid("spec: a translate job needs target_language")
        if spec.target_language.lower() == spec.source_language.lower():
            raise Invalid("spec: target_language must differ from source_language")
    if spec.kind == "label" and not spec.choices and not spec.template:
        raise Invalid("spec: a label job needs choices or a template")
    return spec


def _primary(language: str) -> str:
    return language.replace("_", "-").split("-")[0].lower()


async def create(
    session: AsyncSession,
    settings: Settings,
    account: m.Account,
    project_id: int,
    spec: schemas.JobSpec,
    filename: str | None,
    data: bytes,
) -> m.Job:
    """Store the upload and queue its split; refuse at once what can be seen to be wrong."""
    await require_owner(session, account, project_id)
    if len(data) > settings.upload_limit:
        raise TooLarge(f"the file is {len(data)} bytes; the limit is {settings.upload_limit}")
    try:
        fmt = detect_format(filename, spec.format)
    except FormatError as exc:
        raise UnsupportedMediaType(str(exc)) from exc
    if spec.kind not in fmt.kinds:
        raise Invalid(
            f"a {fmt.name} file cannot make a {spec.kind!r} job; it can make: "
            + ", ".join(fmt.kinds)
        )
    options = SplitOptions(
        spec.source_language, spec.target_language, spec.segmentation, spec.template
    )
    try:
        await asyncio.to_thread(_quick_check, fmt.split, data, options)
    except FormatError as exc:
        raise Invalid(f"{filename or 'the file'}: {exc}") from exc
    work_language = spec.target_language if spec.kind == "translate" else spec.source_language
    job = m.Job(
        project_id=project_id,
        title=spec.title,
        kind=spec.kind,
        format=fmt.name,
        filename=filename,
        source_language=spec.source_language,
        target_language=spec.target_language,
        work_language=_primary(work_language or spec.source_language),
        segmentation=spec.segmentation,
        redundancy=spec.redundancy,
        reviews_required=spec.reviews_required,
        lease_seconds=spec.lease_seconds or settings.lease_seconds,
        min_level=spec.min_level,
        priority=spec.priority,
        ordering=spec.ordering,
        gold_share=spec.gold_share,
        instructions=spec.instructions,
        choices=spec.choices,
        template=spec.template,
        upload=data,
        created_by=account.id,
    )
    session.add(job)
    await session.flush()
    await outbox.add(session, "split", job_id=job.id)
    return job


def _quick_check(split: Any, data: bytes, options: SplitOptions) -> None:
    """Parse the file and read its first units, so broken files fail at upload with a 4xx."""
    units = split(data, options).units
    if next(units, None) is None:
        raise FormatError("the file has no text to work on")
    for _ in islice(units, QUICK_CHECK_UNITS):
        pass


async def get_visible(session: AsyncSession, account: m.Account, job_id: int) -> m.Job:
    stmt = (
        select(m.Job)
        .join(m.Project, m.Project.id == m.Job.project_id)
        .where(m.Job.id == job_id, visible_to(account))
    )
    job = (await session.scalars(stmt)).first()
    if job is None:
        raise NotFound(f"no job {job_id}")
    return job


async def get_owned(session: AsyncSession, account: m.Account, job_id: int) -> m.Job:
    job = await get_visible(session, account, job_id)
    await require_owner(session, account, job.project_id)
    return job


async def view(session: AsyncSession, job: m.Job) -> schemas.Job:
    # Gold tasks measure volunteers and stay open for the next one: they are not the job's work.
    rows = await session.execute(
        select(m.Task.state, m.Task.gold_answer.is_not(None), func.count())
        .where(m.Task.job_id == job.id)
        .group_by(m.Task.state, m.Task.gold_answer.is_not(None))
    )
    counts: dict[str, int] = {}
    gold = 0
    for state, is_gold, n in rows:
        if is_gold:
            gold += int(n)
        else:
            counts[state] = int(n)
    by_state = schemas.TasksByState(**counts)
    work = sum(counts.values())
    contributors = await session.scalar(
        select(func.count(distinct(m.Submission.account_id))).where(
            m.Submission.job_id == job.id, m.Submission.status == m.SubmissionStatus.ACCEPTED
        )
    )
    return schemas.Job(
        id=job.id,
        project_id=job.project_id,
        title=job.title,
        kind=job.kind,
        format=job.format,
        status=job.status,
        error=job.error,
        source_language=job.source_language,
        target_language=job.target_language,
        redundancy=job.redundancy,
        reviews_required=job.reviews_required,
        lease_seconds=job.lease_seconds,
        priority=job.priority,
        min_level=job.min_level,
        tasks_total=job.tasks_total,
        tasks_by_state=by_state,
        progress=by_state.accepted / work if work else 0.0,
        gold_tasks=gold,
        contributors=int(contributors or 0),
        created_at=job.created_at,
        finished_at=job.finished_at,
    )


async def list_tasks(
    session: AsyncSession, job: m.Job, *, state: str | None, limit: int, after_seq: int | None
) -> list[m.Task]:
    stmt = select(m.Task).where(m.Task.job_id == job.id).order_by(m.Task.seq).limit(limit)
    if state is not None:
        stmt = stmt.where(m.Task.state == state)
    if after_seq is not None:
        stmt = stmt.where(m.Task.seq > after_seq)
    return list((await session.scalars(stmt)).all())


async def cancel(session: AsyncSession, job: m.Job) -> None:
    """End the job: open leases end, unfinished tasks close, accepted work stays."""
    if job.status == m.JobStatus.CANCELLED:
        return
    if job.status == m.JobStatus.COMPLETE:
        raise Conflict(f"job {job.id} is already complete")
    now = m.utcnow()
    unfinished = select(m.Task.id).where(
        m.Task.job_id == job.id, m.Task.state != m.TaskState.ACCEPTED
    )
    await session.execute(
        update(m.Assignment)
        .where(m.Assignment.job_id == job.id, m.Assignment.state == m.AssignmentState.ACTIVE)
        .values(state=m.AssignmentState.RELEASED, ended_at=now)
    )
    await session.execute(
        update(m.ReviewAssignment)
        .where(
            m.ReviewAssignment.task_id.in_(unfinished),
            m.ReviewAssignment.state == m.ReviewAssignmentState.ACTIVE,
        )
        .values(state=m.ReviewAssignmentState.EXPIRED)
    )
    await session.execute(
        update(m.Submission)
        .where(m.Submission.job_id == job.id, m.Submission.status == m.SubmissionStatus.PENDING)
        .values(status=m.SubmissionStatus.CANCELLED, decided_at=now)
    )
    await session.execute(
        update(m.Task)
        .where(m.Task.job_id == job.id, m.Task.state != m.TaskState.ACCEPTED)
        .values(state=m.TaskState.CANCELLED, open_slots=0, updated_at=now)
    )
    job.status = m.JobStatus.CANCELLED
    job.finished_at = now


async def export_lines(session: AsyncSession, job: m.Job) -> list[schemas.ExportLine]:
    """Each task of the result with its answers, reviews and changed decisions.

    Gold tasks are left out: their known answers measure volunteers and are no part of it.
    """
    tasks = (
        await session.scalars(
            select(m.Task)
            .where(m.Task.job_id == job.id, m.Task.gold_answer.is_(None))
            .order_by(m.Task.seq)
        )
    ).all()
    subs = (
        await session.execute(
            select(m.Submission, m.Account.username)
            .join(m.Account, m.Account.id == m.Submission.account_id)
            .where(m.Submission.job_id == job.id)
            .order_by(m.Submission.id)
        )
    ).all()
    reviews = (
        await session.execute(
            select(m.Review, m.Account.username)
            .join(m.Account, m.Account.id == m.Review.reviewer_id)
            .join(m.Task, m.Task.id == m.Review.task_id)
            .where(m.Task.job_id == job.id)
            .order_by(m.Review.id)
        )
    ).all()
    decisions = (
        await session.execute(
            select(m.AuditEntry, m.Account.username)
            .join(m.Account, m.Account.id == m.AuditEntry.actor_id)
            .where(m.AuditEntry.job_id == job.id)
            .order_by(m.AuditEntry.id)
        )
    ).all()
    by_task: dict[int, tuple[list[dict[str, Any]], ...]] = {t.id: ([], [], []) for t in tasks}
    for entry, username in decisions:
        if entry.task_id in by_task:
            by_task[entry.task_id][2].append(
                {
                    "id": entry.id,
                    "action": entry.action,
                    "by": username,
                    "reason": entry.reason,
                    "old_answer": entry.old_answer,
                    "new_answer": entry.new_answer,
                    "new_submission_id": entry.new_submission_id,
                    "created_at": entry.created_at.isoformat(),
                }
            )
    for sub, username in subs:
        if sub.task_id not in by_task:
            continue
        by_task[sub.task_id][0].append(
            {
                "id": sub.id,
                "author": username,
                "answer": sub.answer,
                "status": sub.status,
                "reason": sub.reason,
                "checks": sub.checks,
                "created_at": sub.created_at.isoformat(),
            }
        )
    for review, username in reviews:
        if review.task_id not in by_task:
            continue
        by_task[review.task_id][1].append(
            {
                "id": review.id,
                "reviewer": username,
                "submission_id": review.submission_id,
                "verdict": review.verdict,
                "text": review.text,
                "reason": review.reason,
                "created_at": review.created_at.isoformat(),
            }
        )
    return [
        schemas.ExportLine(
            task_id=t.id,
            seq=t.seq,
            key=t.key,
            state=t.state,
            source=t.source,
            source_plural=t.source_plural,
            accepted_answer=t.accepted_answer,
            submissions=by_task[t.id][0],
            reviews=by_task[t.id][1],
            decisions=by_task[t.id][2],
        )
        for t in tasks
    ]
