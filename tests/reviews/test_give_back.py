"""A reviewer gives a review back unreviewed: the task is free for the next reviewer at once."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import update

from tasks_service.db import models as m
from tests.harness import API, Api, assert_problem


async def _one_answer_in_review(api: Api) -> tuple[dict[str, str], dict[str, str], int, int]:
    """An owner, a second reviewer of the owner's project, the job, and the answer's task."""
    owner = await api.register("owner")
    author, second = await api.volunteers(2)
    project_id = await api.project(owner)
    added = await api.client.post(
        f"{API}/projects/{project_id}/reviewers", json={"username": "v1"}, headers=owner
    )
    assert added.status_code in (200, 201), added.text
    job = await api.job_ready(owner, project_id, b"Good morning.")
    claim = (await api.claim(author, job_id=job["id"])).json()
    assert (await api.submit(author, claim["assignment_id"], "Bonjour.")).status_code == 201
    return owner, second, job["id"], claim["task"]["id"]


async def _claim_review(api: Api, headers: dict[str, str], job_id: int) -> dict[str, Any]:
    claimed = await api.client.post(
        f"{API}/reviews/claim", json={"job_id": job_id}, headers=headers
    )
    assert claimed.status_code == 200, claimed.text
    body: dict[str, Any] = claimed.json()
    return body


async def test_a_given_back_review_goes_straight_to_the_next_reviewer(api: Api) -> None:
    owner, second, job_id, task_id = await _one_answer_in_review(api)
    lease = await _claim_review(api, owner, job_id)
    # While the owner holds it, nobody else gets it.
    held = await api.client.post(f"{API}/reviews/claim", json={"job_id": job_id}, headers=second)
    assert held.status_code == 204
    url = f"{API}/review-assignments/{lease['review_assignment_id']}/release"
    released = await api.client.post(url, headers=owner)
    assert released.status_code == 204, released.text
    async with api.app.state.sessionmaker() as session:
        row = await session.get(m.ReviewAssignment, lease["review_assignment_id"])
        assert row is not None and row.state == m.ReviewAssignmentState.RELEASED
    taken = await _claim_review(api, second, job_id)
    assert taken["task"]["id"] == task_id

    # Given back once is given back: not again, and no verdict on it afterwards.
    assert_problem(await api.client.post(url, headers=owner), 409, "no longer open")
    submission_id = taken["submissions"][0]["submission_id"]
    late = await api.client.post(
        f"{API}/review-assignments/{lease['review_assignment_id']}/verdict",
        json={"submission_id": submission_id, "verdict": "approve"},
        headers=owner,
    )
    assert_problem(late, 409, "no longer open")


async def test_only_the_reviewer_may_give_back_an_open_review(api: Api) -> None:
    owner, second, job_id, _ = await _one_answer_in_review(api)
    lease = await _claim_review(api, owner, job_id)
    url = f"{API}/review-assignments/{lease['review_assignment_id']}/release"
    assert_problem(await api.client.post(url, headers=second), 403, "is not yours")
    missing = f"{API}/review-assignments/{lease['review_assignment_id'] + 999}/release"
    assert_problem(await api.client.post(missing, headers=owner), 404, "no review assignment")

    # A review whose time ran out is no longer the reviewer's to give back.
    async with api.app.state.sessionmaker.begin() as session:
        await session.execute(
            update(m.ReviewAssignment).values(expires_at=m.utcnow() - timedelta(seconds=1))
        )
    assert_problem(await api.client.post(url, headers=owner), 409, "no longer open")


async def test_a_finished_review_cannot_be_given_back(api: Api) -> None:
    owner, _, job_id, _ = await _one_answer_in_review(api)
    lease = await _claim_review(api, owner, job_id)
    submission_id = lease["submissions"][0]["submission_id"]
    base = f"{API}/review-assignments/{lease['review_assignment_id']}"
    verdict = {"submission_id": submission_id, "verdict": "approve"}
    recorded = await api.client.post(f"{base}/verdict", json=verdict, headers=owner)
    assert recorded.status_code == 201, recorded.text
    assert_problem(await api.client.post(f"{base}/release", headers=owner), 409, "no longer open")
    async with api.app.state.sessionmaker() as session:
        row = await session.get(m.ReviewAssignment, lease["review_assignment_id"])
        assert row is not None and row.state == m.ReviewAssignmentState.DONE
