"""What every background job needs: a session factory, the settings and, with Redis, a pool."""

from __future__ import annotations

from dataclasses import dataclass

from arq.connections import ArqRedis
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from tasks_service.settings import Settings


@dataclass(slots=True)
class WorkerContext:
    settings: Settings
    engine: AsyncEngine
    sessionmaker: async_sessionmaker[AsyncSession]
    redis: ArqRedis | None = None

    def job_id(self, topic: str, outbox_id: int) -> str:
        """Deterministic per deployment, so enqueueing the same message twice is harmless."""
        return f"{self.settings.queue_name}:{topic}:{outbox_id}"
