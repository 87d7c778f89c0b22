"""Sustained mixed load against the served API, with 1 and then 2 API processes.

Each run gets a fresh PostgreSQL database, its own redis-server, one arq worker and the API
(`tasks-service serve --workers N`) as real processes (the fault tests' harness). Simulated
volunteers claim and submit (with an Idempotency-Key) and poll their job's progress, and the
owner reviews, for a fixed time; the table gives requests per second, p50/p99 per endpoint and
error counts, then the scaling ratio 2 processes / 1 process.

    .venv/bin/python bench/load.py [--seconds 30] [--volunteers 50] [--processes 1 2]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import statistics
import sys
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the tests' harness

from tests.faults.crowd import document
from tests.faults.deployment import deployment
from tests.harness import API, Api

POLL_EVERY = 4  # a volunteer looks at the job's progress after every 4th answer
REVIEWERS = 2  # concurrent review loops of the owner


@dataclass
class Recorder:
    """Latency per endpoint, and what was not a success."""

    latencies: defaultdict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: Counter[str] = field(default_factory=Counter)

    async def send(self, endpoint: str, request: Any, ok: tuple[int, ...]) -> httpx.Response | None:
        started = time.perf_counter()
        try:
            response: httpx.Response = await request
        except httpx.HTTPError as exc:
            self.errors[f"{endpoint} {type(exc).__name__}"] += 1
            return None
        self.latencies[endpoint].append(time.perf_counter() - started)
        if response.status_code not in ok:
            self.errors[f"{endpoint} {response.status_code}"] += 1
            return None
        return response


async def volunteer(
    api: Api, who: int, headers: dict[str, str], job: int, until: float, rec: Recorder
) -> None:
    rounds = 0
    while time.perf_counter() < until:
        claim = await rec.send("claim", api.claim(headers, job_id=job), (200, 204))
        if claim is None or claim.status_code == 204:
            await asyncio.sleep(0.05)  # nothing for this volunteer now: don't spin
            continue
        body = claim.json()
        key = f"load-{who}-{body['assignment_id']}"
        answer = "FR " + body["task"]["source"]
        await rec.send("submit", api.submit(headers, body["assignment_id"], answer, key), (201,))
        rounds += 1
        if rounds % POLL_EVERY == 0:
            await rec.send("progress", api.client.get(f"{API}/jobs/{job}", headers=headers), (200,))


async def reviewer(api: Api, owner: dict[str, str], job: int, until: float, rec: Recorder) -> None:
    while time.perf_counter() < until:
        claim = await rec.send(
            "review claim",
            api.client.post(f"{API}/reviews/claim", json={"job_id": job}, headers=owner),
            (200, 204),
        )
        if claim is None or claim.status_code == 204:
            await asyncio.sleep(0.05)
            continue
        body = claim.json()
        verdict = {"submission_id": body["submissions"][0]["submission_id"], "verdict": "approve"}
        url = f"{API}/review-assignments/{body['review_assignment_id']}/verdict"
        await rec.send("verdict", api.client.post(url, json=verdict, headers=owner), (201,))


async def run(processes: int, args: argparse.Namespace) -> tuple[float, Recorder]:
    """One measurement on a fresh deployment; returns requests per second and the recorder."""
    async with deployment(MAX_OPEN_LEASES="1000", LEASE_SECONDS="600") as setup:
        setup.start_workers(1)
        _, base = await setup.start_api(workers=processes)
        async with setup.client(base) as api:
            owner = await api.register("owner")
            project = await api.project(owner)
            job = await api.job_ready(owner, project, document(args.tasks), reviews_required=1)
            crowd = await api.volunteers(args.volunteers)
            rec = Recorder()
            started = time.perf_counter()
            until = started + args.seconds
            await asyncio.gather(
                *(volunteer(api, i, h, job["id"], until, rec) for i, h in enumerate(crowd)),
                *(reviewer(api, owner, job["id"], until, rec) for _ in range(REVIEWERS)),
            )
            elapsed = time.perf_counter() - started
    total = sum(len(v) for v in rec.latencies.values())
    return total / elapsed, rec


def report(processes: int, rate: float, rec: Recorder, seconds: float) -> None:
    print(f"\n{processes} API process(es): {rate:.1f} requests/s")
    print(f"{'endpoint':<14}{'requests':>10}{'per s':>9}{'p50 ms':>9}{'p99 ms':>9}")
    for endpoint, values in sorted(rec.latencies.items()):
        cuts = statistics.quantiles(values, n=100) if len(values) > 1 else values * 99
        print(
            f"{endpoint:<14}{len(values):>10}{len(values) / seconds:>9.1f}"
            f"{cuts[49] * 1000:>9.1f}{cuts[98] * 1000:>9.1f}"
        )
    errors = ", ".join(f"{k}: {v}" for k, v in sorted(rec.errors.items())) or "none"
    print(f"errors: {errors}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=30.0, help="length of each run")
    parser.add_argument("--volunteers", type=int, default=50, help="simulated volunteers")
    parser.add_argument("--tasks", type=int, default=10_000, help="paragraphs in the job")
    parser.add_argument("--processes", type=int, nargs="+", default=[1, 2], help="API processes")
    args = parser.parse_args()
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"CPUs: {os.cpu_count()}  Python: {platform.python_version()}  load average: {load}")
    print(f"{args.volunteers} volunteers, {args.seconds:.0f} s per run, 1 arq worker")
    rates = {}
    for processes in args.processes:
        rate, rec = asyncio.run(run(processes, args))
        rates[processes] = rate
        report(processes, rate, rec, args.seconds)
    if 1 in rates and len(rates) > 1:
        for processes, rate in rates.items():
            if processes != 1:
                print(f"scaling ratio {processes}/1 processes: {rate / rates[1]:.2f}")


if __name__ == "__main__":
    main()
