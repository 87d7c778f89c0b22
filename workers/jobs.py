"""Background job functions: an outbox id comes in, a session opens, a domain service works.

Each message is executed in one transaction that also marks it done, so a job that crashes
half-way leaves nothing behind and is simply run again; one that already finished is skipped.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from arq import Retry
from sqlalchemy import select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from tasks_service import metrics
from tasks_service.background import outbox
from tasks_service.credit.services import accounts_to_recompute, credit_task, recompute_level
from tasks_service.db import models as m
from tasks_service.jobs.assembly import assemble_job
from tasks_service.jobs.splitting import split_job
from tasks_service.queue.services import reap_expired
from tasks_service.reviews.settling import settle_task
from tasks_service.settings import Settings
from workers.context import WorkerContext

Handler = Callable[..., Awaitable[None]]
log = logging.getLogger(__name__)

HANDLERS: dict[str, Handler] = {
    "split": split_job,
    "settle": settle_task,
    "credit": credit_task,
    "assemble": assemble_job,
}


async def execute(worker: WorkerContext, outbox_id: int) -> bool:
    """Run one outbox message; returns False when it was already done (a duplicate)."""
    try:
        async with worker.sessionmaker.begin() as session:
            message = await session.get(
                m.OutboxMessage, outbox_id, with_for_update={"key_share": True}
            )
            if message is None or message.done_at is not None:
                return False
            await _run(session, worker.settings, message)
            message.done_at = m.utcnow()
            topic, waited = message.topic, (message.done_at - message.created_at).total_seconds()
    except Exception as exc:
        log.exception("background job %s failed", outbox_id)
        retry_at = m.utcnow() + timedelta(seconds=worker.settings.outbox_retry_seconds)
        async with worker.sessionmaker.begin() as session:
            await outbox.record_failure(session, outbox_id, repr(exc), retry_at)
        raise
    if topic == "settle":
        metrics.SETTLE_LATENCY.observe(waited)
    return True


async def _run(session: AsyncSession, settings: Settings, message: m.OutboxMessage) -> None:
    handler = HANDLERS[message.topic]
    await handler(session, settings, **message.payload)


async def reap(worker: WorkerContext) -> int:
    async with worker.sessionmaker.begin() as session:
        reaped = await reap_expired(session, m.utcnow())
    metrics.LEASE_EXPIRIES.inc(reaped)
    return reaped


LEVEL_BATCH = 200


async def recompute_levels(worker: WorkerContext) -> int:
    """The nightly pass: every level again, as accuracy windows move and activity lapses.

    Ledger changes recompute their contributors at once; this catches what changes with time
    alone (a demotion for inactivity once the grace has run out, old mistakes leaving the
    window). One short transaction per batch, so no lock is held for the whole pass.
    Returns how many levels changed.
    """
    changed, after = 0, 0
    while True:
        async with worker.sessionmaker.begin() as session:
            batch = await accounts_to_recompute(
                session, worker.settings, m.utcnow(), after, LEVEL_BATCH
            )
            for account_id in batch:
                before = await session.scalar(
                    select(m.Account.level).where(m.Account.id == account_id)
                )
                if await recompute_level(session, worker.settings, account_id) != before:
                    changed += 1
        if len(batch) < LEVEL_BATCH:
            return changed
        after = batch[-1]


# arq entry points: thin wrappers over the functions above.


async def run_message(ctx: dict[str, Any], outbox_id: int) -> bool:
    try:
        return await execute(ctx["worker"], outbox_id)
    except DBAPIError as exc:  # a deadlock or a dropped connection: passing, try again soon
        raise Retry(defer=ctx["job_try"]) from exc


async def reap_leases(ctx: dict[str, Any]) -> int:
    return await reap(ctx["worker"])


async def nightly_levels(ctx: dict[str, Any]) -> int:
    return await recompute_levels(ctx["worker"])


async def dispatch_outbox(ctx: dict[str, Any]) -> int:
    from workers.dispatch import dispatch_due

    return await dispatch_due(ctx["worker"])
