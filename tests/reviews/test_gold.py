"""Gold tasks grade volunteers and reviewers, credit right answers, and stay out of results."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select

from tasks_service.db import models as m
from tasks_service.db.models import Job
from tasks_service.reviews.gold import matches_gold
from tests.harness import API, Api, submissions

ROWS = b"id,text,gold\n1,a barking animal,dog\n2,a purring animal,\n3,a meowing animal,\n"
SPEC = {
    "kind": "label",
    "choices": ["cat", "dog"],
    "template": "Which animal is {text}?",
    "target_language": None,
    "redundancy": 1,
    "reviews_required": 0,
}


def answer_for(task: dict[str, Any], gold: str) -> str:
    return gold if "barking" in task["source"] else "cat"


async def answer_next(api: Api, headers: dict[str, str], job_id: int, gold: str) -> str:
    """Claim the next task and answer it (``gold`` on the gold row); returns its source."""
    claim = await api.claim(headers, job_id=job_id)
    assert claim.status_code == 200, claim.text
    body = claim.json()
    response = await api.submit(headers, body["assignment_id"], answer_for(body["task"], gold))
    assert response.status_code == 201, response.text
    await api.settle()
    return str(body["task"]["source"])


async def ledger(api: Api) -> list[tuple[str, str, int]]:
    async with api.app.state.sessionmaker() as session:
        rows = await session.execute(
            select(m.Account.username, m.CreditEntry.reason, m.CreditEntry.amount)
            .join(m.Account, m.Account.id == m.CreditEntry.account_id)
            .order_by(m.CreditEntry.id)
        )
        return [(u, r, a) for u, r, a in rows]


async def test_gold_grades_volunteers_and_never_enters_the_result(api: Api) -> None:
    owner = await api.register("owner")
    wrong, right = await api.volunteers(2)
    job = await api.job_ready(owner, await api.project(owner), ROWS, "rows.csv", **SPEC)
    assert job["gold_tasks"] == 1 and job["tasks_by_state"]["open"] == 2

    # The gold row comes first in document order, and goes back to the pool once graded.
    sources = [await answer_next(api, wrong, job["id"], "cat")]
    sources.append(await answer_next(api, right, job["id"], "dog"))
    assert sources == ["Which animal is a barking animal?"] * 2
    await answer_next(api, wrong, job["id"], "cat")
    await answer_next(api, right, job["id"], "dog")

    graded = {s["status"]: s for s in await submissions(api, wrong)}
    assert sorted(graded) == ["accepted", "gold_wrong"]
    assert "known answer: dog" in graded["gold_wrong"]["reason"]  # a newcomer learns from it
    assert (await api.client.get(f"{API}/me", headers=wrong)).json()["accuracy"] == 0.5
    assert sorted(s["status"] for s in await submissions(api, right)) == ["accepted", "gold_right"]
    assert (await api.client.get(f"{API}/me", headers=right)).json()["accuracy"] == 1.0
    assert [r for r in await ledger(api) if r[1] == "gold_right"] == [("v1", "gold_right", 1)]

    view = (await api.client.get(f"{API}/jobs/{job['id']}", headers=owner)).json()
    assert (view["status"], view["progress"]) == ("complete", 1.0)
    result = await api.client.get(f"{API}/jobs/{job['id']}/result", headers=owner)
    assert result.text.splitlines() == [
        "id,text,gold,answer",
        "1,a barking animal,dog,",  # the known answer is no answer of the crowd's
        "2,a purring animal,,cat",
        "3,a meowing animal,,cat",
    ]
    credits = (await api.client.get(f"{API}/jobs/{job['id']}/credits", headers=owner)).json()
    assert {c["username"]: c["accepted"] for c in credits} == {"v0": 1, "v1": 1}
    pieces = {u: a for u, r, a in await ledger(api) if r == "accepted_answer"}
    assert {c["username"]: c["credit"] for c in credits} == pieces  # gold credit is not the job's
    export = await api.client.get(f"{API}/jobs/{job['id']}/export", headers=owner)
    lines = [json.loads(line) for line in export.text.splitlines()]
    assert [line["source"] for line in lines[:-1]] == [
        "Which animal is a purring animal?",
        "Which animal is a meowing animal?",
    ]


async def test_a_reviewer_approving_a_wrong_gold_answer_is_measured_wrong(api: Api) -> None:
    owner = await api.register("owner")
    (volunteer,) = await api.volunteers(1)
    reviewer = await api.register("rita")
    async with api.app.state.sessionmaker.begin() as session:
        account = (
            await session.scalars(select(m.Account).where(m.Account.username == "rita"))
        ).one()
        account.level = 3
    job = await api.job_ready(
        owner,
        await api.project(owner),
        b"id,text,gold\n1,a barking animal,dog\n",
        "rows.csv",
        **{**SPEC, "reviews_required": 1},
    )
    await answer_next(api, volunteer, job["id"], "cat")
    review = await api.client.post(f"{API}/reviews/claim", json={}, headers=reviewer)
    assert review.status_code == 200, review.text  # the reviewer cannot tell it is gold
    body = review.json()
    verdict = await api.client.post(
        f"{API}/review-assignments/{body['review_assignment_id']}/verdict",
        json={"submission_id": body["submissions"][0]["submission_id"], "verdict": "approve"},
        headers=reviewer,
    )
    assert verdict.status_code == 201
    await api.settle()
    [graded] = await submissions(api, volunteer)
    assert graded["status"] == "gold_wrong"
    async with api.app.state.sessionmaker() as session:
        from tasks_service.credit.accuracy import review_standing

        rita = (await session.scalars(select(m.Account).where(m.Account.username == "rita"))).one()
        standing = await review_standing(session, rita.id, m.utcnow().replace(year=2000))
        task = (await session.scalars(select(m.Task))).one()
    assert (standing.measured, standing.agreeing) == (1, 0)
    assert (task.state, task.open_slots, task.accepted_answer) == ("open", 1, None)


def test_gold_matching_labels_exactly_and_text_by_similarity() -> None:
    label = Job(kind="label")
    text = Job(kind="translate")
    assert matches_gold(label, "Dog", "dog")
    assert not matches_gold(label, "cat", "dog")
    assert matches_gold(text, "Bonjour, le monde !", "Bonjour le monde !")
    assert not matches_gold(text, "Au revoir.", "Bonjour le monde !")
    assert not matches_gold(text, ["un", "deux"], ["un"])
