"""The production shape: the API enqueues through the outbox onto Redis, arq workers run it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import httpx
import msgspec
import pytest
from arq.worker import Worker
from redis.asyncio import Redis
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from tasks_service.app import create_app
from tasks_service.db import models as m
from tasks_service.settings import Settings
from tests.conftest import REDIS_URL, running
from tests.harness import API, Api
from workers.context import connect_redis
from workers.settings import worker_settings

pytestmark = pytest.mark.postgres_only
DOC = b"Alpha.\n\nBeta.\n\nGamma.\n"


@pytest.fixture
async def redis_settings(settings: Settings) -> AsyncIterator[Settings]:
    configured = msgspec.structs.replace(settings, redis_url=REDIS_URL)
    yield configured
    client = Redis.from_url(REDIS_URL)
    keys = [key async for key in client.scan_iter(f"*{configured.queue_name}*")]
    if keys:
        await client.delete(*keys)
    await client.aclose()


async def start_worker(settings: Settings) -> tuple[Worker, asyncio.Task[None]]:
    worker = Worker(**worker_settings(settings, poll_delay=0.05, handle_signals=False))
    return worker, asyncio.create_task(worker.async_run())


async def test_whole_loop_runs_on_arq_workers(
    redis_settings: Settings, engine: AsyncEngine
) -> None:
    app = create_app(redis_settings)
    worker, task = await start_worker(redis_settings)
    try:
        async with (
            running(app),
            httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app), base_url="http://test"
            ) as client,
        ):
            api = Api(client, app)
            owner = await api.register("owner")
            (alice,) = await api.volunteers(1)
            job = await api.job_ready(owner, await api.project(owner), DOC)
            assert job["status"] == "open"
            for _ in range(3):
                claim = (await api.claim(alice, job_id=job["id"])).json()
                source = claim["task"]["source"]
                assert (
                    await api.submit(alice, claim["assignment_id"], source.upper())
                ).status_code == 201
            await api.review_all(owner, job["id"])
            await api.settle()
            result = await client.get(f"{API}/jobs/{job['id']}/result", headers=owner)
            assert result.status_code == 200, result.text
            assert result.text == "ALPHA.\n\nBETA.\n\nGAMMA.\n"
            credits = (await client.get(f"{API}/jobs/{job['id']}/credits", headers=owner)).json()
            assert {c["username"]: c["accepted"] for c in credits} == {"v0": 3, "owner": 0}
    finally:
        await worker.close()
        task.cancel()


async def test_work_waits_in_the_outbox_while_redis_is_down(
    redis_settings: Settings, engine: AsyncEngine
) -> None:
    down = msgspec.structs.replace(redis_settings, redis_url="redis://127.0.0.1:1/0")
    app = create_app(down)
    async with (
        running(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client,
    ):
        api = Api(client, app)
        owner = await api.register("owner")
        upload = await api.upload(owner, await api.project(owner), DOC)
        assert upload.status_code == 202  # accepted although Redis does not answer
        ready = await client.get("/ready")
        assert ready.status_code == 503
        assert "redis" in ready.json()["detail"]
        await asyncio.sleep(0.3)
        async with app.state.sessionmaker() as session:
            pending = await session.scalar(
                select(func.count()).where(m.OutboxMessage.done_at.is_(None))
            )
        assert pending == 1
        # Redis is back: the same outbox row reaches a worker and the job opens.
        worker, task = await start_worker(redis_settings)
        try:
            app.state.background.worker.redis = connect_redis(redis_settings)
            await api.settle()
            job = (await client.get(f"{API}/jobs/{upload.json()['id']}", headers=owner)).json()
            assert job["status"] == "open"
            assert job["tasks_total"] == 3
        finally:
            await worker.close()
            task.cancel()
