"""Leases: expiry and the reaper, late submissions, release, extend and the open-lease cap."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import update

from tasks_service.db import models as m
from tests.harness import API, Api

DOC = b"One.\n\nTwo.\n\nThree.\n\nFour.\n\nFive.\n"


async def expire(api: Api, assignment_id: int) -> None:
    """Move a lease's expiry into the past, as if the volunteer had vanished."""
    async with api.app.state.sessionmaker.begin() as session:
        await session.execute(
            update(m.Assignment)
            .where(m.Assignment.id == assignment_id)
            .values(expires_at=m.utcnow() - timedelta(seconds=1))
        )


async def assignment_state(api: Api, assignment_id: int) -> str:
    async with api.app.state.sessionmaker() as session:
        assignment = await session.get(m.Assignment, assignment_id)
        assert assignment is not None
        return assignment.state


async def setup_job(api: Api, **spec: object) -> tuple[dict[str, str], dict[str, object]]:
    owner = await api.register("owner")
    project_id = await api.project(owner)
    return owner, await api.job_ready(owner, project_id, DOC, **spec)


async def test_background_reaper_returns_an_expired_lease_within_seconds(api: Api) -> None:
    _, job = await setup_job(api)
    alice, bob = await api.volunteers(2)
    claim = (await api.claim(alice, job_id=job["id"])).json()
    await expire(api, claim["assignment_id"])
    for _ in range(100):  # the in-process reaper runs every 0.2 s in tests
        if await assignment_state(api, claim["assignment_id"]) == "expired":
            break
        await asyncio.sleep(0.05)
    assert await assignment_state(api, claim["assignment_id"]) == "expired"
    # Bob is offered the freed task first (it has the lowest position).
    taken = (await api.claim(bob, job_id=job["id"])).json()
    assert taken["task"]["id"] == claim["task"]["id"]


async def test_late_submission_is_taken_while_the_task_still_needs_an_answer(api: Api) -> None:
    _, job = await setup_job(api)
    (alice,) = await api.volunteers(1)
    claim = (await api.claim(alice, job_id=job["id"])).json()
    await expire(api, claim["assignment_id"])
    await api.settle()  # reaps
    assert await assignment_state(api, claim["assignment_id"]) == "expired"
    response = await api.submit(alice, claim["assignment_id"], "Un.")
    assert response.status_code == 201, response.text
    assert response.json()["late"] is True
    tasks = (
        await api.client.get(f"{API}/jobs/{job['id']}/tasks?state=in_review", headers=alice)
    ).json()
    assert [t["id"] for t in tasks["items"]] == [claim["task"]["id"]]


async def test_late_submission_is_refused_once_someone_else_answered(api: Api) -> None:
    _, job = await setup_job(api)
    alice, bob = await api.volunteers(2)
    claim = (await api.claim(alice, job_id=job["id"])).json()
    await expire(api, claim["assignment_id"])
    await api.settle()
    bobs = (await api.claim(bob, job_id=job["id"])).json()
    assert bobs["task"]["id"] == claim["task"]["id"]
    assert (await api.submit(bob, bobs["assignment_id"], "Un.")).status_code == 201
    late = await api.submit(alice, claim["assignment_id"], "Un aussi.")
    assert late.status_code == 409
    assert "expired" in late.json()["detail"]


async def test_submission_after_expiry_but_before_reaping_keeps_its_slot(api: Api) -> None:
    _, job = await setup_job(api)
    (alice,) = await api.volunteers(1)
    claim = (await api.claim(alice, job_id=job["id"])).json()
    await expire(api, claim["assignment_id"])
    response = await api.submit(alice, claim["assignment_id"], "Un.")
    assert response.status_code == 201
    assert response.json()["late"] is True


async def test_release_returns_the_task_at_once_and_never_to_the_same_volunteer(api: Api) -> None:
    _, job = await setup_job(api)
    alice, bob = await api.volunteers(2)
    claim = (await api.claim(alice, job_id=job["id"])).json()
    released = await api.client.post(
        f"{API}/assignments/{claim['assignment_id']}/release", headers=alice
    )
    assert released.status_code == 204
    assert (await api.claim(bob, job_id=job["id"])).json()["task"]["id"] == claim["task"]["id"]
    again = (await api.claim(alice, job_id=job["id"])).json()
    assert again["task"]["id"] != claim["task"]["id"]
    second_release = await api.client.post(
        f"{API}/assignments/{claim['assignment_id']}/release", headers=alice
    )
    assert second_release.status_code == 409


async def test_extend_renews_the_lease(api: Api) -> None:
    _, job = await setup_job(api, lease_seconds=60)
    (alice,) = await api.volunteers(1)
    claim = (await api.claim(alice, job_id=job["id"])).json()
    assert 55 <= claim["lease_seconds_left"] <= 60
    async with api.app.state.sessionmaker.begin() as session:
        await session.execute(
            update(m.Assignment)
            .where(m.Assignment.id == claim["assignment_id"])
            .values(expires_at=m.utcnow() + timedelta(seconds=5))
        )
    extended = await api.client.post(
        f"{API}/assignments/{claim['assignment_id']}/extend", headers=alice
    )
    assert extended.status_code == 200
    assert extended.json()["lease_seconds_left"] >= 55
    mine = (await api.client.get(f"{API}/me/assignments?state=active", headers=alice)).json()
    assert mine[0]["lease_seconds_left"] >= 55


async def test_open_lease_cap_is_enforced_across_jobs(api: Api) -> None:
    owner, job = await setup_job(api)
    other = await api.job_ready(owner, await api.project(owner, "Other"), DOC)
    (alice,) = await api.volunteers(1)
    cap = api.app.state.settings.max_open_leases
    for n in range(cap):
        scope = job if n % 2 == 0 else other
        assert (await api.claim(alice, job_id=scope["id"])).status_code == 200
    refused = await api.claim(alice)
    assert refused.status_code == 409
    assert f"{cap} open leases" in refused.json()["detail"]


async def test_claim_without_a_matching_language_gets_nothing(api: Api) -> None:
    _, job = await setup_job(api)
    (german,) = await api.volunteers(1, languages=("de",), prefix="de")
    assert (await api.claim(german, job_id=job["id"])).status_code == 204
    assert (await api.claim(german)).status_code == 204
