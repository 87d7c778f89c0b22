"""Requests the service must refuse, and the lifecycle refusals of leases and jobs.

Each refusal is a problem document that says what is wrong, and changes nothing: no second
submission, no account or project half made, no profile field set, no lease revived.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import update

from tasks_service.db import models as m
from tests.harness import API, PASSWORD, Api, assert_problem, leases, submissions

TEXT = b"First paragraph.\n\nSecond paragraph.\n"
BEYOND_INT64 = 2**63


def error_messages(body: dict[str, Any]) -> str:
    return " ".join(error["message"] for error in body.get("errors", []))


async def two_task_job(api: Api) -> tuple[dict[str, str], dict[str, str], dict[str, Any]]:
    """An owner, a volunteer (alice) and an open job of the owner's with two tasks."""
    owner = await api.register("owner")
    job = await api.job_ready(owner, await api.project(owner), TEXT)
    assert job["tasks_total"] == 2
    return owner, await api.register("alice"), job


async def claim(api: Api, headers: dict[str, str], job_id: int) -> dict[str, Any]:
    response = await api.claim(headers, job_id=job_id)
    assert response.status_code == 200, response.text
    return dict(response.json())


async def answered(api: Api) -> tuple[dict[str, str], dict[str, str], int, int]:
    """Alice's answer to one task, and the owner's review lease on it.

    Returns (owner, alice, submission id, review assignment id).
    """
    owner, alice, job = await two_task_job(api)
    lease = await claim(api, alice, job["id"])
    submitted = await api.submit(alice, lease["assignment_id"], "Premier paragraphe.")
    assert submitted.status_code == 201, submitted.text
    review = await api.client.post(f"{API}/reviews/claim", json={}, headers=owner)
    assert review.status_code == 200, review.text
    return owner, alice, submitted.json()["submission_id"], review.json()["review_assignment_id"]


async def test_second_submit_on_one_assignment_is_409(api: Api) -> None:
    """An assignment takes one answer; a second is refused and the first stays the only one."""
    _, alice, job = await two_task_job(api)
    lease = await claim(api, alice, job["id"])
    first = await api.submit(alice, lease["assignment_id"], "Premier paragraphe.")
    assert first.status_code == 201, first.text
    again = await api.submit(alice, lease["assignment_id"], "Autre chose.")
    assert_problem(again, 409, "already submitted")
    assert [(s["submission_id"], s["answer"]) for s in await submissions(api, alice)] == [
        (first.json()["submission_id"], "Premier paragraphe.")
    ]


async def test_repeated_idempotency_key_returns_the_first_submission(api: Api) -> None:
    """The same Idempotency-Key again answers 201 with the first submission, adding none."""
    _, alice, job = await two_task_job(api)
    lease = await claim(api, alice, job["id"])
    first = await api.submit(alice, lease["assignment_id"], "Premier paragraphe.", key="k-1")
    again = await api.submit(alice, lease["assignment_id"], "Autre chose.", key="k-1")
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json()["submission_id"] == first.json()["submission_id"]
    assert [s["answer"] for s in await submissions(api, alice)] == ["Premier paragraphe."]


async def test_idempotency_key_reused_on_another_assignment_is_409(api: Api) -> None:
    """A key names one submission: on another assignment it is refused, and that lease kept."""
    _, alice, job = await two_task_job(api)
    first_lease = await claim(api, alice, job["id"])
    second_lease = await claim(api, alice, job["id"])
    first = await api.submit(alice, first_lease["assignment_id"], "Un paragraphe.", key="k-1")
    assert first.status_code == 201, first.text
    reused = await api.submit(alice, second_lease["assignment_id"], "Un autre.", key="k-1")
    assert_problem(reused, 409, "Idempotency-Key was already used for another assignment")
    assert [s["submission_id"] for s in await submissions(api, alice)] == [
        first.json()["submission_id"]
    ]
    states = {a["assignment_id"]: a["state"] for a in await leases(api, alice)}
    assert states[second_lease["assignment_id"]] == "active"


