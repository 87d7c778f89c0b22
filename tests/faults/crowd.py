"""Simulated volunteers and a reviewer that keep working through faults, as real clients would.

Connection errors and 503s are retried with the same request (the same Idempotency-Key for an
answer); anything else of 5xx is counted in the history, where the checker refuses it. Every
acknowledged answer is recorded in the history of ``tests.queue.test_history``.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

import httpx

from tests.harness import API, Api
from tests.queue.test_history import History, watch

RETRY_PAUSE = 0.2
IDLE_PAUSE = 0.2
REVIEW_LOOPS = 3


def document(tasks: int) -> bytes:
    """A text job of ``tasks`` paragraphs, one task each."""
    return "\n\n".join(f"Paragraph {n} of the document." for n in range(tasks)).encode()


async def call(
    history: History, label: str, send: Callable[[], Awaitable[httpx.Response]]
) -> httpx.Response:
    """Send until an answer that is not "try again"; count every retry by its cause."""
    while True:
        try:
            response = await send()
        except httpx.TransportError as exc:
            history.actions[f"{label} {type(exc).__name__}"] += 1
        else:
            if response.status_code < 500:
                return response
            history.actions[f"{label} {response.status_code}"] += 1
        await asyncio.sleep(RETRY_PAUSE)


def server_errors(history: History) -> dict[str, int]:
    """Answers that were neither a result nor a "try again" (503): the checker wants none."""
    return {
        action: count
        for action, count in history.actions.items()
        if action.rsplit(" ", 1)[-1].isdigit() and action.rsplit(" ", 1)[-1] != "503"
    }


@dataclass
class Volunteer:
    api: Api
    who: int
    headers: dict[str, str]
    job_id: int
    history: History
    think: float = 0.05  # seconds between claim and answer, at most

    async def run(self, done: asyncio.Event) -> None:
        rng = random.Random(self.who)
        while not done.is_set():
            claim = await call(
                self.history, "claim", lambda: self.api.claim(self.headers, job_id=self.job_id)
            )
            if claim.status_code in (204, 409):
                # Nothing new, or the lease cap: first answer the leases whose claim answer
                # was lost to a fault (they would hold their slots until they expire).
                if not await self.recover():
                    await asyncio.sleep(IDLE_PAUSE)
                continue
            assert claim.status_code == 200, claim.text
            self.history.actions["claimed"] += 1
            body = claim.json()
            await asyncio.sleep(rng.uniform(0, self.think))
            await self.answer(body["assignment_id"], body["task"]["id"])

    async def answer(self, assignment: int, task: int) -> None:
        key = f"answer-{self.who}-{assignment}"
        response = await call(
            self.history,
            "submit",
            lambda: self.api.submit(self.headers, assignment, f"réponse {task}", key),
        )
        if response.status_code == 201:
            self.history.acknowledged[response.json()["submission_id"]] = (self.who, task)
            self.history.actions["submit"] += 1
        else:  # the lease expired and the task was served to someone else meanwhile
            assert response.status_code == 409, response.text
            self.history.actions["submit refused"] += 1

    async def recover(self) -> int:
        """Answer the leases this volunteer holds; returns how many."""
        leases = await call(
            self.history,
            "leases",
            lambda: self.api.client.get(
                f"{API}/me/assignments", params={"state": "active"}, headers=self.headers
            ),
        )
        assert leases.status_code == 200, leases.text
        for lease in leases.json():
            self.history.actions["recovered"] += 1
            await self.answer(lease["assignment_id"], lease["task_id"])
        return len(leases.json())


async def review(
    api: Api, headers: dict[str, str], job_id: int, history: History, done: asyncio.Event
) -> None:
    """An owner approving what reaches review; a verdict whose answer was lost comes back 409
    when sent again, because it was recorded the first time."""
    while not done.is_set():
        claim = await call(
            history,
            "review claim",
            lambda: api.client.post(
                f"{API}/reviews/claim", json={"job_id": job_id}, headers=headers
            ),
        )
        if claim.status_code == 204:
            await asyncio.sleep(IDLE_PAUSE)
            continue
        assert claim.status_code == 200, claim.text
        body = claim.json()
        verdict: dict[str, Any] = {
            "submission_id": body["submissions"][0]["submission_id"],
            "verdict": "approve",
        }
        url = f"{API}/review-assignments/{body['review_assignment_id']}/verdict"
        send = partial(api.client.post, url, json=verdict, headers=headers)
        response = await call(history, "verdict", send)
        assert response.status_code in (201, 409), response.text
        history.actions["verdict" if response.status_code == 201 else "verdict repeated"] += 1


async def until_complete(
    api: Api, headers: dict[str, str], job_ids: list[int], history: History, done: asyncio.Event
) -> None:
    """Poll the jobs' progress, as an owner's page would, and set ``done`` once all complete."""
    while True:
        statuses = []
        for job_id in job_ids:
            url = f"{API}/jobs/{job_id}"
            response = await call(
                history, "progress", partial(api.client.get, url, headers=headers)
            )
            assert response.status_code == 200, response.text
            statuses.append(response.json()["status"])
        if all(status == "complete" for status in statuses):
            done.set()
            return
        await asyncio.sleep(0.25)


async def work_until_complete(
    api: Api,
    owner: dict[str, str],
    crowd: list[dict[str, str]],
    job_ids: list[int],
    history: History,
    *,
    reviewer: bool,
) -> None:
    """Run the crowd (spread over the jobs), a reviewer per job and the progress poller."""
    done = asyncio.Event()
    workers = [
        Volunteer(api, who, headers, job_ids[who % len(job_ids)], history).run(done)
        for who, headers in enumerate(crowd)
    ]
    if reviewer:  # a few review loops per job, as an owner with several tabs open
        workers += [
            review(api, owner, job_id, history, done)
            for job_id in job_ids
            for _ in range(REVIEW_LOOPS)
        ]
    await asyncio.gather(until_complete(api, owner, job_ids, history, done), *workers)


async def crowd_through(
    api: Api,
    owner: dict[str, str],
    job_ids: list[int],
    fault: Awaitable[None],
    *,
    volunteers: int = 30,
    reviewer: bool = False,
    within: float = 150.0,
) -> History:
    """Run a crowd until every job is complete while ``fault`` happens, with the over-leasing
    watcher of ``tests.queue.test_history`` sampling the database; returns the history."""
    crowd = await api.volunteers(volunteers)
    history, stop = History(), asyncio.Event()
    watcher = asyncio.create_task(watch(api, stop, history))
    try:
        async with asyncio.timeout(within):
            await asyncio.gather(
                work_until_complete(api, owner, crowd, job_ids, history, reviewer=reviewer), fault
            )
            await api.settle(within)  # credits and assembly after the last acceptance
    finally:
        stop.set()
        await watcher
    return history


async def eventually(predicate: Callable[[], Awaitable[bool]], within: float = 60.0) -> None:
    """Wait until ``predicate()`` holds, polling every 50 ms."""
    async with asyncio.timeout(within):
        while not await predicate():
            await asyncio.sleep(0.05)
