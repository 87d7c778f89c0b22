"""Who may do what: tokens, other people's leases and reviews, private projects, cancelling.

Each refusal is a problem document that says what is wrong, and leaves everything as it was:
the owner's lease still active, the submission still waiting for review, the job still open.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.harness import API, Api, assert_problem, leases, submissions

TEXT = b"Hello world.\n"


async def one_task_job(api: Api, content: bytes = TEXT, **project: Any) -> tuple[Any, ...]:
    """An owner, and a job of theirs with one open task; returns (owner, project id, job)."""
    owner = await api.register("owner")
    project_id = await api.project(owner, **project)
    job = await api.job_ready(owner, project_id, content)
    assert job["tasks_total"] == 1
    return owner, project_id, job


async def leased(api: Api) -> tuple[Any, ...]:
    """The job above with its task leased to alice; returns (owner, alice, job, lease)."""
    owner, _, job = await one_task_job(api)
    alice = await api.register("alice")
    claim = await api.claim(alice, job_id=job["id"])
    assert claim.status_code == 200, claim.text
    return owner, alice, job, claim.json()


async def in_review(api: Api) -> tuple[Any, ...]:
    """Alice's answer waiting for review; returns (owner, alice, job, submission id)."""
    owner, alice, job, lease = await leased(api)
    submitted = await api.submit(alice, lease["assignment_id"], "Bonjour le monde.")
    assert submitted.status_code == 201, submitted.text
    return owner, alice, job, submitted.json()["submission_id"]


@pytest.mark.parametrize(
    "authorization",
    [None, "Bearer not-a-token-we-gave-out", "Basic b3duZXI6c2VjcmV0"],
    ids=["no-header", "unknown-token", "not-bearer"],
)
async def test_claim_without_a_valid_token_is_401(api: Api, authorization: str | None) -> None:
    """The queue hands out nothing without a valid bearer token; the task stays open."""
    _, _, job = await one_task_job(api)
    headers = {"Authorization": authorization} if authorization else {}
    response = await api.client.post(f"{API}/tasks/claim", json={}, headers=headers)
    assert_problem(response, 401, "token")
    assert response.headers["www-authenticate"] == "Bearer"
    alice = await api.register("alice")
    assert (await api.claim(alice, job_id=job["id"])).status_code == 200


async def test_revoked_token_is_401(api: Api) -> None:
    """DELETE /auth/tokens/current makes that token stop working at once."""
    _, _, job = await one_task_job(api)
    alice = await api.register("alice")
    revoked = await api.client.delete(f"{API}/auth/tokens/current", headers=alice)
    assert revoked.status_code == 204
    assert_problem(await api.claim(alice, job_id=job["id"]), 401, "revoked")
    assert_problem(await api.client.get(f"{API}/me", headers=alice), 401, "revoked")


@pytest.mark.parametrize("action", ["submit", "release", "extend"])
async def test_someone_elses_lease_is_403_and_stays_active(api: Api, action: str) -> None:
    """Nobody but the holder can submit, release or extend a lease; the holder's is untouched."""
    _, alice, job, lease = await leased(api)
    mallory = await api.register("mallory")
    response = await api.client.post(
        f"{API}/assignments/{lease['assignment_id']}/{action}",
        json={"answer": "Salut."} if action == "submit" else None,
        headers=mallory,
    )
    assert_problem(response, 403, f"assignment {lease['assignment_id']} is not yours")

    [still] = await leases(api, alice)
    assert (still["assignment_id"], still["state"]) == (lease["assignment_id"], "active")
    assert still["lease_expires_at"] == lease["lease_expires_at"]  # not extended
    assert await submissions(api, mallory) == []
    assert await submissions(api, alice) == []
    assert (await api.claim(mallory, job_id=job["id"])).status_code == 204  # not released
    assert (await api.submit(alice, lease["assignment_id"], "Bonjour.")).status_code == 201


