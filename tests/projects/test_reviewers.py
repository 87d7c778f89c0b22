"""Owners add and remove project reviewers through the API; the role opens the review queue."""

from __future__ import annotations

from tests.harness import API, Api, assert_problem


async def test_owner_adds_lists_and_removes_reviewers(api: Api) -> None:
    owner = await api.register("olga")
    rita = await api.register("rita")
    stranger = await api.register("sam")
    project_id = await api.project(owner)
    base = f"{API}/projects/{project_id}/reviewers"

    # Below reviewer level and without a role, the review queue is closed.
    assert (await api.client.post(f"{API}/reviews/claim", json={}, headers=rita)).status_code == 403

    added = await api.client.post(base, json={"username": "RITA"}, headers=owner)
    assert added.status_code == 201, added.text
    assert added.json()["username"] == "rita"
    again = await api.client.post(base, json={"username": "rita"}, headers=owner)
    assert again.status_code == 201  # adding twice changes nothing
    listed = await api.client.get(base, headers=owner)
    assert [r["username"] for r in listed.json()] == ["rita"]
    claim = await api.client.post(f"{API}/reviews/claim", json={}, headers=rita)
    assert claim.status_code == 204  # allowed now; nothing waits yet

    assert_problem(
        await api.client.post(base, json={"username": "nobody"}, headers=owner), 404, "nobody"
    )
    assert_problem(
        await api.client.post(base, json={"username": "olga"}, headers=owner), 409, "owns"
    )
    assert_problem(
        await api.client.post(base, json={"username": ""}, headers=owner), 422, "username"
    )
    assert_problem(
        await api.client.post(base, json={"username": "sam", "role": "owner"}, headers=owner),
        422,
        "role",
    )
    for other in (rita, stranger):  # only an owner manages reviewers
        assert_problem(
            await api.client.post(base, json={"username": "sam"}, headers=other), 403, "owner"
        )
        assert_problem(await api.client.get(base, headers=other), 403, "owner")
        assert_problem(await api.client.delete(f"{base}/rita", headers=other), 403, "owner")

    removed = await api.client.delete(f"{base}/rita", headers=owner)
    assert removed.status_code == 204
    assert (await api.client.get(base, headers=owner)).json() == []
    assert_problem(await api.client.delete(f"{base}/rita", headers=owner), 404, "not a reviewer")
    assert_problem(await api.client.delete(f"{base}/olga", headers=owner), 404, "not a reviewer")
    assert (await api.client.post(f"{API}/reviews/claim", json={}, headers=rita)).status_code == 403
