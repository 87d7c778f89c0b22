"""Which task a claim hands out: eligibility, order and scope (DESIGN.md, the queue)."""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy import update

from tasks_service.db import models as m
from tests.harness import API, Api

DOC = b"One.\n\nTwo.\n\nThree.\n\nFour.\n\nFive.\n\nSix.\n"


async def owner_and_project(api: Api) -> tuple[dict[str, str], int]:
    owner = await api.register("owner")
    return owner, await api.project(owner)


async def claimed_source(api: Api, headers: dict[str, str], **scope: Any) -> str:
    response = await api.claim(headers, **scope)
    assert response.status_code == 200, response.text
    return str(response.json()["task"]["source"])


async def work(api: Api, headers: dict[str, str], **scope: Any) -> str:
    """Claim and answer one task; returns its source."""
    response = await api.claim(headers, **scope)
    assert response.status_code == 200, response.text
    body = response.json()
    submitted = await api.submit(headers, body["assignment_id"], "R " + body["task"]["source"])
    assert submitted.status_code == 201, submitted.text
    return str(body["task"]["source"])


async def set_level(api: Api, level: int) -> None:
    async with api.app.state.sessionmaker.begin() as session:
        await session.execute(
            update(m.Account).where(m.Account.username.like("v%")).values(level=level)
        )


async def test_higher_job_priority_first_then_project_priority(api: Api) -> None:
    owner, first = await owner_and_project(api)
    second = await api.project(owner, "Second")
    await api.job_ready(owner, first, b"Plain.\n")
    await api.job_ready(owner, first, b"Urgent.\n", priority=5)
    await api.job_ready(owner, second, b"Favoured.\n")
    async with api.app.state.sessionmaker.begin() as session:
        await session.execute(update(m.Project).where(m.Project.id == second).values(priority=3))
    crowd = await api.volunteers(3)
    assert [await claimed_source(api, h) for h in crowd] == ["Urgent.", "Favoured.", "Plain."]


async def test_depth_first_finishes_started_tasks_and_breadth_first_starts_new_ones(
    api: Api,
) -> None:
    owner, project_id = await owner_and_project(api)
    depth = await api.job_ready(owner, project_id, DOC, redundancy=2)
    breadth = await api.job_ready(owner, project_id, DOC, redundancy=2, ordering="breadth_first")
    alice, bob = await api.volunteers(2)
    for job in (depth, breadth):
        await work(api, alice, job_id=job["id"])  # "One." now needs one answer more
    assert await claimed_source(api, bob, job_id=depth["id"]) == "One."
    assert await claimed_source(api, bob, job_id=breadth["id"]) == "Two."


async def test_continuity_the_unit_after_the_last_one_finished_comes_next(api: Api) -> None:
    owner, project_id = await owner_and_project(api)
    job = await api.job_ready(owner, project_id, DOC)
    alice, bob, carol = await api.volunteers(3)
    held = (await api.claim(bob, job_id=job["id"])).json()  # Bob holds "One."
    assert await work(api, alice, job_id=job["id"]) == "Two."
    released = await api.client.post(
        f"{API}/assignments/{held['assignment_id']}/release", headers=bob
    )
    assert released.status_code == 204
    # "One." is free again and first in the document, but Alice goes on after "Two.".
    assert await work(api, alice, job_id=job["id"]) == "Three."
    assert await claimed_source(api, carol, job_id=job["id"]) == "One."


async def test_continuity_does_not_override_depth_first(api: Api) -> None:
    owner, project_id = await owner_and_project(api)
    job = await api.job_ready(owner, project_id, DOC, redundancy=2)
    (bob,) = await api.volunteers(1)
    assert await work(api, bob, job_id=job["id"]) == "One."
    assert await work(api, bob, job_id=job["id"]) == "Two."
    async with api.app.state.sessionmaker.begin() as session:  # as if someone answered it
        await session.execute(
            update(m.Task)
            .where(m.Task.job_id == job["id"], m.Task.source == "Five.")
            .values(open_slots=1, answers=1)
        )
    # "Five." is closer to done than the continuation "Three.", so it comes first.
    assert await work(api, bob, job_id=job["id"]) == "Five."