@pytest.mark.parametrize("scoped", [True, False], ids=["job-scoped", "unscoped"])
async def test_plain_volunteer_claiming_a_review_is_403(api: Api, scoped: bool) -> None:
    """The review queue needs reviewer level or ownership; a refused claim leases nothing."""
    owner, _, job, submission_id = await in_review(api)
    bob = await api.register("bob")
    scope = {"job_id": job["id"]} if scoped else {}
    response = await api.client.post(f"{API}/reviews/claim", json=scope, headers=bob)
    assert_problem(response, 403, "reviewer level")

    review = await api.client.post(f"{API}/reviews/claim", json=scope, headers=owner)
    assert review.status_code == 200, review.text
    assert [s["submission_id"] for s in review.json()["submissions"]] == [submission_id]


@pytest.mark.parametrize("intruder_owns_a_project", [False, True], ids=["volunteer", "reviewer"])
async def test_verdict_on_someone_elses_review_is_403(
    api: Api, intruder_owns_a_project: bool
) -> None:
    """Only the reviewer holding a review assignment may give its verdict."""
    owner, alice, job, submission_id = await in_review(api)
    scope = {"job_id": job["id"]}
    review = await api.client.post(f"{API}/reviews/claim", json=scope, headers=owner)
    assert review.status_code == 200, review.text
    lease_id = review.json()["review_assignment_id"]
    intruder = await api.register("intruder")
    if intruder_owns_a_project:  # owners review their own projects' work
        await api.project(intruder, name="Elsewhere")
    verdict = {"submission_id": submission_id, "verdict": "approve"}
    url = f"{API}/review-assignments/{lease_id}/verdict"
    response = await api.client.post(url, json=verdict, headers=intruder)
    assert_problem(response, 403, f"review assignment {lease_id} is not yours")

    await api.settle()
    assert [s["status"] for s in await submissions(api, alice)] == ["pending"]
    assert (await api.client.post(url, json=verdict, headers=owner)).status_code == 201


@pytest.mark.parametrize("path", ["", "/result?partial=true", "/credits", "/tasks", "/export"])
async def test_private_job_is_404_for_a_non_member(api: Api, path: str) -> None:
    """A private project's jobs do not exist for outsiders, not even as a 403."""
    owner, _, job = await one_task_job(api, visibility="private")
    outsider = await api.register("outsider")
    url = f"{API}/jobs/{job['id']}{path}"
    assert_problem(await api.client.get(url, headers=outsider), 404, f"no job {job['id']}")
    assert (await api.client.get(url, headers=owner)).status_code == 200


@pytest.mark.parametrize("scope", ["job_id", "project_id", None])
async def test_claim_reaching_into_a_private_project_is_refused(
    api: Api, scope: str | None
) -> None:
    """Outsiders get no private task: scoped claims are 404, an open claim finds nothing."""
    owner, project_id, job = await one_task_job(api, visibility="private")
    outsider = await api.register("outsider")
    if scope is None:
        assert (await api.claim(outsider)).status_code == 204
    else:
        target = job["id"] if scope == "job_id" else project_id
        kind = "job" if scope == "job_id" else "project"
        response = await api.claim(outsider, **{scope: target})
        assert_problem(response, 404, f"no {kind} {target}")
    assert await leases(api, outsider) == []
    assert (await api.claim(owner, job_id=job["id"])).status_code == 200  # still open


async def test_cancel_by_a_non_owner_is_403_and_the_job_runs_on(api: Api) -> None:
    """Only an owner cancels a job; a refused cancel ends no lease."""
    owner, alice, job, lease = await leased(api)
    response = await api.client.post(f"{API}/jobs/{job['id']}/cancel", headers=alice)
    assert_problem(response, 403, "only an owner")

    after = (await api.client.get(f"{API}/jobs/{job['id']}", headers=owner)).json()
    assert after["status"] == "open"
    assert [a["state"] for a in await leases(api, alice)] == ["active"]
    assert (await api.submit(alice, lease["assignment_id"], "Bonjour.")).status_code == 201
