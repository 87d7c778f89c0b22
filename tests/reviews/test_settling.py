"""Settling without reviewers: agreement decides, disagreement goes to a person or asks again."""

from __future__ import annotations

from typing import Any

from tests.harness import API, Api


async def answer_all(
    api: Api, crowd: list[dict[str, str]], job_id: int, answers: list[Any]
) -> None:
    for headers, answer in zip(crowd, answers, strict=True):
        claim = (await api.claim(headers, job_id=job_id)).json()
        assert (await api.submit(headers, claim["assignment_id"], answer)).status_code == 201


async def test_agreeing_translations_are_accepted_without_review(api: Api) -> None:
    owner = await api.register("owner")
    crowd = await api.volunteers(2)
    job = await api.job_ready(
        owner, await api.project(owner), b"Good morning.", redundancy=2, reviews_required=0
    )
    await answer_all(api, crowd, job["id"], ["Bonjour.", "Bonjour !"])
    await api.settle()
    tasks = (await api.client.get(f"{API}/jobs/{job['id']}/tasks", headers=owner)).json()["items"]
    assert tasks[0]["state"] == "accepted"
    assert tasks[0]["accepted_answer"] in ("Bonjour.", "Bonjour !")


async def test_disagreeing_translations_go_to_a_person_side_by_side(api: Api) -> None:
    owner = await api.register("owner")
    crowd = await api.volunteers(2)
    job = await api.job_ready(
        owner, await api.project(owner), b"Good morning.", redundancy=2, reviews_required=0
    )
    await answer_all(api, crowd, job["id"], ["Bonjour.", "Il pleut des cordes aujourd'hui."])
    await api.settle()
    review = await api.client.post(
        f"{API}/reviews/claim", json={"job_id": job["id"]}, headers=owner
    )
    assert review.status_code == 200
    body = review.json()
    assert sorted(s["answer"] for s in body["submissions"]) == [
        "Bonjour.",
        "Il pleut des cordes aujourd'hui.",
    ]
    chosen = next(s for s in body["submissions"] if s["answer"] == "Bonjour.")
    verdict = await api.client.post(
        f"{API}/review-assignments/{body['review_assignment_id']}/verdict",
        json={"submission_id": chosen["submission_id"], "verdict": "approve"},
        headers=owner,
    )
    assert verdict.status_code == 201
    await api.settle()
    tasks = (await api.client.get(f"{API}/jobs/{job['id']}/tasks", headers=owner)).json()["items"]
    assert (tasks[0]["state"], tasks[0]["accepted_answer"]) == ("accepted", "Bonjour.")


LABELS = b"id,text\n1,a purring animal\n"
LABEL_SPEC = {
    "kind": "label",
    "choices": ["cat", "dog"],
    "template": "Which animal is {text}?",
    "target_language": None,
    "redundancy": 3,
    "reviews_required": 0,
}


async def test_unanimous_labels_are_accepted(api: Api) -> None:
    owner = await api.register("owner")
    crowd = await api.volunteers(3)
    job = await api.job_ready(owner, await api.project(owner), LABELS, "rows.csv", **LABEL_SPEC)
    await answer_all(api, crowd, job["id"], ["cat", "cat", "cat"])
    await api.settle()
    tasks = (await api.client.get(f"{API}/jobs/{job['id']}/tasks", headers=owner)).json()["items"]
    assert (tasks[0]["state"], tasks[0]["accepted_answer"]) == ("accepted", "cat")


async def test_split_labels_ask_for_one_more_answer(api: Api) -> None:
    owner = await api.register("owner")
    crowd = await api.volunteers(4)
    job = await api.job_ready(owner, await api.project(owner), LABELS, "rows.csv", **LABEL_SPEC)
    await answer_all(api, crowd[:3], job["id"], ["cat", "dog", "cat"])
    await api.settle()
    tasks = (await api.client.get(f"{API}/jobs/{job['id']}/tasks", headers=owner)).json()["items"]
    assert tasks[0]["state"] == "open"  # not confident yet: a fourth volunteer is asked
    claim = await api.claim(crowd[3], job_id=job["id"])
    assert claim.status_code == 200
