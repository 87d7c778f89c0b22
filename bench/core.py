"""Core-loop benchmark: claim throughput under concurrent volunteers, and PO split time.

The real server runs in its own process on a fresh PostgreSQL database, so the figures include
HTTP, the ORM and the database as a deployment sees them: `.venv/bin/python bench/core.py`.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import msgspec
from documents import po_document, text_document

from tasks_service.db.migrate import upgrade_to_head
from tasks_service.jobs.formats import SplitOptions, get_format

ROOT = Path(__file__).resolve().parent.parent
SERVER = ROOT / ".venv" / "bin" / "tasks-service"
ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/test"
API = "/api/v1"
PASSWORD = "correct horse battery staple"
MAX_ROUNDS = 1_000_000  # per volunteer: a hard bound besides the clock


@dataclass
class LoopStats:
    """What the volunteer loops saw; latencies are claim round trips in seconds."""

    latencies: list[float] = field(default_factory=list)
    submits: int = 0
    empty: int = 0
    errors: Counter[str] = field(default_factory=Counter)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def register(client: httpx.AsyncClient, username: str) -> dict[str, str]:
    body = {"username": username, "password": PASSWORD, "languages": ["en", "fr"]}
    (await client.post(f"{API}/accounts", json=body)).raise_for_status()
    login = {"username": username, "password": PASSWORD}
    token = (await client.post(f"{API}/auth/tokens", json=login)).raise_for_status()
    return {"Authorization": f"Bearer {token.json()['token']}"}


async def upload(
    client: httpx.AsyncClient, owner: dict[str, str], project: int, name: str, data: bytes
) -> int:
    spec = {"title": name, "kind": "translate", "source_language": "en", "target_language": "fr"}
    response = await client.post(
        f"{API}/projects/{project}/jobs",
        files={"file": (name, data, "application/octet-stream")},
        data={"spec": msgspec.json.encode({**spec, "reviews_required": 1}).decode()},
        headers=owner,
    )
    if response.status_code != 202:
        raise RuntimeError(f"upload of {name} answered {response.status_code}: {response.text}")
    return int(response.json()["id"])


async def wait_open(
    client: httpx.AsyncClient, owner: dict[str, str], job: int, within: float = 300.0
) -> dict[str, Any]:
    """Poll every 20 ms until the split is done; a failed split is an error, not a figure."""
    deadline = time.perf_counter() + within
    while time.perf_counter() < deadline:
        body: dict[str, Any] = (await client.get(f"{API}/jobs/{job}", headers=owner)).json()
        if body["status"] == "open":
            return body
        if body["status"] != "splitting":
            raise RuntimeError(f"job {job} is {body['status']}: {body.get('error')}")
        await asyncio.sleep(0.02)
    raise TimeoutError(f"job {job} still splitting after {within} s")


async def volunteer(
    client: httpx.AsyncClient, headers: dict[str, str], job: int, until: float, stats: LoopStats
) -> None:
    """Claim, then submit before claiming again, so the open-lease cap is never reached."""
    for _ in range(MAX_ROUNDS):
        if time.perf_counter() >= until:
            return
        started = time.perf_counter()
        try:
            claim = await client.post(f"{API}/tasks/claim", json={"job_id": job}, headers=headers)
            stats.latencies.append(time.perf_counter() - started)
            if claim.status_code != 200:
                if claim.status_code == 204:
                    stats.empty += 1
                else:
                    stats.errors[f"claim {claim.status_code}"] += 1
                await asyncio.sleep(0.05)  # nothing to work on: don't spin
                continue
            lease = f"{API}/assignments/{claim.json()['assignment_id']}"
            answer = {"answer": "FR " + claim.json()["task"]["source"]}
            submitted = await client.post(f"{lease}/submit", json=answer, headers=headers)
            if submitted.status_code == 201:
                stats.submits += 1
            else:  # give the lease back, or refused answers would pile up to the lease cap
                stats.errors[f"submit {submitted.status_code}"] += 1
                await client.post(f"{lease}/release", headers=headers)
        except httpx.HTTPError as exc:
            stats.errors[type(exc).__name__] += 1


async def claim_bench(client: httpx.AsyncClient, args: argparse.Namespace) -> list[tuple[str, str]]:
    owner, volunteers = await register(client, "owner"), []
    for first in range(0, args.volunteers, 10):  # ten at a time: each one hashes a password
        names = [f"volunteer{i}" for i in range(first, min(first + 10, args.volunteers))]
        volunteers += await asyncio.gather(*(register(client, name) for name in names))
    project = (await client.post(f"{API}/projects", json={"name": "Bench"}, headers=owner)).json()
    job = await upload(client, owner, project["id"], "bench.txt", text_document(args.paragraphs))
    await wait_open(client, owner, job)
    stats = LoopStats()
    started = time.perf_counter()
    until = started + args.seconds
    await asyncio.gather(*(volunteer(client, h, job, until, stats) for h in volunteers))
    elapsed = time.perf_counter() - started
    left = (await client.get(f"{API}/jobs/{job}", headers=owner)).json()["tasks_by_state"]["open"]
    claims = len(stats.latencies) - stats.empty
    cuts = statistics.quantiles(stats.latencies or [0.0, 0.0], n=100)
    errors = ", ".join(f"{k}: {v}" for k, v in sorted(stats.errors.items())) or "0"
    rows = [
        (f"claims/s ({args.volunteers} volunteers, {elapsed:.1f} s)", f"{claims / elapsed:.1f}"),
        ("claim p50 (ms)", f"{cuts[49] * 1000:.1f}"),
        ("claim p99 (ms)", f"{cuts[98] * 1000:.1f}"),
        ("submits/s", f"{stats.submits / elapsed:.1f}"),
        ("errors", errors),
        ("empty claims (204) / tasks left open", f"{stats.empty} / {left}"),
    ]
    return [*rows, ("", "")] + await po_bench(client, owner, project["id"], args.po_messages)


async def po_bench(
    client: httpx.AsyncClient, owner: dict[str, str], project: int, messages: int
) -> list[tuple[str, str]]:
    """Upload→open through the API, against the parse alone, to separate parse from insert."""
    data = po_document(messages)
    started = time.perf_counter()
    job = await upload(client, owner, project, "bench.po", data)
    accepted = time.perf_counter() - started
    body = await wait_open(client, owner, job)
    total = time.perf_counter() - started
    options = SplitOptions(source_language="en", target_language="fr")
    parse_started = time.perf_counter()
    units = sum(1 for _ in get_format("po").split(data, options).units)
    parse = time.perf_counter() - parse_started
    if units != messages or body["tasks_total"] != messages:
        raise RuntimeError(f"expected {messages} units, split {units}, job {body['tasks_total']}")
    size = f"{messages} messages, {len(data) / 1e6:.1f} MB"
    return [
        (f"PO upload→open s ({size})", f"{total:.2f}"),
        ("PO upload→open messages/s", f"{messages / total:.0f}"),
        ("  of which upload request (202) s", f"{accepted:.2f}"),
        ("PO split in-process s (parse only)", f"{parse:.2f}"),
        ("PO split in-process messages/s", f"{messages / parse:.0f}"),
    ]


async def measure(
    base: str, server: subprocess.Popen[bytes], args: argparse.Namespace
) -> list[tuple[str, str]]:
    """Wait (at most 60 s) for /health, then run both benchmarks over one client."""
    limits = httpx.Limits(max_connections=args.volunteers + 10, max_keepalive_connections=None)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=60.0) as client:
        for _ in range(600):
            if server.poll() is not None:
                raise RuntimeError(f"the server exited with {server.returncode}")
            with contextlib.suppress(httpx.TransportError):
                if (await client.get("/health")).status_code == 200:
                    return await claim_bench(client, args)
            await asyncio.sleep(0.1)
    raise TimeoutError("the server did not answer /health within 60 s")


async def admin_sql(statement: str) -> str:
    """Run one statement on the admin database; returns the server version."""
    admin = await asyncpg.connect(ADMIN_URL)
    try:
        await admin.execute(statement)
        return str(await admin.fetchval("SHOW server_version"))
    finally:
        await admin.close()


def run(args: argparse.Namespace) -> list[tuple[str, str]]:
    """Create the database, start the server, measure; always stop the server, drop the database."""
    name = f"bench_core_{uuid.uuid4().hex[:10]}"
    url = f"{ADMIN_URL.rsplit('/', 1)[0]}/{name}"
    version = asyncio.run(admin_sql(f'CREATE DATABASE "{name}"'))
    print(f"CPUs: {os.cpu_count()}  Python: {platform.python_version()}  PostgreSQL: {version}")
    server: subprocess.Popen[bytes] | None = None
    with tempfile.TemporaryFile() as log:
        try:
            upgrade_to_head(url.replace("postgresql://", "postgresql+asyncpg://"))
            port = free_port()
            env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"} | {"DATABASE_URL": url}
            env |= {"SECRET_KEY": uuid.uuid4().hex, "RATE_LIMITS": "false"}  # one host, many robots
            command = [str(SERVER), "serve", "--host", "127.0.0.1", "--port", str(port)]
            # warning: keeps uvicorn's per-request access log out of the measured path
            server = subprocess.Popen(
                [*command, "--log-level", "warning"], env=env, cwd=ROOT, stdout=log, stderr=log
            )
            return asyncio.run(measure(f"http://127.0.0.1:{port}", server, args))
        except BaseException:
            log.seek(0)
            tail = log.read().decode(errors="replace")[-4000:]
            print(f"--- server log (tail) ---\n{tail}", file=sys.stderr)
            raise
        finally:
            if server is not None:
                server.terminate()
                try:
                    server.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    server.kill()
                    server.wait(timeout=5)
            asyncio.run(admin_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--volunteers", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--paragraphs", type=int, default=5000, help="tasks in the claim job")
    parser.add_argument("--po-messages", type=int, default=5000)
    rows = run(parser.parse_args())
    width = max(len(label) for label, _ in rows)
    print(f"{'figure':<{width}}  value")
    print(f"{'-' * width}  {'-' * 12}")
    for label, value in rows:
        print(f"{label:<{width}}  {value}".rstrip())


if __name__ == "__main__":
    main()
