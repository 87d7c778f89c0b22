"""Which task a claim leases, statement by statement: the path for SQLite (one writer at a time).

PostgreSQL takes the same decision in the ``claim_tasks`` function (migration 0004, called from
``claim_sql.py``). The rules, in order:
jobs by job then project priority; within the best job that has work for the volunteer, the
gold preference (``gold.py``), then the fewest free slots (depth-first) or the most
(breadth-first, per job), then the unit right after the last one the volunteer finished in
that job when it is as good by those rules, then document order.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, Select, exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from tasks_service.db import models as m
from tasks_service.projects import services as projects
from tasks_service.queue import gold

CANDIDATE_JOBS = 50  # jobs tried per claim, best first


def primary_languages(account: m.Account) -> list[str]:
    return sorted({code.split("-")[0] for code in account.languages})


def job_eligible(account: m.Account) -> list[ColumnElement[bool]]:
    """Which jobs may give this volunteer work: DESIGN.md's queue conditions on the job."""
    return [
        m.Job.status == m.JobStatus.OPEN,
        m.Job.min_level <= account.level,
        m.Job.work_language.in_(primary_languages(account)),
        projects.visible_to(account),
    ]


async def pick(
    session: AsyncSession, account: m.Account, scope: list[ColumnElement[bool]]
) -> int | None:
    """The task to lease, found through the claimable index job by job, so the cost depends on
    the number of jobs tried, not on the size of the backlog."""
    jobs = (
        await session.execute(
            select(m.Job.id, m.Job.ordering, m.Job.gold_share)
            .join(m.Project, m.Project.id == m.Job.project_id)
            .where(*job_eligible(account), *scope)
            .order_by(m.Job.priority.desc(), m.Project.priority.desc(), m.Job.id)
            .limit(CANDIDATE_JOBS)
        )
    ).all()
    proven: bool | None = None
    for job_id, ordering, gold_share in jobs:
        want_gold: bool | None = None  # no preference
        if gold_share > 0:
            if proven is None:
                proven = await gold.is_proven(session, account.id)
            share = gold.effective_share(gold_share, account.level, proven)
            want_gold = gold.serve_gold(share, *await gold.job_tally(session, account.id, job_id))
        passes = [want_gold] if want_gold is None else [want_gold, None]
        for preference in passes:
            found = await _in_job(session, account, job_id, ordering == "breadth_first", preference)
            if found is not None:
                return found
    return None


async def _in_job(
    session: AsyncSession, account: m.Account, job_id: int, breadth: bool, gold_wanted: bool | None
) -> int | None:
    claimable = _claimable(account, job_id, gold_wanted)
    follow = await session.scalar(_continuation(account, job_id, breadth, claimable))
    if follow is not None:
        return follow
    # Depth-first: fewest free slots first, so tasks near done get their last answers.
    slots = m.Task.open_slots.desc() if breadth else m.Task.open_slots
    return await session.scalar(_locked(claimable.order_by(slots, m.Task.seq)))


def _claimable(account: m.Account, job_id: int, gold_wanted: bool | None) -> Select[int]:
    already_had = exists().where(
        m.Assignment.task_id == m.Task.id, m.Assignment.account_id == account.id
    )
    stmt = select(m.Task.id).where(
        m.Task.job_id == job_id,
        m.Task.state == m.TaskState.OPEN,
        m.Task.open_slots > 0,
        ~already_had,
    )
    if gold_wanted is True:
        stmt = stmt.where(m.Task.gold_answer.is_not(None))
    elif gold_wanted is False:
        stmt = stmt.where(m.Task.gold_answer.is_(None))
    return stmt


def _continuation(
    account: m.Account, job_id: int, breadth: bool, claimable: Select[int]
) -> Select[int]:
    """The unit after the last one the volunteer finished in this job, unless the job's
    ordering puts another claimable task before it (fewer free slots, or more when breadth)."""
    last_seq = (
        select(m.Task.seq)
        .join(m.Assignment, m.Assignment.task_id == m.Task.id)
        .where(
            m.Assignment.account_id == account.id,
            m.Assignment.job_id == job_id,
            m.Assignment.state == m.AssignmentState.SUBMITTED,
        )
        .order_by(m.Assignment.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    better = m.Task.__table__.alias("better")
    slots = better.c.open_slots
    better_slots = slots > m.Task.open_slots if breadth else slots < m.Task.open_slots
    ahead = exists().where(
        better.c.job_id == job_id,
        better.c.state == m.TaskState.OPEN,
        better.c.open_slots > 0,
        better_slots,
    )
    return _locked(claimable.where(m.Task.seq == last_seq + 1, ~ahead))


def _locked(stmt: Select[int]) -> Select[int]:
    # SKIP LOCKED: concurrent claimers each take a different task instead of queueing on (or
    # double-leasing) the same row. (SQLite ignores it: BEGIN IMMEDIATE serialises claims.)
    return stmt.limit(1).with_for_update(skip_locked=True, key_share=True)
