"""Gold mixing: known-answer tasks served at the job's share, more to newcomers, fewer to the
proven, never twice to one volunteer (tasks_service/queue/gold.py states the rule)."""

from __future__ import annotations

import math
from typing import Any

import pytest
from sqlalchemy import select, update

from tasks_service.db import models as m
from tasks_service.queue import gold
from tests.harness import Api

CLAIMS = 30
SHARE = 0.2
LABEL_SPEC: dict[str, Any] = {
    "kind": "label",
    "choices": ["cat", "dog"],
    "template": "Which animal is {text}?",
    "target_language": None,
    "reviews_required": 1,  # answers wait for a reviewer: no level changes during a test
}


def rows(count: int, gold_every: int, prefix: str = "item") -> bytes:
    """CSV rows; every ``gold_every``-th has a known answer (0: none, 1: all)."""
    lines = ["id,text,gold"]
    for n in range(count):
        known = "cat" if gold_every and n % gold_every == 0 else ""
        lines.append(f"{n},{prefix} {n},{known}")
    return ("\n".join(lines) + "\n").encode()


async def gold_answers(api: Api, job_id: int) -> dict[int, str | None]:
    async with api.app.state.sessionmaker() as session:
        found = await session.execute(
            select(m.Task.id, m.Task.gold_answer).where(m.Task.job_id == job_id)
        )
        return {task_id: answer for task_id, answer in found}


async def serve(
    api: Api, headers: dict[str, str], job_id: int, claims: int, answer: str = "dog"
) -> list[int]:
    """Claim and answer ``claims`` tasks; the task ids in order. The known answers are "cat":
    by default every gold answer is wrong, so the volunteer proves nothing while measured."""
    served = []
    for _ in range(claims):
        response = await api.claim(headers, job_id=job_id)
        if response.status_code == 204:
            break
        assert response.status_code == 200, response.text
        body = response.json()
        submitted = await api.submit(headers, body["assignment_id"], answer)
        assert submitted.status_code == 201, submitted.text
        served.append(body["task"]["id"])
    return served


async def label_job(api: Api, content: bytes, **spec: Any) -> dict[str, Any]:
    owner = await api.register("owner")
    project_id = await api.project(owner)
    return await api.job_ready(owner, project_id, content, "rows.csv", **LABEL_SPEC, **spec)


async def set_level(api: Api, level: int) -> None:
    async with api.app.state.sessionmaker.begin() as session:
        await session.execute(
            update(m.Account).where(m.Account.username.like("v%")).values(level=level)
        )


@pytest.mark.parametrize(
    ("level", "proof", "share"),
    [
        (0, None, SHARE * gold.NEWCOMER_FACTOR),  # a newcomer: twice the job's share
        (1, None, SHARE),  # a contributor with nothing proven: the job's share
        (1, "right", SHARE * gold.PROVEN_FACTOR),  # accuracy proven on gold: half
        (1, "wrong", SHARE),  # gold answered, but too often wrong: not proven
    ],
)
async def test_gold_share_follows_level_and_proven_accuracy(
    api: Api, level: int, proof: str | None, share: float
) -> None:
    job = await label_job(api, rows(100, 4), gold_share=SHARE)
    (volunteer,) = await api.volunteers(1)
    await set_level(api, level)
    if proof is not None:  # a job of gold only: every answer is checked against a known one
        practice = await practice_job(api, rows(gold.PROVEN_RIGHT + 4, 1, "practice"))
        served = await serve(api, volunteer, practice["id"], gold.PROVEN_RIGHT + 4, "cat")
        if proof == "wrong":  # 11 of 14 right: enough right answers, but 79 % is below 80 %
            await rewrite_answers(api, served[:3], "dog")
    served = await serve(api, volunteer, job["id"], CLAIMS)
    known = await gold_answers(api, job["id"])
    gold_served = sum(known[task_id] is not None for task_id in served)
    assert len(served) == CLAIMS
    # The rule, exactly (it is deterministic): ceil(claims * share) after that many claims.
    assert gold_served == math.ceil(CLAIMS * share - gold.EPSILON)
    assert share - 0.05 <= gold_served / CLAIMS <= share + 0.05
    assert len(set(served)) == len(served)


async def practice_job(api: Api, content: bytes) -> dict[str, Any]:
    owner = await api.register("owner2")
    project_id = await api.project(owner, "Practice")
    return await api.job_ready(owner, project_id, content, "rows.csv", **LABEL_SPEC, gold_share=0.5)


async def rewrite_answers(api: Api, task_ids: list[int], answer: str) -> None:
    async with api.app.state.sessionmaker.begin() as session:
        await session.execute(
            update(m.Submission).where(m.Submission.task_id.in_(task_ids)).values(answer=answer)
        )


async def test_newcomer_first_claim_is_gold_and_gold_is_never_served_twice(api: Api) -> None:
    job = await label_job(api, rows(8, 2), gold_share=0.5, redundancy=3)
    crowd = await api.volunteers(3)
    known = await gold_answers(api, job["id"])
    for volunteer in crowd:
        served = await serve(api, volunteer, job["id"], 20)
        assert known[served[0]] is not None
        assert sorted(served) == sorted(known)  # all 8 once each: gold included, none twice


async def test_with_gold_share_zero_gold_rows_are_served_as_ordinary_tasks(api: Api) -> None:
    job = await label_job(api, rows(6, 2), gold_share=0.0)
    (volunteer,) = await api.volunteers(1)
    served = await serve(api, volunteer, job["id"], 10)
    assert served == sorted(await gold_answers(api, job["id"]))  # document order, gold or not