async def test_scoped_claims_stay_in_their_job_or_project(api: Api) -> None:
    owner, first = await owner_and_project(api)
    second = await api.project(owner, "Second")
    top = await api.job_ready(owner, first, b"Top.\n", priority=9)
    other = await api.job_ready(owner, second, b"Other.\n\nOther two.\n")
    alice, bob, carol = await api.volunteers(3)
    assert await claimed_source(api, alice) == "Top."  # global: the best job anywhere
    assert await claimed_source(api, bob, project_id=second) == "Other."
    assert await claimed_source(api, carol, job_id=other["id"]) == "Other two."
    assert (await api.claim(carol, job_id=top["id"])).status_code == 204  # Alice holds it
    unknown = await api.claim(carol, job_id=top["id"] + 100)
    assert unknown.status_code == 404


async def test_minimum_level_keeps_hard_tasks_for_regulars(api: Api) -> None:
    owner, project_id = await owner_and_project(api)
    hard = await api.job_ready(owner, project_id, b"Hard.\n", min_level=2)
    (volunteer,) = await api.volunteers(1)
    await set_level(api, 1)
    assert (await api.claim(volunteer, job_id=hard["id"])).status_code == 204
    assert (await api.claim(volunteer)).status_code == 204
    await set_level(api, 2)
    assert await claimed_source(api, volunteer) == "Hard."


async def test_cancelled_job_and_tasks_in_review_give_nothing(api: Api) -> None:
    owner, project_id = await owner_and_project(api)
    await api.job_ready(owner, project_id, b"Only.\n")
    cancelled = await api.job_ready(owner, project_id, b"Gone.\n", priority=5)
    alice, bob = await api.volunteers(2)
    cancel = await api.client.post(f"{API}/jobs/{cancelled['id']}/cancel", headers=owner)
    assert cancel.status_code == 200
    assert await work(api, alice) == "Only."  # the task is in review now (redundancy 1)
    assert (await api.claim(bob)).status_code == 204


async def test_redundancy_counts_leases_and_answers_and_no_one_gets_a_task_twice(
    api: Api,
) -> None:
    owner, project_id = await owner_and_project(api)
    job = await api.job_ready(owner, project_id, b"Only.\n", redundancy=2)
    alice, bob, carol = await api.volunteers(3)
    await work(api, alice, job_id=job["id"])
    assert (await api.claim(alice, job_id=job["id"])).status_code == 204  # answered it already
    assert await claimed_source(api, bob, job_id=job["id"]) == "Only."  # one answer + one lease
    assert (await api.claim(carol, job_id=job["id"])).status_code == 204


async def test_simultaneous_claims_of_one_volunteer_never_pass_the_lease_cap(api: Api) -> None:
    owner, project_id = await owner_and_project(api)
    job = await api.job_ready(owner, project_id, DOC + DOC.replace(b".", b"!"))
    (alice,) = await api.volunteers(1)
    cap = api.app.state.settings.max_open_leases
    answers = await asyncio.gather(*(api.claim(alice, job_id=job["id"]) for _ in range(cap + 4)))
    codes = sorted(a.status_code for a in answers)
    assert codes == [200] * cap + [409] * 4
    mine = (await api.client.get(f"{API}/me/assignments?state=active", headers=alice)).json()
    assert len(mine) == cap


async def test_extend_after_expiry_is_refused_and_the_lease_length_comes_from_the_job(
    api: Api,
) -> None:
    owner, project_id = await owner_and_project(api)
    job = await api.job_ready(owner, project_id, DOC, lease_seconds=300)
    (alice,) = await api.volunteers(1)
    claim = (await api.claim(alice, job_id=job["id"])).json()
    assert 295 <= claim["lease_seconds_left"] <= 300
    async with api.app.state.sessionmaker.begin() as session:
        await session.execute(
            update(m.Assignment)
            .where(m.Assignment.id == claim["assignment_id"])
            .values(expires_at=m.utcnow())
        )
    extended = await api.client.post(
        f"{API}/assignments/{claim['assignment_id']}/extend", headers=alice
    )
    assert extended.status_code == 409
    assert "expired" in extended.json()["detail"]
