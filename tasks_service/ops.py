"""Liveness, readiness and metrics, outside the versioned API."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Response, get
from litestar.datastructures import State
from litestar.status_codes import HTTP_503_SERVICE_UNAVAILABLE
from prometheus_client import CONTENT_TYPE_LATEST
from sqlalchemy import text

from tasks_service import metrics
from tasks_service.errors import problem


class OpsController(Controller):
    tags = ["operations"]
    include_in_schema = True

    @get("/health", cache=False)
    async def health(self) -> dict[str, str]:
        return {"status": "ok"}

    @get("/ready", cache=False, opt={"problems": (503,)})
    async def ready(self, state: State) -> Response[Any]:
        checks: dict[str, str] = {}
        try:
            async with state.engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
            checks["database"] = "ok"
        except Exception as exc:  # any failure means not ready; say which
            checks["database"] = f"unavailable: {exc.__class__.__name__}"
        if state.redis is not None:
            try:
                await state.redis.ping()
                checks["redis"] = "ok"
            except Exception as exc:
                checks["redis"] = f"unavailable: {exc.__class__.__name__}"
        if all(value == "ok" for value in checks.values()):
            return Response({"status": "ready", "checks": checks})
        return problem(
            HTTP_503_SERVICE_UNAVAILABLE,
            "Not ready",
            ", ".join(f"{k}: {v}" for k, v in checks.items() if v != "ok"),
            {"checks": checks},
        )

    @get("/metrics", cache=False, include_in_schema=False)
    async def metrics(self, state: State) -> Response[bytes]:
        """Every process's counters (multiprocess mode) and the queue read from the database."""
        async with state.sessionmaker() as session:
            queue = await metrics.queue_state(session)
        return Response(metrics.exposition(queue), media_type=CONTENT_TYPE_LATEST)
