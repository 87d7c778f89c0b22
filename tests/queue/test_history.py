"""A randomized crowd against the queue, and a checker over everything that happened.

Volunteers claim, submit, double-submit with the same Idempotency-Key, release, vanish (their
lease expires) and come back late. A watcher samples the database throughout. At the end the
recorded history of acknowledged requests is compared with what the database holds.
"""

from __future__ import annotations

import asyncio
import random
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import func, select, union_all, update

from tasks_service.db import models as m
from tests.harness import API, Api

TASKS = 40
REDUNDANCY = 2
VOLUNTEERS = 150
DEADLINE_SECONDS = 120


@dataclass
class History:
    acknowledged: dict[int, tuple[int, int]] = field(default_factory=dict)  # sub -> (who, task)
    over_leased: list[tuple[int, int]] = field(default_factory=list)
    actions: Counter[str] = field(default_factory=Counter)


async def volunteer(
    api: Api, who: int, headers: dict[str, str], job_id: int, history: History
) -> None:
    rng = random.Random(who)
    vanished: list[int] = []
    while True:
        claim = await api.claim(headers, job_id=job_id)
        if claim.status_code == 204:
            break
        if claim.status_code == 409:  # lease cap: come back to a vanished lease
            history.actions["capped"] += 1
        else:
            assert claim.status_code == 200, claim.text
            body = claim.json()
            assignment, task = body["assignment_id"], body["task"]["id"]
            roll = rng.random()
            if roll < 0.1:
                history.actions["release"] += 1
                released = await api.client.post(
                    f"{API}/assignments/{assignment}/release", headers=headers
                )
                assert released.status_code == 204
                continue
            if roll < 0.2:
                history.actions["vanish"] += 1
                await expire(api, assignment)
                vanished.append(assignment)
                continue
            key = f"k-{who}-{assignment}" if roll < 0.4 else None
            await answer(api, who, headers, assignment, task, key, history)
            if key:  # the flaky phone sends it again
                await answer(api, who, headers, assignment, task, key, history)
        if vanished and rng.random() < 0.5:
            await late_answer(api, who, headers, vanished.pop(), history)
        await asyncio.sleep(0)
    for assignment in vanished:
        await late_answer(api, who, headers, assignment, history)


async def answer(
    api: Api,
    who: int,
    headers: dict[str, str],
    assignment: int,
    task: int,
    key: str | None,
    history: History,
) -> None:
    response = await api.submit(headers, assignment, f"réponse {task}", key)
    assert response.status_code == 201, response.text
    history.acknowledged[response.json()["submission_id"]] = (who, task)
    history.actions["submit"] += 1


async def late_answer(
    api: Api, who: int, headers: dict[str, str], assignment: int, history: History
) -> None:
    leases = (await api.client.get(f"{API}/me/assignments", headers=headers)).json()
    task = next(a["task_id"] for a in leases if a["assignment_id"] == assignment)
    response = await api.submit(headers, assignment, f"réponse {task}")
    assert response.status_code in (201, 409), response.text
    if response.status_code == 201:
        history.acknowledged[response.json()["submission_id"]] = (who, task)
        history.actions["late submit taken"] += 1
    else:
        history.actions["late submit refused"] += 1


async def expire(api: Api, assignment: int) -> None:
    async with api.app.state.sessionmaker.begin() as session:
        await session.execute(
            update(m.Assignment)
            .where(m.Assignment.id == assignment)
            .values(expires_at=m.utcnow() - timedelta(seconds=1))
        )


async def watch(api: Api, stop: asyncio.Event, history: History) -> None:
    """Sample the database: leases held plus answers kept never exceed the redundancy."""
    # One statement, so both sides come from the same snapshot.
    holders = union_all(
        select(m.Assignment.task_id).where(m.Assignment.state == m.AssignmentState.ACTIVE),
        select(m.Submission.task_id).where(m.Submission.status != m.SubmissionStatus.REJECTED),
    ).subquery()
    per_task = select(holders.c.task_id, func.count()).group_by(holders.c.task_id)
    while not stop.is_set():
        async with api.app.state.sessionmaker() as session:
            counts = (await session.execute(per_task)).all()
        history.over_leased.extend((t, n) for t, n in counts if n > REDUNDANCY)
        await asyncio.sleep(0.05)


async def test_random_crowd_history_is_consistent(api: Api) -> None:
    owner = await api.register("owner")
    doc = "\n\n".join(f"Sentence {n} of the crowd test." for n in range(TASKS)).encode()
    job = await api.job_ready(
        owner, await api.project(owner), doc, redundancy=REDUNDANCY, reviews_required=0
    )
    crowd = await api.volunteers(VOLUNTEERS)
    history, stop = History(), asyncio.Event()
    watcher = asyncio.create_task(watch(api, stop, history))
    async with asyncio.timeout(DEADLINE_SECONDS):
        while True:
            await asyncio.gather(
                *(volunteer(api, i, h, job["id"], history) for i, h in enumerate(crowd))
            )
            await api.settle()  # reaps what vanished, settles what is complete
            status = (await api.client.get(f"{API}/jobs/{job['id']}", headers=owner)).json()
            if status["status"] == "complete":
                break
    stop.set()
    await watcher

    assert history.over_leased == []  # never held beyond the redundancy
    assert {"submit", "release", "vanish"} <= set(history.actions)
    per_volunteer_task = Counter(history.acknowledged.values())
    assert max(per_volunteer_task.values()) == 1  # nobody answered a task twice
    async with api.app.state.sessionmaker() as session:
        stored = dict(
            (sid, (who, task))
            for sid, who, task in await session.execute(
                select(m.Submission.id, m.Submission.account_id, m.Submission.task_id)
            )
        )
        accepted = (await session.execute(select(m.Task.id, m.Task.accepted_submission_id))).all()
        active = await session.scalar(
            select(func.count()).where(m.Assignment.state == m.AssignmentState.ACTIVE)
        )
    assert set(history.acknowledged) == set(stored)  # no acknowledged answer lost, none extra
    per_task: defaultdict[int, int] = defaultdict(int)
    for _, task in stored.values():
        per_task[task] += 1
    assert set(per_task.values()) == {REDUNDANCY}  # every task answered exactly enough
    assert len(accepted) == TASKS
    assert all(sid in stored for _, sid in accepted)  # every task done, from a kept answer
    assert active == 0
