"""A volunteer vanishes holding leases: the reaper (in a worker) returns them and the tasks are
served to others within the lease plus 5 seconds."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import select

from tasks_service.db import models as m
from tests.faults.checker import check
from tests.faults.crowd import crowd_through, document
from tests.faults.deployment import deployment, scrape
from tests.queue.test_history import REDUNDANCY

pytestmark = pytest.mark.postgres_only
TASKS = 5  # the ghost holds one lease on each (MAX_OPEN_LEASES is 5)
LEASE_SECONDS = 5  # the job's lease, the shortest allowed
GRACE = timedelta(seconds=5)


async def test_leases_of_a_vanished_volunteer_go_to_others_within_lease_plus_5s() -> None:
    async with deployment() as setup:
        setup.start_workers(1)
        _, base = await setup.start_api()
        async with setup.client(base) as api:
            owner = await api.register("owner")
            project = await api.project(owner)
            job = await api.job_ready(
                owner,
                project,
                document(TASKS),
                redundancy=REDUNDANCY,
                reviews_required=0,
                lease_seconds=LEASE_SECONDS,
            )
            (ghost,) = await api.volunteers(1, prefix="ghost")
            for _ in range(TASKS):
                assert (await api.claim(ghost, job_id=job["id"])).status_code == 200
            # The ghost is gone; the crowd works the job to the end.
            history = await crowd_through(api, owner, [job["id"]], asyncio.sleep(0), volunteers=10)
            await check(setup.sessionmaker, history, {job["id"]: TASKS})
            async with setup.sessionmaker() as session:
                ghost_id = await session.scalar(
                    select(m.Account.id).where(m.Account.username == "ghost0")
                )
                rows = (
                    await session.execute(
                        select(m.Assignment).where(m.Assignment.job_id == job["id"])
                    )
                ).scalars()
                assignments = list(rows)
            ghosts = [a for a in assignments if a.account_id == ghost_id]
            assert len(ghosts) == TASKS
            assert {a.state for a in ghosts} == {m.AssignmentState.EXPIRED}
            for lease in ghosts:
                served_again = [
                    a.created_at
                    for a in assignments
                    if a.task_id == lease.task_id
                    and a.account_id != ghost_id
                    and a.created_at >= lease.expires_at
                ]
                assert served_again, f"task {lease.task_id} never served after the ghost's lease"
                assert min(served_again) - lease.expires_at <= GRACE
            samples = await scrape(api.client)  # the worker's reaper counted them
            assert samples["tasks_lease_expiries_total"] >= TASKS
