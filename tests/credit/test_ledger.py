"""The credit ledger: every credit exactly once, however often the credit job runs."""

from __future__ import annotations

import asyncio

from sqlalchemy import func, select, update

from tasks_service.credit.services import credit_task
from tasks_service.db import models as m
from tests.harness import Api

DOC = b"Hello there, friend.\n\nSee you soon.\n"


async def finished_job(api: Api) -> int:
    owner = await api.register("owner")
    (alice,) = await api.volunteers(1)
    job = await api.job_ready(owner, await api.project(owner), DOC)
    for _ in range(2):
        claim = (await api.claim(alice, job_id=job["id"])).json()
        await api.submit(alice, claim["assignment_id"], "Bonjour " + claim["task"]["source"])
    await api.review_all(owner, job["id"])
    await api.settle()
    return int(job["id"])


async def ledger(api: Api) -> list[tuple[int, str, int, int]]:
    async with api.app.state.sessionmaker() as session:
        rows = await session.execute(
            select(
                m.CreditEntry.account_id,
                m.CreditEntry.reason,
                m.CreditEntry.subject_id,
                m.CreditEntry.amount,
            ).order_by(m.CreditEntry.id)
        )
        return [(a, r, s, n) for a, r, s, n in rows]


async def test_replayed_credit_jobs_add_nothing(api: Api) -> None:
    await finished_job(api)
    before = await ledger(api)
    # Two accepted answers and two reviews: four entries, each for a different thing.
    assert sorted(reason for _, reason, _, _ in before) == [
        "accepted_answer",
        "accepted_answer",
        "review",
        "review",
    ]
    # Replay every credit message, as a worker killed before marking them done would.
    async with api.app.state.sessionmaker.begin() as session:
        replayed = await session.execute(
            update(m.OutboxMessage)
            .where(m.OutboxMessage.topic == "credit")
            .values(done_at=None, available_at=m.utcnow())
        )
        assert replayed.rowcount == 2  # type: ignore[attr-defined]
    await api.settle()
    assert await ledger(api) == before


async def test_concurrent_credit_runs_write_each_entry_once(api: Api) -> None:
    await finished_job(api)
    before = await ledger(api)
    async with api.app.state.sessionmaker() as session:
        task_ids = list((await session.scalars(select(m.Task.id))).all())

    async def run(task_id: int) -> None:
        async with api.app.state.sessionmaker.begin() as session:
            await credit_task(session, api.app.state.settings, task_id)

    await asyncio.gather(*(run(task_id) for task_id in task_ids for _ in range(3)))
    assert await ledger(api) == before
    async with api.app.state.sessionmaker() as session:
        total = await session.scalar(select(func.count()).select_from(m.CreditEntry))
    assert total == 4
