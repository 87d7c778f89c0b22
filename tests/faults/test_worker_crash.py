"""Workers killed with SIGKILL while tasks settle and credits are written, then restarted:
every task ends settled once and every credit entry exists once."""

from __future__ import annotations

import asyncio
import time
from functools import partial

import asyncpg
import pytest
from sqlalchemy import func, select

from tasks_service.db import models as m
from tests.faults.checker import check
from tests.faults.crowd import crowd_through, document, eventually
from tests.faults.deployment import PG_ADMIN_URL, Deployment, deployment
from tests.queue.test_history import REDUNDANCY

pytestmark = pytest.mark.postgres_only
TASKS = 30
KILL_AT = (0.2, 0.5)  # shares of the tasks credited when the workers are killed
DOWN_SECONDS = 1.0
# Statements only a worker's job runs: seen in an open transaction, the job has not committed.
IN_JOB = ("INSERT INTO credit_entries%", "UPDATE outbox SET done_at%")
IN_FLIGHT = (
    "SELECT count(*) FROM pg_stat_activity WHERE datname = $1 "
    "AND state IN ('active', 'idle in transaction') AND query LIKE ANY($2::text[])"
)


async def job_in_flight(setup: Deployment, within: float = 2.0) -> bool:
    """Wait (a little) for a worker to be inside a settle or credit transaction, so the kill
    lands in the middle of one; the wave goes on either way."""
    connection = await asyncpg.connect(PG_ADMIN_URL)
    try:
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            if await connection.fetchval(IN_FLIGHT, setup.database, list(IN_JOB)):
                return True
            await asyncio.sleep(0.005)
        return False
    finally:
        await connection.close()


async def credited_tasks(setup: Deployment) -> int:
    async with setup.sessionmaker() as session:
        count = await session.scalar(
            select(func.count()).where(m.CreditEntry.reason == m.CreditReason.ACCEPTED_ANSWER)
        )
    return int(count or 0)


async def test_killed_workers_settle_and_credit_everything_once() -> None:
    async with deployment() as setup:
        workers = setup.start_workers(2)
        _, base = await setup.start_api()
        async with setup.client(base) as api:
            owner = await api.register("owner")
            project = await api.project(owner)
            job = await api.job_ready(
                owner, project, document(TASKS), redundancy=REDUNDANCY, reviews_required=0
            )
            at_kill: list[int] = []
            mid_transaction: list[bool] = []

            async def kill_mid_wave() -> None:
                for share in KILL_AT:
                    await eventually(partial(_reached, setup, share))
                    mid_transaction.append(await job_in_flight(setup))
                    for worker in workers:
                        worker.kill()
                    at_kill.append(await credited_tasks(setup))
                    await asyncio.sleep(DOWN_SECONDS)  # answers keep coming, work piles up
                    for worker in workers:
                        worker.start()

            history = await crowd_through(api, owner, [job["id"]], kill_mid_wave())
            assert len(at_kill) == len(KILL_AT)
            assert all(0 < credited < TASKS for credited in at_kill)  # killed mid-wave
            assert any(mid_transaction)  # at least once inside a job's open transaction
            await check(setup.sessionmaker, history, {job["id"]: TASKS})


async def _reached(setup: Deployment, share: float) -> bool:
    return await credited_tasks(setup) >= share * TASKS
