"""The API's claims on PostgreSQL go through a ClaimBatcher: concurrent claims share calls of
``claim_tasks``, and every rule of a single claim still holds inside a batch."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Sequence
from datetime import datetime
from types import SimpleNamespace

import asyncpg
import pytest
from sqlalchemy import func, select, text

from tasks_service.db import models as m
from tasks_service.queue import claim_sql
from tests.harness import Api

pytestmark = pytest.mark.postgres_only

VOLUNTEERS = 60


def document(paragraphs: int) -> bytes:
    return "\n\n".join(f"Paragraph number {n} to translate." for n in range(paragraphs)).encode()


async def test_concurrent_claims_share_calls_and_each_gets_its_own_task(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[int] = []
    run = claim_sql.run

    async def counted(
        driver: asyncpg.Connection,
        requests: Sequence[claim_sql.ClaimRequest],
        now: datetime,
        cap: int,
    ) -> list[SimpleNamespace]:
        calls.append(len(requests))
        return await run(driver, requests, now, cap)

    monkeypatch.setattr(claim_sql, "run", counted)
    owner = await api.register("owner")
    job = await api.job_ready(owner, await api.project(owner), document(VOLUNTEERS), redundancy=1)
    crowd = await api.volunteers(VOLUNTEERS)

    answers = await asyncio.gather(*(api.claim(h, job_id=job["id"]) for h in crowd))

    assert [r.status_code for r in answers] == [200] * VOLUNTEERS
    tasks = Counter(r.json()["task"]["id"] for r in answers)
    assert len(tasks) == VOLUNTEERS  # redundancy 1: sixty claims, sixty different tasks
    assert sum(calls) == VOLUNTEERS
    assert len(calls) < VOLUNTEERS  # they did share calls
    assert max(calls) <= claim_sql.BATCH_LIMIT
    again = await api.claim(crowd[0], job_id=job["id"])
    assert again.status_code == 204  # every task is leased now


async def test_one_volunteers_simultaneous_claims_respect_the_cap(api: Api) -> None:
    owner = await api.register("owner")
    job = await api.job_ready(owner, await api.project(owner), document(20), redundancy=1)
    alice = await api.register("alice")
    cap = api.app.state.settings.max_open_leases

    answers = await asyncio.gather(*(api.claim(alice, job_id=job["id"]) for _ in range(cap + 4)))

    codes = Counter(r.status_code for r in answers)
    assert codes == {200: cap, 409: 4}
    assert all("open leases" in r.json()["detail"] for r in answers if r.status_code == 409)
    async with api.app.state.sessionmaker() as session:
        held = await session.scalar(
            select(func.count()).where(m.Assignment.state == m.AssignmentState.ACTIVE)
        )
    assert held == cap


async def test_a_lost_connection_is_a_503_and_the_next_claim_is_served(api: Api) -> None:
    owner = await api.register("owner")
    job = await api.job_ready(owner, await api.project(owner), document(10), redundancy=1)
    alice = await api.register("alice")
    assert (await api.claim(alice, job_id=job["id"])).status_code == 200
    async with api.app.state.sessionmaker() as session:
        cut = await session.scalar(
            text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        )
    assert cut  # the batcher's connections and the request pool's were there to cut

    codes: list[int] = []
    while len(codes) < 4 and 200 not in codes:
        codes.append((await api.claim(alice, job_id=job["id"])).status_code)

    assert set(codes) <= {200, 503}
    assert codes[-1] == 200  # dead connections are dropped, new ones made


async def test_a_claim_that_gives_up_leaves_the_others_served(api: Api) -> None:
    owner = await api.register("owner")
    job = await api.job_ready(owner, await api.project(owner), document(10), redundancy=1)
    crowd = await api.volunteers(3)
    batcher: claim_sql.ClaimBatcher = api.app.state.claims
    async with api.app.state.sessionmaker() as session:
        people = list((await session.scalars(select(m.Account).order_by(m.Account.id))).all())
    requests = [claim_sql.ClaimRequest.of(p, job["id"], None) for p in people[-3:]]

    waiting = [asyncio.create_task(batcher.claim(r)) for r in requests]
    await asyncio.sleep(0)  # all three are waiting for the batcher's call now
    waiting[1].cancel()
    rows = await asyncio.gather(waiting[0], waiting[2])

    assert all(row.assignment_id is not None for row in rows)
    assert waiting[1].cancelled()
    assert (await api.claim(crowd[1], job_id=job["id"])).status_code == 200
