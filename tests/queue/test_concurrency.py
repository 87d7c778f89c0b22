"""Many volunteers claiming at once: nothing over-leased, nothing lost, nothing answered twice."""

from __future__ import annotations

import asyncio
from collections import Counter

from sqlalchemy import func, select

from tasks_service.db import models as m
from tests.harness import Api

PARAGRAPHS = 60
REDUNDANCY = 2
VOLUNTEERS = 100


def document(paragraphs: int) -> bytes:
    return "\n\n".join(f"Paragraph number {n} to translate." for n in range(paragraphs)).encode()


async def test_hundred_concurrent_claimers_never_over_lease(api: Api) -> None:
    owner = await api.register("owner")
    project_id = await api.project(owner)
    job = await api.job_ready(
        owner, project_id, document(PARAGRAPHS), redundancy=REDUNDANCY, reviews_required=0
    )
    crowd = await api.volunteers(VOLUNTEERS)
    answered: Counter[tuple[int, int]] = Counter()  # (volunteer, task) -> answers

    async def work(index: int, headers: dict[str, str]) -> None:
        """Claim and answer until the queue has nothing more for this volunteer."""
        while True:
            claim = await api.claim(headers, job_id=job["id"])
            if claim.status_code == 204:
                return
            assert claim.status_code == 200, claim.text
            body = claim.json()
            answer = f"Réponse {body['task']['source']}"
            submitted = await api.submit(headers, body["assignment_id"], answer)
            assert submitted.status_code == 201, submitted.text
            answered[(index, body["task"]["id"])] += 1

    # First wave: everyone claims at the same moment, and the leases are counted.
    first = await asyncio.gather(*(api.claim(h, job_id=job["id"]) for h in crowd))
    granted = [r.json() for r in first if r.status_code == 200]
    assert {r.status_code for r in first} <= {200, 204}
    per_task = Counter(g["task"]["id"] for g in granted)
    assert len(granted) == VOLUNTEERS  # 120 slots for 100 volunteers: everyone gets one
    assert max(per_task.values()) <= REDUNDANCY
    for index, grant in zip(range(VOLUNTEERS), granted, strict=True):
        response = await api.submit(
            crowd[index], grant["assignment_id"], "x " + grant["task"]["source"]
        )
        assert response.status_code == 201
        answered[(index, grant["task"]["id"])] += 1

    # Then everyone works concurrently until nothing is left.
    await asyncio.gather(*(work(i, h) for i, h in enumerate(crowd)))
    await api.settle()

    assert max(answered.values()) == 1  # no volunteer answered a task twice
    per_task_answers = Counter(task for _, task in answered)
    assert len(per_task_answers) == PARAGRAPHS  # none lost
    assert set(per_task_answers.values()) == {REDUNDANCY}  # each answered exactly enough
    async with api.app.state.sessionmaker() as session:
        submissions = await session.scalar(select(func.count()).select_from(m.Submission))
        active = await session.scalar(
            select(func.count()).where(m.Assignment.state == m.AssignmentState.ACTIVE)
        )
        states = set((await session.scalars(select(m.Task.state))).all())
    assert submissions == PARAGRAPHS * REDUNDANCY
    assert active == 0
    assert states == {m.TaskState.ACCEPTED}
    done = (await api.client.get(f"/api/v1/jobs/{job['id']}", headers=owner)).json()
    assert done["status"] == "complete"
