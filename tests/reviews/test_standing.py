"""Gaming: overturned verdicts close the review queue, alt-account loops and source copies count."""

from __future__ import annotations

from pathlib import Path

import msgspec
import pytest
from sqlalchemy import select, update

from tasks_service.credit.ladder import LevelRule
from tasks_service.db import models as m
from tasks_service.settings import Settings
from tests.harness import API, Api, assert_problem

# Everyone is a reviewer by level here, so the test is about review accuracy alone.
LADDER = (
    LevelRule(0, "newcomer"),
    LevelRule(1, "contributor"),
    LevelRule(2, "regular"),
    LevelRule(3, "reviewer", review_accuracy=0.75),
    LevelRule(4, "co-creator", credit=10**9),
)
FIVE = (
    b"One fine day.\n\nTwo fine days.\n\nThree fine days.\n\nFour fine days.\n\nFive fine days.\n"
)


@pytest.fixture
def settings(settings: Settings, tmp_path: Path) -> Settings:
    path = tmp_path / "levels.json"
    path.write_bytes(msgspec.json.encode(LADDER))
    return msgspec.structs.replace(settings, levels_file=str(path))


async def make_reviewer(api: Api, username: str) -> dict[str, str]:
    headers = await api.register(username)
    async with api.app.state.sessionmaker.begin() as session:
        await session.execute(
            update(m.Account).where(m.Account.username == username).values(level=3)
        )
    return headers


async def answer_all(api: Api, headers: dict[str, str], job_id: int, answer: str | None) -> None:
    """Answer every task the queue gives (``None``: copy the source)."""
    while (claim := await api.claim(headers, job_id=job_id)).status_code == 200:
        body = claim.json()
        text = body["task"]["source"] if answer is None else answer
        assert (await api.submit(headers, body["assignment_id"], text)).status_code == 201
    await api.settle()


async def approve(api: Api, headers: dict[str, str], times: int) -> None:
    for _ in range(times):
        claim = await api.client.post(f"{API}/reviews/claim", json={}, headers=headers)
        assert claim.status_code == 200, claim.text
        body = claim.json()
        verdict = await api.client.post(
            f"{API}/review-assignments/{body['review_assignment_id']}/verdict",
            json={"submission_id": body["submissions"][0]["submission_id"], "verdict": "approve"},
            headers=headers,
        )
        assert verdict.status_code == 201, verdict.text
        await api.settle()


async def test_a_reviewer_whose_approvals_are_overturned_loses_the_queue(api: Api) -> None:
    owner = await api.register("owner")
    (alice,) = await api.volunteers(1)
    rita = await make_reviewer(api, "rita")
    job = await api.job_ready(owner, await api.project(owner), FIVE, reviews_required=1)
    await answer_all(api, alice, job["id"], "Un beau jour.")
    assert await api.review_all(rita, job["id"]) == 5
    await api.settle()
    assert (await api.client.post(f"{API}/reviews/claim", json={}, headers=rita)).status_code == 204

    async with api.app.state.sessionmaker() as session:
        task_ids = list((await session.scalars(select(m.Task.id).order_by(m.Task.id))).all())
    for task_id in task_ids[:2]:
        response = await api.client.post(
            f"{API}/tasks/{task_id}/override",
            json={"answer": "Un jour de plus.", "reason": "the approved answer is wrong"},
            headers=owner,
        )
        assert response.status_code == 201, response.text
    await api.settle()
    response = await api.client.post(f"{API}/reviews/claim", json={}, headers=rita)
    assert_problem(response, 403, "review privileges are paused: 3 of your 5 measured verdicts")
    assert "(60%, 75% needed)" in response.json()["detail"]
    # The alice whose answers were overturned has her accuracy lowered too.
    assert (await api.client.get(f"{API}/me", headers=alice)).json()["accuracy"] == 0.6
    # Owners still review their own projects' work.
    owned = await api.client.post(f"{API}/reviews/claim", json={}, headers=owner)
    assert owned.status_code == 204


GOLD = b"id,text,gold\n1,a barking animal,dog\n2,a howling animal,dog\n3,a growling animal,dog\n"


async def test_approving_ones_own_alt_account_in_a_loop_is_flagged(api: Api) -> None:
    owner = await api.register("owner")
    (alt,) = await api.volunteers(1, prefix="alt")
    rita = await make_reviewer(api, "rita")
    project = await api.project(owner)
    # The alt account shows what it is worth where rita cannot vouch for it: gold tasks.
    labels = await api.job_ready(
        owner,
        project,
        GOLD,
        "rows.csv",
        kind="label",
        choices=["cat", "dog"],
        template="Which animal is {text}?",
        target_language=None,
        reviews_required=0,
    )
    await answer_all(api, alt, labels["id"], "cat")
    job = await api.job_ready(owner, project, FIVE, reviews_required=1)
    await answer_all(api, alt, job["id"], "Un beau jour.")
    await approve(api, rita, 5)
    response = await api.client.post(f"{API}/reviews/claim", json={}, headers=rita)
    body = assert_problem(response, 403, "0 of your 5 measured verdicts")
    assert "5 of your 5 recent verdicts went to alt0, approving 100%" in body["detail"]
    assert "right 0% of the time" in body["detail"]


async def test_an_honest_reviewer_of_one_author_is_not_flagged(api: Api) -> None:
    owner = await api.register("owner")
    (alice,) = await api.volunteers(1)
    rita = await make_reviewer(api, "rita")
    project = await api.project(owner)
    labels = await api.job_ready(
        owner,
        project,
        GOLD,
        "rows.csv",
        kind="label",
        choices=["cat", "dog"],
        template="Which animal is {text}?",
        target_language=None,
        reviews_required=0,
    )
    await answer_all(api, alice, labels["id"], "dog")  # alice is right where measured
    job = await api.job_ready(owner, project, FIVE, reviews_required=1)
    await answer_all(api, alice, job["id"], "Un beau jour.")
    assert await api.review_all(rita, job["id"]) == 5
    await api.settle()
    assert (await api.client.post(f"{API}/reviews/claim", json={}, headers=rita)).status_code == 204


async def test_copies_of_the_source_count_against_accuracy_unless_a_person_approves(
    api: Api,
) -> None:
    owner = await api.register("owner")
    copier, careful = await api.volunteers(2)
    project = await api.project(owner)
    unreviewed = await api.job_ready(owner, project, b"Good morning, friend.", reviews_required=0)
    await answer_all(api, copier, unreviewed["id"], None)
    tasks = (await api.client.get(f"{API}/jobs/{unreviewed['id']}/tasks", headers=owner)).json()
    assert tasks["items"][0]["state"] == "accepted"  # only a warning: the copy got through
    me = (await api.client.get(f"{API}/me", headers=copier)).json()
    assert (me["accepted"], me["accuracy"]) == (1, 0.0)

    reviewed = await api.job_ready(owner, project, b"OK, Google.", reviews_required=1)
    await answer_all(api, careful, reviewed["id"], None)
    assert await api.review_all(owner, reviewed["id"]) == 1  # a person says the copy is right
    await api.settle()
    me = (await api.client.get(f"{API}/me", headers=careful)).json()
    assert (me["accepted"], me["accuracy"]) == (1, 1.0)
