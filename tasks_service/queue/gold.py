"""Gold mixing: how often a claim serves a task whose answer is known.

A job's ``gold_share`` is the share of a volunteer's claims in that job that are gold. It is
doubled for newcomers (level 0: more known answers to learn from), and
halved for volunteers whose accuracy is proven: at least ``PROVEN_RIGHT`` of their last
``WINDOW`` gold answers right and a right share of at least ``PROVEN_ACCURACY``. Proof wins
over the newcomer rule. No share exceeds ``SHARE_CAP``.

The decision is deterministic: claim number k (1-based) of a volunteer in a job is gold exactly
when ceil(k * share) exceeds the gold claims they already had there, so after k claims they
have had ceil(k * share) gold tasks (a newcomer's first claim is gold), as long as gold is left.
When the preferred kind has nothing left for the volunteer the other kind is served, so every
task, gold included, still gets its answers and the job completes. With ``gold_share`` 0 gold
tasks are served like any other. The PostgreSQL claim (the ``claim_tasks`` function) applies the
same rule in SQL; the tests run both.
"""

from __future__ import annotations

import math

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from tasks_service.db import models as m

SHARE_CAP = 0.5  # the largest share a job may ask for (jobs.schemas), and the newcomer cap
NEWCOMER_FACTOR = 2.0
PROVEN_FACTOR = 0.5
PROVEN_RIGHT = 10
PROVEN_ACCURACY = 0.8
WINDOW = 50  # the volunteer's latest gold answers that count
SCAN = 1000  # ... found among their latest submissions, so the look-up stays bounded
EPSILON = 1e-9  # k * share computed in floating point: 0.7 * 10 must count as 7, not 7.000…1


def effective_share(job_share: float, level: int, proven: bool) -> float:
    factor = PROVEN_FACTOR if proven else NEWCOMER_FACTOR if level == 0 else 1.0
    return min(job_share * factor, SHARE_CAP)


def serve_gold(share: float, claims: int, gold_claims: int) -> bool:
    """Whether the next claim (after ``claims``, ``gold_claims`` of them gold) is gold."""
    return math.ceil((claims + 1) * share - EPSILON) > gold_claims


async def is_proven(session: AsyncSession, account_id: int) -> bool:
    latest = (
        select(m.Submission.id, m.Submission.task_id, m.Submission.answer)
        .where(m.Submission.account_id == account_id)
        .order_by(m.Submission.id.desc())
        .limit(SCAN)
        .subquery()
    )
    gold = (
        select((latest.c.answer == m.Task.gold_answer).label("right"))
        .select_from(latest)
        .join(m.Task, m.Task.id == latest.c.task_id)
        .where(m.Task.gold_answer.is_not(None))
        .order_by(latest.c.id.desc())
        .limit(WINDOW)
        .subquery()
    )
    right, answered = (
        await session.execute(select(func.count().filter(gold.c.right), func.count()))
    ).one()
    return bool(right >= PROVEN_RIGHT and right >= PROVEN_ACCURACY * answered)


async def job_tally(session: AsyncSession, account_id: int, job_id: int) -> tuple[int, int]:
    """The volunteer's claims in the job so far, and how many of them were gold."""
    claims, gold_claims = (
        await session.execute(
            select(func.count(), func.count(m.Task.gold_answer))
            .select_from(m.Assignment)
            .join(m.Task, m.Task.id == m.Assignment.task_id)
            .where(m.Assignment.account_id == account_id, m.Assignment.job_id == job_id)
        )
    ).one()
    return int(claims), int(gold_claims)
