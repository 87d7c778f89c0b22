"""Owner overrides and co-creators' corrections: logged, credited by appending, in the result."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select, update

from tasks_service.db import models as m
from tests.harness import API, Api, assert_problem


async def settled_by_consensus(api: Api) -> tuple[dict[str, str], dict[str, Any], list[Any]]:
    """Two close answers to one task, one of them accepted; returns (owner, job, subs)."""
    owner = await api.register("owner")
    alice, bob = await api.volunteers(2)
    job = await api.job_ready(
        owner, await api.project(owner), b"Good morning.", redundancy=2, reviews_required=0
    )
    for headers, answer in ((alice, "Bonjour."), (bob, "Bonjour !")):
        claim = (await api.claim(headers, job_id=job["id"])).json()
        assert (await api.submit(headers, claim["assignment_id"], answer)).status_code == 201
    await api.settle()
    tasks = (await api.client.get(f"{API}/jobs/{job['id']}/tasks", headers=owner)).json()
    assert tasks["items"][0]["state"] == "accepted"
    async with api.app.state.sessionmaker() as session:
        subs = list((await session.scalars(select(m.Submission).order_by(m.Submission.id))).all())
    return owner, job, subs


async def net_credit(api: Api) -> dict[str, int]:
    async with api.app.state.sessionmaker() as session:
        rows = await session.execute(
            select(m.Account.username, m.CreditEntry.amount).join(
                m.Account, m.Account.id == m.CreditEntry.account_id
            )
        )
        totals: dict[str, int] = {}
        for name, amount in rows:
            totals[name] = totals.get(name, 0) + amount
        return totals


async def reasons(api: Api) -> list[str]:
    async with api.app.state.sessionmaker() as session:
        return list(
            (await session.scalars(select(m.CreditEntry.reason).order_by(m.CreditEntry.id))).all()
        )


async def test_override_moves_the_decision_and_its_credit_by_appending(api: Api) -> None:
    owner, job, subs = await settled_by_consensus(api)
    task_id = subs[0].task_id
    accepted = next(s for s in subs if s.status == "accepted")
    other = next(s for s in subs if s.status != "accepted")
    before = await net_credit(api)
    assert before[f"v{accepted.account_id - 2}"] > 0 and f"v{other.account_id - 2}" not in before

    url = f"{API}/tasks/{task_id}/override"
    response = await api.client.post(
        url, json={"submission_id": other.id, "reason": "closer to the style guide"}, headers=owner
    )
    assert response.status_code == 201, response.text
    entry = response.json()
    assert (entry["action"], entry["actor"], entry["old_submission_id"]) == (
        "override",
        "owner",
        accepted.id,
    )
    assert (entry["old_answer"], entry["new_answer"]) == (accepted.answer, other.answer)
    await api.settle()
    moved = await net_credit(api)
    assert moved[f"v{accepted.account_id - 2}"] == 0
    assert moved[f"v{other.account_id - 2}"] == before[f"v{accepted.account_id - 2}"]
    assert (await reasons(api))[-2:] == ["reversal", "accepted_answer"]

    result = await api.client.get(f"{API}/jobs/{job['id']}/result", headers=owner)
    assert result.text == other.answer
    credits = (await api.client.get(f"{API}/jobs/{job['id']}/credits", headers=owner)).json()
    assert [c["username"] for c in credits] == [f"v{other.account_id - 2}"]
    export = [
        json.loads(line)
        for line in (
            await api.client.get(f"{API}/jobs/{job['id']}/export", headers=owner)
        ).text.splitlines()
    ]
    assert export[0]["accepted_answer"] == other.answer
    assert [d["reason"] for d in export[0]["decisions"]] == ["closer to the style guide"]

    # Back again: the first author's credit is reinstated, the second's reversed.
    back = await api.client.post(
        url, json={"submission_id": accepted.id, "reason": "on second thought"}, headers=owner
    )
    assert back.status_code == 201, back.text
    await api.settle()
    assert {k: v for k, v in (await net_credit(api)).items() if v} == before
    assert (await reasons(api))[-2:] == ["reinstated", "reversal"]
    # Replayed credit jobs (a worker killed before marking them done) add nothing.
    ledger = await reasons(api)
    async with api.app.state.sessionmaker.begin() as session:
        await session.execute(
            update(m.OutboxMessage)
            .where(m.OutboxMessage.topic == "credit")
            .values(done_at=None, available_at=m.utcnow())
        )
    await api.settle()
    assert await reasons(api) == ledger
    log = (await api.client.get(f"{API}/jobs/{job['id']}/audit", headers=owner)).json()
    assert [(e["new_submission_id"], e["reason"]) for e in log["items"]] == [
        (other.id, "closer to the style guide"),
        (accepted.id, "on second thought"),
    ]


async def test_override_with_the_owners_own_answer(api: Api) -> None:
    owner, job, subs = await settled_by_consensus(api)
    response = await api.client.post(
        f"{API}/tasks/{subs[0].task_id}/override",
        json={"answer": "Bonjour à tous.", "reason": "both missed the greeting"},
        headers=owner,
    )
    assert response.status_code == 201, response.text
    await api.settle()
    assert (await api.client.get(f"{API}/jobs/{job['id']}/result", headers=owner)).text == (
        "Bonjour à tous."
    )
    assert set((await net_credit(api)).values()) == {0}  # the author's credit is reversed
    mine = (await api.client.get(f"{API}/me/submissions", headers=owner)).json()
    assert mine["items"] == []


async def test_override_is_for_owners_with_a_reason_and_a_valid_answer(api: Api) -> None:
    owner, _, subs = await settled_by_consensus(api)
    url = f"{API}/tasks/{subs[0].task_id}/override"
    stranger = await api.register("stranger")
    response = await api.client.post(
        url, json={"submission_id": subs[1].id, "reason": "mine"}, headers=stranger
    )
    assert_problem(response, 403, "only an owner")
    response = await api.client.post(url, json={"submission_id": subs[1].id}, headers=owner)
    assert_problem(response, 422, "reason")
    response = await api.client.post(
        url, json={"submission_id": subs[1].id, "reason": "   "}, headers=owner
    )
    assert_problem(response, 422, "a reason is required")
    response = await api.client.post(
        url, json={"submission_id": subs[1].id, "answer": "Salut.", "reason": "x"}, headers=owner
    )
    assert_problem(response, 422, "either submission_id")
    response = await api.client.post(url, json={"answer": " ", "reason": "x"}, headers=owner)
    assert_problem(response, 422, "the answer is empty")
    response = await api.client.post(
        f"{API}/tasks/999/override", json={"answer": "Salut.", "reason": "x"}, headers=owner
    )
    assert_problem(response, 404, "no task 999")
    log = await api.client.get(f"{API}/jobs/{subs[0].job_id}/audit", headers=stranger)
    assert_problem(log, 403, "only an owner")
    assert (await api.client.get(f"{API}/jobs/{subs[0].job_id}/audit", headers=owner)).json()[
        "items"
    ] == []


async def test_co_creators_correct_accepted_pieces(api: Api) -> None:
    owner, job, subs = await settled_by_consensus(api)
    carol = await api.register("carol")
    url = f"{API}/tasks/{subs[0].task_id}/corrections"
    body = {"text": "Bonjour à vous.", "reason": "more polite"}
    assert_problem(
        await api.client.post(url, json=body, headers=carol), 403, "needs co-creator level"
    )
    async with api.app.state.sessionmaker.begin() as session:
        await session.execute(
            update(m.Account).where(m.Account.username == "carol").values(level=4)
        )
    assert_problem(
        await api.client.post(url, json={"text": "", "reason": "x"}, headers=carol),
        422,
        "the answer is empty",
    )
    response = await api.client.post(url, json=body, headers=carol)
    assert response.status_code == 201, response.text
    assert response.json()["action"] == "correction"
    await api.settle()
    assert (await api.client.get(f"{API}/jobs/{job['id']}/result", headers=owner)).text == (
        "Bonjour à vous."
    )
    assert "correction" in await reasons(api)
    assert (await net_credit(api))["carol"] > 0
    # Carol's level was set by hand, without the record behind it: the credit recomputed it.
    assert (await api.client.get(f"{API}/me", headers=carol)).json()["level"] == 0
    async with api.app.state.sessionmaker.begin() as session:
        await session.execute(
            update(m.Account).where(m.Account.username == "carol").values(level=4)
        )
    again = await api.client.post(url, json={**body, "text": "Salut."}, headers=carol)
    assert_problem(again, 409, "you corrected task")
    log = (await api.client.get(f"{API}/jobs/{job['id']}/audit", headers=owner)).json()
    assert [(e["action"], e["actor"], e["new_answer"]) for e in log["items"]] == [
        ("correction", "carol", "Bonjour à vous.")
    ]


async def test_only_accepted_pieces_can_be_corrected(api: Api) -> None:
    owner = await api.register("owner")
    (alice,) = await api.volunteers(1)
    job = await api.job_ready(owner, await api.project(owner), b"Good morning.")
    claim = (await api.claim(alice, job_id=job["id"])).json()
    await api.submit(alice, claim["assignment_id"], "Bonjour.")
    await api.settle()
    response = await api.client.post(
        f"{API}/tasks/{claim['task']['id']}/corrections",
        json={"text": "Salut.", "reason": "x"},
        headers=owner,  # owners override; correcting is the co-creators' privilege
    )
    assert_problem(response, 403, "co-creator")
    async with api.app.state.sessionmaker.begin() as session:
        await session.execute(
            update(m.Account).where(m.Account.username == "owner").values(level=4)
        )
    response = await api.client.post(
        f"{API}/tasks/{claim['task']['id']}/corrections",
        json={"text": "Salut.", "reason": "x"},
        headers=owner,
    )
    assert_problem(response, 409, "only accepted pieces")


async def test_overriding_a_rejection_accepts_the_answer_and_completes_the_job(api: Api) -> None:
    owner = await api.register("owner")
    (alice,) = await api.volunteers(1)
    job = await api.job_ready(owner, await api.project(owner), b"Good morning.")
    claim = (await api.claim(alice, job_id=job["id"])).json()
    await api.submit(alice, claim["assignment_id"], "Bonjour.")
    assert await api.review_all(owner, job["id"], verdict="reject") == 1
    await api.settle()
    [rejected] = (await api.client.get(f"{API}/me/submissions", headers=alice)).json()["items"]
    assert rejected["status"] == "rejected"

    response = await api.client.post(
        f"{API}/tasks/{claim['task']['id']}/override",
        json={"submission_id": rejected["submission_id"], "reason": "the rejection was wrong"},
        headers=owner,
    )
    assert response.status_code == 201, response.text
    assert response.json()["old_state"] == "open"
    await api.settle()
    view = (await api.client.get(f"{API}/jobs/{job['id']}", headers=owner)).json()
    assert view["status"] == "complete"
    assert (await api.client.get(f"{API}/jobs/{job['id']}/result", headers=owner)).text == (
        "Bonjour."
    )
    me = (await api.client.get(f"{API}/me", headers=alice)).json()
    assert (me["accepted"], me["accuracy"], me["credit"]) == (1, 1.0, 2)
