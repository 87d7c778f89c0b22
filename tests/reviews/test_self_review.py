"""A reviewer never reviews their own work, not even an owner on their own project."""

from __future__ import annotations

from sqlalchemy import update

from tasks_service.db import models as m
from tests.harness import API, Api, assert_problem


async def test_own_answers_never_reach_their_author_for_review(api: Api) -> None:
    owner = await api.register("owner")
    job = await api.job_ready(owner, await api.project(owner), b"Good morning.\n\nGood night.\n")
    claim = (await api.claim(owner, job_id=job["id"])).json()
    assert (await api.submit(owner, claim["assignment_id"], "Bonjour.")).status_code == 201
    review = await api.client.post(
        f"{API}/reviews/claim", json={"job_id": job["id"]}, headers=owner
    )
    assert review.status_code == 204  # the only answer in review is the owner's own


async def test_a_verdict_on_ones_own_answer_is_refused(api: Api) -> None:
    owner = await api.register("owner")
    (alice,) = await api.volunteers(1)
    job = await api.job_ready(owner, await api.project(owner), b"Good morning.")
    claim = (await api.claim(alice, job_id=job["id"])).json()
    await api.submit(alice, claim["assignment_id"], "Bonjour.")
    review = (
        await api.client.post(f"{API}/reviews/claim", json={"job_id": job["id"]}, headers=owner)
    ).json()
    # Defence in depth: should the author be the reviewer after all (here by hand), the
    # verdict is refused even though the lease was given.
    async with api.app.state.sessionmaker.begin() as session:
        owner_id = await session.scalar(
            m.Account.__table__.select()
            .with_only_columns(m.Account.id)
            .where(m.Account.username == "owner")
        )
        await session.execute(update(m.Submission).values(account_id=owner_id))
    verdict = await api.client.post(
        f"{API}/review-assignments/{review['review_assignment_id']}/verdict",
        json={"submission_id": review["submissions"][0]["submission_id"], "verdict": "approve"},
        headers=owner,
    )
    assert_problem(verdict, 403, "never reviews their own answer")
