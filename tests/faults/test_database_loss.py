"""The API's database connections cut (``pg_terminate_backend``) and the API process restarted
under load: clients see 503s or retry, never a 500, and nothing acknowledged is lost; ``/ready``
says when the database cannot be reached."""

from __future__ import annotations

from functools import partial

import pytest
from sqlalchemy import func, select

from tasks_service.db import models as m
from tests.faults.checker import check
from tests.faults.crowd import crowd_through, document, eventually
from tests.faults.deployment import Deployment, admin_execute, deployment
from tests.faults.processes import wait_healthy
from tests.harness import API
from tests.queue.test_history import REDUNDANCY

pytestmark = pytest.mark.postgres_only
TASKS = 30


async def answered(setup: Deployment) -> int:
    async with setup.sessionmaker() as session:
        return int(await session.scalar(select(func.count()).select_from(m.Submission)) or 0)


async def test_cut_connections_and_api_restart_lose_nothing() -> None:
    async with deployment() as setup:
        setup.start_workers(1)
        server, base = await setup.start_api()
        async with setup.client(base) as api:
            owner = await api.register("owner")
            project = await api.project(owner)
            job = await api.job_ready(
                owner, project, document(TASKS), redundancy=REDUNDANCY, reviews_required=0
            )
            cut: list[int] = []

            async def faults() -> None:
                for share in (0.15, 0.35):
                    await eventually(partial(_reached, setup, share))
                    cut.append(await setup.terminate_api_connections())
                await eventually(partial(_reached, setup, 0.55))
                server.kill()  # SIGKILL mid-load, then the same command on the same port
                server.start()
                await wait_healthy(server, base)
                await eventually(partial(_reached, setup, 0.75))
                cut.append(await setup.terminate_api_connections())

            history = await crowd_through(api, owner, [job["id"]], faults())
            assert all(cut)  # each time the service's connections were there to cut
            retried = {a: n for a, n in history.actions.items() if a.endswith(("503", "Error"))}
            assert retried, history.actions  # the clients did feel the faults
            await check(setup.sessionmaker, history, {job["id"]: TASKS})


async def _reached(setup: Deployment, share: float) -> bool:
    return await answered(setup) >= share * REDUNDANCY * TASKS


async def test_ready_follows_the_database() -> None:
    async with deployment() as setup:
        _, base = await setup.start_api()
        async with setup.client(base) as api:
            (volunteer,) = await api.volunteers(1)
            assert (await api.client.get("/ready")).status_code == 200
            # Cut connections: the pool notices on the next use and reconnects.
            assert await setup.terminate_api_connections() > 0
            answers = [(await api.client.get("/ready")).status_code for _ in range(3)]
            assert set(answers) <= {200, 503}
            assert answers[-1] == 200
            # The database refuses this service (and only this test's database is touched).
            await admin_execute(f'ALTER DATABASE "{setup.database}" ALLOW_CONNECTIONS false')
            try:
                await setup.terminate_api_connections()
                ready = await api.client.get("/ready")
                assert ready.status_code == 503
                assert "database" in ready.json()["detail"]
                claim = await api.claim(volunteer)
                assert claim.status_code == 503, claim.text  # "try again", not a 500
                assert claim.headers["content-type"].startswith("application/problem+json")
            finally:
                await admin_execute(f'ALTER DATABASE "{setup.database}" ALLOW_CONNECTIONS true')

            async def ready() -> bool:
                return (await api.client.get("/ready")).status_code == 200

            await eventually(ready, within=10)
            assert (await api.claim(volunteer)).status_code == 204  # serving again
            assert (await api.client.get(f"{API}/me", headers=volunteer)).status_code == 200