@pytest.mark.parametrize(
    ("verdict", "fragment"),
    [
        pytest.param({"verdict": "reject"}, "a rejection needs a reason", id="reject-no-reason"),
        pytest.param(
            {"verdict": "reject", "reason": "  "}, "a rejection needs a reason", id="reject-blank"
        ),
        pytest.param({"verdict": "edit"}, "an edit needs the corrected text", id="edit-no-text"),
    ],
)
async def test_incomplete_verdict_is_422_and_decides_nothing(
    api: Api, verdict: dict[str, str], fragment: str
) -> None:
    """A rejection needs a reason, an edit its text; until then the answer stays pending."""
    owner, alice, submission_id, lease_id = await answered(api)
    url = f"{API}/review-assignments/{lease_id}/verdict"
    response = await api.client.post(
        url, json={"submission_id": submission_id, **verdict}, headers=owner
    )
    assert_problem(response, 422, fragment)
    await api.settle()
    assert [s["status"] for s in await submissions(api, alice)] == ["pending"]
    approve = {"submission_id": submission_id, "verdict": "approve"}
    assert (await api.client.post(url, json=approve, headers=owner)).status_code == 201


async def test_registration_with_a_level_is_422_and_creates_no_account(api: Api) -> None:
    """Nobody registers at a level of their choosing; the refused account does not exist."""
    account = {"username": "climber", "password": PASSWORD, "languages": ["fr"]}
    response = await api.client.post(f"{API}/accounts", json={**account, "level": 5})
    body = assert_problem(response, 422, "unknown field")
    assert "unknown field `level`" in error_messages(body)
    login = {"username": "climber", "password": PASSWORD}
    assert (await api.client.post(f"{API}/auth/tokens", json=login)).status_code == 401
    created = await api.client.post(f"{API}/accounts", json=account)
    assert (created.status_code, created.json()["level"]) == (201, 0)


@pytest.mark.parametrize(("field", "value"), [("level", 4), ("credit", 10_000)])
async def test_profile_update_setting_level_or_credit_is_422(
    api: Api, field: str, value: int
) -> None:
    """PATCH /me refuses fields a volunteer may not set, and applies none of the request."""
    alice = await api.register("alice")
    patch = {"languages": ["de"], field: value}
    response = await api.client.patch(f"{API}/me", json=patch, headers=alice)
    body = assert_problem(response, 422, "unknown field")
    assert f"unknown field `{field}`" in error_messages(body)
    me = (await api.client.get(f"{API}/me", headers=alice)).json()
    assert (me["level"], me["credit"], me["languages"]) == (0, 0, ["en", "fr"])


async def test_claim_with_an_unknown_field_is_422_and_leases_nothing(api: Api) -> None:
    """A claim with a key the queue does not know is refused, not half understood."""
    _, alice, job = await two_task_job(api)
    response = await api.claim(alice, job_id=job["id"], urgent=True)
    body = assert_problem(response, 422, "unknown field")
    assert "unknown field `urgent`" in error_messages(body)
    assert await leases(api, alice) == []


async def test_project_with_an_owner_field_is_422_and_creates_no_project(api: Api) -> None:
    """The caller owns the projects they create; naming another owner is refused."""
    alice = await api.register("alice")
    response = await api.client.post(
        f"{API}/projects", json={"name": "Docs", "owner": 1}, headers=alice
    )
    body = assert_problem(response, 422, "unknown field")
    assert "unknown field `owner`" in error_messages(body)
    assert (await api.client.get(f"{API}/projects", headers=alice)).json()["items"] == []


async def test_validation_problem_detail_names_the_unknown_field(api: Api) -> None:
    """API.md: a 4xx comes with a message that says what is wrong, so `detail` names the field."""
    body = {"username": "climber", "password": PASSWORD, "level": 5}
    response = await api.client.post(f"{API}/accounts", json=body)
    assert_problem(response, 422, "level")


@pytest.mark.parametrize(
    ("password", "fragment"),
    [
        ("short1!", "at least 10 characters"),
        ("abababababab", "at least 5 different characters"),
        ("my name is newcomer!", "must not contain the username"),
    ],
)
async def test_weak_password_is_422_saying_why(api: Api, password: str, fragment: str) -> None:
    """A weak password is refused with the reason, and the username stays free."""
    account = {"username": "newcomer", "languages": ["fr"]}
    response = await api.client.post(f"{API}/accounts", json={**account, "password": password})
    body = assert_problem(response, 422, "weak password")
    assert fragment in body["detail"]
    created = await api.client.post(f"{API}/accounts", json={**account, "password": PASSWORD})
    assert created.status_code == 201, created.text


