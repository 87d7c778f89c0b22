"""``/metrics``: the counters move with what happens, the gauges read the queue at scrape time."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update

from tasks_service.db import models as m
from tests.faults.deployment import scrape
from tests.harness import Api

LEASED = 'tasks_claims_total{outcome="leased"}'
EMPTY = 'tasks_claims_total{outcome="empty"}'
ON_TIME = 'tasks_submissions_total{late="false"}'
EXPIRED = "tasks_lease_expiries_total"
SETTLED = "tasks_settle_latency_seconds_count"


async def test_metrics_follow_claims_answers_expiries_and_settling(api: Api) -> None:
    owner = await api.register("owner")
    job = await api.job_ready(
        owner, await api.project(owner), b"One.\n\nTwo.\n", reviews_required=0
    )
    alice, bob = await api.volunteers(2)
    before = await scrape(api.client)
    assert before["tasks_queue_depth"] == 2
    first = (await api.claim(alice, job_id=job["id"])).json()
    second = (await api.claim(alice, job_id=job["id"])).json()
    assert (await api.claim(bob, job_id=job["id"])).status_code == 204
    claimed = await scrape(api.client)
    assert claimed.get(LEASED, 0) - before.get(LEASED, 0) == 2
    assert claimed.get(EMPTY, 0) - before.get(EMPTY, 0) == 1
    assert claimed["tasks_queue_depth"] == 0

    answer = await api.submit(alice, first["assignment_id"], "Un.")
    assert answer.status_code == 201
    async with api.app.state.sessionmaker.begin() as session:  # alice walks away from the second
        await session.execute(
            update(m.Assignment)
            .where(m.Assignment.id == second["assignment_id"])
            .values(expires_at=m.utcnow() - timedelta(seconds=1))
        )
    await api.settle()  # reaps the lease, settles the answered task
    after = await scrape(api.client)
    assert after.get(ON_TIME, 0) - before.get(ON_TIME, 0) == 1
    assert after[EXPIRED] - before[EXPIRED] == 1
    assert after[SETTLED] - before[SETTLED] == 1
    assert after["tasks_queue_depth"] == 1  # the expired lease's task is claimable again
    assert after["tasks_outbox_pending"] == 0
    assert after["tasks_outbox_lag_seconds"] == 0


async def test_outbox_gauges_show_work_waiting(api: Api) -> None:
    async with api.app.state.sessionmaker.begin() as session:
        session.add(
            m.OutboxMessage(
                topic="settle",
                payload={"task_id": 0},
                created_at=m.utcnow() - timedelta(seconds=90),
                available_at=m.utcnow() + timedelta(hours=1),  # not due: stays pending
            )
        )
    samples = await scrape(api.client)
    assert samples["tasks_outbox_pending"] == 1
    assert 90 <= samples["tasks_outbox_lag_seconds"] < 200
