"""The transactional outbox: background work recorded in the same transaction as its cause."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from tasks_service.db import models as m

OUTBOX_WRITTEN = "outbox_written"


async def add(session: AsyncSession, topic: str, **payload: Any) -> m.OutboxMessage:
    """Record work to do after this transaction commits; the caller's commit makes it durable."""
    message = m.OutboxMessage(topic=topic, payload=payload)
    session.add(message)
    session.info[OUTBOX_WRITTEN] = True
    await session.flush()
    return message


async def take_due(
    session: AsyncSession, now: datetime, *, limit: int, hold: timedelta
) -> list[m.OutboxMessage]:
    """Pick due messages and push their next attempt ``hold`` into the future.

    If whatever runs the message never marks it done (worker killed, Redis flushed), it becomes
    due again after ``hold`` and is dispatched once more; handlers are idempotent.
    """
    stmt = (
        select(m.OutboxMessage)
        .where(m.OutboxMessage.done_at.is_(None), m.OutboxMessage.available_at <= now)
        .order_by(m.OutboxMessage.available_at, m.OutboxMessage.id)
        .limit(limit)
        # SKIP LOCKED: two dispatchers (API process and worker cron) never take the same row.
        .with_for_update(skip_locked=True, key_share=True)
    )
    messages = list((await session.scalars(stmt)).all())
    for message in messages:
        message.available_at = now + hold
        message.attempts += 1
    await session.flush()
    return messages


async def record_failure(
    session: AsyncSession, message_id: int, error: str, retry_at: datetime
) -> None:
    message = await session.get(m.OutboxMessage, message_id)
    if message is not None and message.done_at is None:
        message.last_error = error[:2000]
        message.available_at = retry_at


async def pending_count(session: AsyncSession) -> int:
    stmt = select(func.count()).where(m.OutboxMessage.done_at.is_(None))
    return int((await session.scalar(stmt)) or 0)