async def test_username_taken_in_another_case_is_409(api: Api) -> None:
    """Usernames are unique regardless of case; the first account keeps its password."""
    await api.register("Alice")
    other = "another good passphrase"
    response = await api.client.post(
        f"{API}/accounts", json={"username": "aLICE", "password": other, "languages": []}
    )
    assert_problem(response, 409, "'aLICE' is taken")
    login = f"{API}/auth/tokens"
    assert (
        await api.client.post(login, json={"username": "alice", "password": other})
    ).status_code == 401
    assert (
        await api.client.post(login, json={"username": "alice", "password": PASSWORD})
    ).status_code == 201


async def test_cancel_ends_open_leases_and_keeps_accepted_work(api: Api) -> None:
    """Cancelling ends the open lease (its submit is then 409); accepted work stays."""
    owner, alice, job = await two_task_job(api)
    done = await claim(api, alice, job["id"])
    assert done["task"]["source"] == "First paragraph."
    assert (await api.submit(alice, done["assignment_id"], "Premier.")).status_code == 201
    assert await api.review_all(owner, job["id"]) == 1
    await api.settle()
    open_lease = await claim(api, alice, job["id"])

    cancelled = await api.client.post(f"{API}/jobs/{job['id']}/cancel", headers=owner)
    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["status"] == "cancelled"
    assert cancelled.json()["tasks_by_state"]["accepted"] == 1
    states = {a["assignment_id"]: a["state"] for a in await leases(api, alice)}
    assert states[open_lease["assignment_id"]] != "active"
    late = await api.submit(alice, open_lease["assignment_id"], "Deuxième.")
    assert_problem(late, 409, "cancelled")
    result = await api.client.get(f"{API}/jobs/{job['id']}/result?partial=true", headers=owner)
    assert result.status_code == 200, result.text
    assert result.text == "Premier.\n\nSecond paragraph.\n"


async def test_extend_after_the_lease_expired_is_409(api: Api) -> None:
    """An expired lease cannot be extended back to life."""
    _, alice, job = await two_task_job(api)
    lease = await claim(api, alice, job["id"])
    past = m.utcnow() - timedelta(minutes=1)
    async with api.app.state.sessionmaker() as session, session.begin():
        await session.execute(
            update(m.Assignment)
            .where(m.Assignment.id == lease["assignment_id"])
            .values(expires_at=past)
        )
    response = await api.client.post(
        f"{API}/assignments/{lease['assignment_id']}/extend", headers=alice
    )
    assert_problem(response, 409, "expired")
    [after] = await leases(api, alice)
    assert datetime.fromisoformat(after["lease_expires_at"]) <= past + timedelta(seconds=1)
    assert after["lease_seconds_left"] == 0


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", f"/jobs/{BEYOND_INT64}", None),
        ("GET", f"/projects/{BEYOND_INT64}", None),
        ("POST", "/tasks/claim", {"job_id": BEYOND_INT64}),
        ("GET", f"/leaderboard?project_id={BEYOND_INT64}", None),
    ],
    ids=["job-path", "project-path", "claim-body", "leaderboard-query"],
)
async def test_id_beyond_64_bits_is_a_4xx_not_a_500(
    api: Api, method: str, path: str, body: dict[str, int] | None
) -> None:
    """API.md: never a 500 for bad input; an id no row can have is simply not found."""
    alice = await api.register("alice")
    response = await api.client.request(method, f"{API}{path}", json=body, headers=alice)
    assert response.status_code in {404, 422}, response.text
    assert response.headers["content-type"].startswith("application/problem+json")


@pytest.mark.postgres_only
@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", "/auth/tokens", {"username": "al\x00ice", "password": PASSWORD}),
        ("POST", "/projects", {"name": "Do\x00cs"}),
        ("PATCH", "/me", {"display_name": "Al\x00ice"}),
        ("GET", "/contributors/al%00ice", None),
    ],
    ids=["login", "project-name", "display-name", "contributor-path"],
)
async def test_nul_character_in_a_string_is_not_a_500(
    api: Api, method: str, path: str, body: dict[str, str] | None
) -> None:
    """API.md: never a 500 for bad input; a NUL in a field is stored or refused with a 4xx."""
    alice = await api.register("alice")
    response = await api.client.request(method, f"{API}{path}", json=body, headers=alice)
    assert response.status_code < 500, response.text


@pytest.mark.postgres_only
async def test_nul_character_in_an_answer_is_not_a_500(api: Api) -> None:
    """An answer with a NUL is refused with a 4xx (or taken), never a 500."""
    _, alice, job = await two_task_job(api)
    lease = await claim(api, alice, job["id"])
    response = await api.submit(alice, lease["assignment_id"], "Premier\x00 paragraphe.")
    assert response.status_code < 500, response.text
