"""Two API processes and two arq workers on one PostgreSQL and one Redis: the whole flow."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import func, select

from tasks_service.db import models as m
from tests.faults.checker import check
from tests.faults.crowd import crowd_through, document
from tests.faults.deployment import deployment, scrape
from tests.harness import API
from tests.queue.test_history import REDUNDANCY

pytestmark = pytest.mark.postgres_only
TASKS = 24
VOLUNTEERS = 30


async def test_two_api_processes_and_two_workers_finish_the_job() -> None:
    async with deployment() as setup:
        setup.start_workers(2)
        _, base = await setup.start_api(workers=2)
        async with setup.client(base) as api:
            owner = await api.register("owner")
            project = await api.project(owner)
            job = await api.job_ready(owner, project, document(TASKS), redundancy=REDUNDANCY)
            assert job["tasks_total"] == TASKS
            history = await crowd_through(
                api, owner, [job["id"]], asyncio.sleep(0), volunteers=VOLUNTEERS, reviewer=True
            )
            await check(setup.sessionmaker, history, {job["id"]: TASKS})
            result = await api.client.get(f"{API}/jobs/{job['id']}/result", headers=owner)
            assert result.status_code == 200
            assert result.text.count("réponse") == TASKS
            credits = await api.client.get(f"{API}/jobs/{job['id']}/credits", headers=owner)
            accepted = sum(row["accepted"] for row in credits.json())
            assert accepted == TASKS
            async with setup.sessionmaker() as session:
                settles = await session.scalar(
                    select(func.count()).where(m.OutboxMessage.topic == "settle")
                )
            # Any one API process answers for all of them and for the workers (one directory).
            samples = await scrape(api.client)
            assert samples['tasks_claims_total{outcome="leased"}'] == history.actions["claimed"]
            assert samples['tasks_submissions_total{late="false"}'] == 2 * TASKS
            assert samples["tasks_settle_latency_seconds_count"] == settles
            assert samples["tasks_queue_depth"] == 0
            assert samples["tasks_outbox_pending"] == 0
            assert samples["tasks_outbox_lag_seconds"] == 0
