"""Redis flushed or restarted while jobs split and while tasks settle: the outbox dispatches
the lost work again, task counts stay exact, nothing settles twice, workers keep running."""

from __future__ import annotations

from functools import partial

import pytest
from sqlalchemy import func, select

from tasks_service.db import models as m
from tests.faults.checker import check
from tests.faults.crowd import crowd_through, document, eventually
from tests.faults.deployment import Deployment, deployment
from tests.harness import API
from tests.queue.test_history import REDUNDANCY

pytestmark = pytest.mark.postgres_only
BIG = 3000  # paragraphs: a split that takes a moment
TASKS = 30


async def split_attempts(setup: Deployment, job_id: int) -> int:
    """How often the job's split message was handed to Redis."""
    async with setup.sessionmaker() as session:
        attempts = await session.scalar(
            select(m.OutboxMessage.attempts).where(
                m.OutboxMessage.topic == "split",
                m.OutboxMessage.payload["job_id"].as_integer() == job_id,
            )
        )
    return int(attempts or 0)


async def dispatched(setup: Deployment, job_id: int) -> bool:
    return await split_attempts(setup, job_id) > 0


async def test_redis_lost_mid_split_keeps_task_counts_exact() -> None:
    async with deployment() as setup:
        _, base = await setup.start_api()
        async with setup.client(base) as api:
            owner = await api.register("owner")
            project = await api.project(owner)
            # No worker yet: the first split waits in Redis, and the flush loses it for sure.
            upload = await api.upload(owner, project, document(BIG), redundancy=REDUNDANCY)
            jobs = [upload.json()["id"]]
            await eventually(partial(dispatched, setup, jobs[0]))
            await setup.redis.flushall()
            workers = setup.start_workers(2)
            # Then Redis lost while splits run, and once before the split is even dispatched.
            for fault in (setup.redis.flushall, setup.redis.restart, setup.redis.restart):
                upload = await api.upload(owner, project, document(BIG), redundancy=REDUNDANCY)
                assert upload.status_code == 202, upload.text
                jobs.append(upload.json()["id"])
                if len(jobs) < 4:
                    await eventually(partial(dispatched, setup, jobs[-1]))
                await fault()
            await api.settle(within=90)
            for job_id in jobs:
                job = (await api.client.get(f"{API}/jobs/{job_id}", headers=owner)).json()
                assert job["status"] == "open", job
                assert job["tasks_total"] == BIG
            async with setup.sessionmaker() as session:
                per_job = dict(
                    (
                        await session.execute(
                            select(m.Task.job_id, func.count()).group_by(m.Task.job_id)
                        )
                    ).all()
                )
            assert per_job == dict.fromkeys(jobs, BIG)
            assert await split_attempts(setup, jobs[0]) >= 2  # the outbox sent it again
            assert all(worker.running for worker in workers)  # they rode out the restarts


async def reviewed(setup: Deployment) -> int:
    async with setup.sessionmaker() as session:
        return int(await session.scalar(select(func.count()).select_from(m.Review)) or 0)


async def test_redis_lost_mid_settling_wave_settles_everything_once() -> None:
    async with deployment() as setup:
        workers = setup.start_workers(2)
        _, base = await setup.start_api()
        async with setup.client(base) as api:
            owner = await api.register("owner")
            project = await api.project(owner)
            job = await api.job_ready(owner, project, document(TASKS), redundancy=REDUNDANCY)
            at_fault: list[int] = []

            async def lose_redis_mid_wave() -> None:
                for share, fault in ((0.25, setup.redis.flushall), (0.6, setup.redis.restart)):
                    await eventually(partial(_reached, setup, share))
                    await fault()
                    async with setup.sessionmaker() as session:
                        settled = await session.scalar(
                            select(func.count()).where(m.Task.state == m.TaskState.ACCEPTED)
                        )
                    at_fault.append(int(settled or 0))

            history = await crowd_through(
                api, owner, [job["id"]], lose_redis_mid_wave(), reviewer=True
            )
            assert len(at_fault) == 2
            assert all(settled < TASKS for settled in at_fault)  # lost mid-wave
            await check(setup.sessionmaker, history, {job["id"]: TASKS})
            assert all(worker.running for worker in workers)


async def _reached(setup: Deployment, share: float) -> bool:
    return await reviewed(setup) >= share * TASKS
