"""What every background job needs: a session factory, the settings and, with Redis, a pool."""

from __future__ import annotations

from dataclasses import dataclass

import msgspec
from arq.connections import ArqRedis
from redis.asyncio import ConnectionPool
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from tasks_service.settings import Settings


@dataclass(slots=True)
class WorkerContext:
    settings: Settings
    engine: AsyncEngine
    sessionmaker: async_sessionmaker[AsyncSession]
    redis: ArqRedis | None = None

    def job_id(self, topic: str, outbox_id: int, attempt: int) -> str:
        """Deterministic per message and attempt: enqueueing the same attempt twice is harmless,
        while a retry gets a new id (arq would refuse an id whose result it still keeps)."""
        return f"{self.settings.queue_name}:{topic}:{outbox_id}:{attempt}"


def connect_redis(settings: Settings) -> ArqRedis:
    """An arq client that connects lazily, so the API starts (and keeps its outbox) while
    Redis is down; messages wait in the database until it answers again."""
    assert settings.redis_url
    pool = ConnectionPool.from_url(settings.redis_url, socket_connect_timeout=2)
    return ArqRedis(
        pool,
        job_serializer=msgspec.msgpack.encode,
        job_deserializer=msgspec.msgpack.decode,
        default_queue_name=settings.queue_name,
    )
