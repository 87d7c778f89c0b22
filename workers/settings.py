"""arq worker settings: the engine and clients live in ``ctx``; cron reaps, dispatches and
recomputes every level nightly."""

from __future__ import annotations

from typing import Any

import msgspec
from arq import cron
from arq.connections import RedisSettings

from tasks_service.db.engine import create_engine, create_sessionmaker
from tasks_service.settings import Settings
from workers.context import WorkerContext
from workers.jobs import dispatch_outbox, nightly_levels, reap_leases, run_message

EVERY_SECOND = set(range(60))


def worker_settings(settings: Settings, **overrides: Any) -> dict[str, Any]:
    """The keyword arguments for ``arq.worker.Worker`` for this deployment."""
    if not settings.redis_url:
        raise ValueError("REDIS_URL must be set to run arq workers")

    async def startup(ctx: dict[str, Any]) -> None:
        engine = create_engine(settings.effective_database_url, pool_size=5)
        ctx["worker"] = WorkerContext(
            settings=settings,
            engine=engine,
            sessionmaker=create_sessionmaker(engine),
            redis=ctx["redis"],
        )

    async def shutdown(ctx: dict[str, Any]) -> None:
        await ctx["worker"].engine.dispose()

    return {
        "functions": [run_message],
        "cron_jobs": [
            cron(reap_leases, second=EVERY_SECOND, run_at_startup=True),
            cron(dispatch_outbox, second=EVERY_SECOND, run_at_startup=True),
            # Once a night; unique, so with several workers only one runs it.
            cron(
                nightly_levels,
                hour={settings.nightly_recompute_hour},
                minute={0},
                second={0},
                unique=True,
            ),
        ],
        "on_startup": startup,
        "on_shutdown": shutdown,
        "redis_settings": RedisSettings.from_dsn(settings.redis_url),
        "queue_name": settings.queue_name,
        "job_serializer": msgspec.msgpack.encode,
        "job_deserializer": msgspec.msgpack.decode,
        "max_tries": 5,
        "keep_result": 60,
        **overrides,
    }
