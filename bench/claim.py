"""Claim benchmark: the queue's hot path over HTTP, straight on the database, and beside PgQueuer.

One run on a fresh PostgreSQL database, the API served by `tasks-service serve` in its own
processes, the volunteers simulated here: `.venv/bin/python bench/claim.py` prints each figure
with its goal. Needs `pgqueuer`, a benchmark-only dependency (not the service's).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import os
import platform
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from functools import partial
from pathlib import Path

import asyncpg
import httpx
import msgspec
from documents import text_document
from pgqueuer.queries import EntrypointExecutionParameter, Queries
from pgqueuer.types import QueueEntrypoint, QueueManagerId
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tasks_service.accounts import security
from tasks_service.db import models as m
from tasks_service.db.engine import create_engine, create_sessionmaker
from tasks_service.db.migrate import upgrade_to_head
from tasks_service.jobs.splitting import count_words
from tasks_service.queue import services
from tasks_service.queue.claim_sql import FLIGHTS, ClaimBatcher
from tasks_service.settings import Settings, load_settings

ROOT = Path(__file__).resolve().parent.parent
ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/test"
API, PASSWORD = "/api/v1", "correct horse battery staple"
SECRET = uuid.uuid4().hex  # the server's SECRET_KEY: tokens can be written straight to the table
MAX_ROUNDS = 1_000_000  # per run: a hard bound besides the clock
WARM_UP_SECONDS = 5.0
LEASE_CAP = 1_000_000  # the claim-only runs leave every lease open
SOURCE = "%s. the quick brown fox jumps over a lazy dog while seven."
ENTRYPOINT = QueueEntrypoint("bench")
LOAD = "{:.2f} {:.2f} {:.2f}"  # os.getloadavg(): the machine is shared, so say how busy it was
Row = tuple[str, ...]  # figure, value[, goal, met]
Step = Callable[[int], Awaitable[float]]  # seconds measured; StopAsyncIteration: nothing left


@dataclass
class Run:
    """One timed loop: the round trips (s) of its successful claims, dequeues or health checks."""

    latencies: list[float] = field(default_factory=list)
    errors: Counter[str] = field(default_factory=Counter)
    rate: float = 0.0  # per second
    cpu: str = ""

    def ms(self, percentile: int) -> float:
        return statistics.quantiles(self.latencies or [0.0, 0.0], n=100)[percentile - 1] * 1000

    def claims(self) -> str:
        return f"{self.rate:.0f}  (p50 {self.ms(50):.0f} ms, p99 {self.ms(99):.0f} ms)"


def cpu_seconds(server_pid: int) -> dict[str, float]:
    """CPU seconds used so far by the server's process group, by PostgreSQL (all databases: the
    machine is shared) and by this process: on 2 cores they compete, so the split says who is
    busy. Each process counts its own time and its reaped children's, so that backends which
    exit mid-run (the pool's overflow connections) still count, through the postmaster."""
    tick, used = os.sysconf("SC_CLK_TCK"), {"server": 0.0, "postgres": 0.0}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, ValueError):
            name, _, rest = stat.read_text().partition(" (")[2].rpartition(") ")
            fields = rest.split()  # fields[11:15]: utime, stime, cutime, cstime
            name = "server" if int(fields[2]) == server_pid else name
            used[name] = used.get(name, 0.0) + sum(map(int, fields[11:15])) / tick
    return {"server": used["server"], "postgres": used["postgres"], "client": time.process_time()}


@dataclass
class Bench:
    """What the timed loops share: HTTP clients and tokens, the ORM, PgQueuer's connections."""

    args: argparse.Namespace
    server: subprocess.Popen[bytes]
    settings: Settings
    sessions: async_sessionmaker[AsyncSession]
    clients: list[httpx.AsyncClient]
    heads: list[dict[str, str]] = field(default_factory=list)
    batcher: ClaimBatcher | None = None
    volunteers: list[m.Account] = field(default_factory=list)  # of the direct runs
    turns: itertools.count[int] = field(default_factory=itertools.count)
    queries: list[Queries] = field(default_factory=list)

    async def timed(self, loops: int, step: Step, seconds: float | None = None) -> Run:
        """``loops`` concurrent loops of ``step`` until the clock runs out, or the work does."""
        run, pid = Run(), self.server.pid if self.server.poll() is None else -1
        before, started = cpu_seconds(pid), time.perf_counter()
        until = started + (seconds or self.args.seconds)

        async def loop(i: int) -> None:
            while time.perf_counter() < until and len(run.latencies) < MAX_ROUNDS:
                try:
                    run.latencies.append(await step(i))
                except StopAsyncIteration:
                    run.errors["nothing left"] += 1
                    return
                except Exception as exc:  # counted and shown: the table says how many
                    run.errors[str(exc) or type(exc).__name__] += 1
                    await asyncio.sleep(0.05)  # don't spin on a failure

        await asyncio.gather(*(loop(i) for i in range(loops)))
        seconds, after = time.perf_counter() - started, cpu_seconds(pid)
        run.rate = len(run.latencies) / seconds
        run.cpu = ", ".join(f"{(after[k] - v) / seconds * 100:.0f}" for k, v in before.items())
        return run

    async def claim(self, job: int, i: int) -> float:
        """Claim, then submit before claiming again, as a person does (see bench/core.py)."""
        client, headers, started = self.clients[i], self.heads[i], time.perf_counter()
        claim = await client.post(f"{API}/tasks/claim", json={"job_id": job}, headers=headers)
        took = time.perf_counter() - started
        if claim.status_code != 200:
            raise RuntimeError(f"claim {claim.status_code}")
        lease, task = f"{API}/assignments/{claim.json()['assignment_id']}", claim.json()["task"]
        answer = {"answer": "FR " + task["source"]}
        submitted = await client.post(f"{lease}/submit", json=answer, headers=headers)
        if submitted.status_code != 201:  # give the lease back, or leases would pile up
            await client.post(f"{lease}/release", headers=headers)
            raise RuntimeError(f"submit {submitted.status_code}")
        return took

    async def claim_only(self, job: int, i: int) -> float:
        """A claim and nothing else (the lease is left to expire): its cost beside /health's."""
        started = time.perf_counter()
        claim = await self.clients[i].post(
            f"{API}/tasks/claim", json={"job_id": job}, headers=self.heads[i]
        )
        if claim.status_code != 200:
            raise RuntimeError(f"claim {claim.status_code}")
        return time.perf_counter() - started

    async def health(self, i: int) -> float:
        started = time.perf_counter()
        (await self.clients[i].get("/health")).raise_for_status()
        return time.perf_counter() - started

    def next_volunteer(self) -> m.Account:
        """The direct runs' volunteers in turn: each claim-only run leaves its leases open, and
        thousands of volunteers each holding a few is the service's case, not fifty holding
        thousands each."""
        return self.volunteers[next(self.turns) % len(self.volunteers)]

    async def direct(self, job: int, i: int) -> float:
        """The service's claim, batched as the API's are, then its submit in a session and a
        transaction, as a request has."""
        started, account = time.perf_counter(), self.next_volunteer()
        async with self.sessions() as session:  # used only to say why nothing was leased
            claimed = await services.claim(
                session, self.settings, account, job_id=job, batcher=self.batcher
            )
        took = time.perf_counter() - started
        if claimed is None:
            raise StopAsyncIteration
        async with self.sessions.begin() as session:
            answer = "FR " + claimed.task.source
            await services.submit(session, account, claimed.assignment_id, answer, None)
        return took

    async def direct_claim_only(self, job: int, i: int) -> float:
        """The service's claim alone, batched with the other workers' as the API's are."""
        started, account = time.perf_counter(), self.next_volunteer()
        async with self.sessions() as session:
            claimed = await services.claim(
                session, self.settings, account, job_id=job, batcher=self.batcher
            )
        if claimed is None:
            raise StopAsyncIteration
        return time.perf_counter() - started

    async def dequeue_only(self, manager: QueueManagerId, i: int) -> float:
        """PgQueuer's dequeue alone: the job stays picked, as the claim above stays leased."""
        started, entrypoints = time.perf_counter(), {ENTRYPOINT: EntrypointExecutionParameter(0)}
        jobs = await self.queries[i].dequeue(1, entrypoints, manager, None, timedelta(seconds=30))
        if not jobs:
            raise StopAsyncIteration
        return time.perf_counter() - started

    async def dequeue(self, manager: QueueManagerId, i: int) -> float:
        """PgQueuer's own dequeue of one job, then its log of the job as done (its QueueManager
        buffers that log and writes it in batches; here it is written per job, as a submit is)."""
        started, entrypoints = time.perf_counter(), {ENTRYPOINT: EntrypointExecutionParameter(0)}
        jobs = await self.queries[i].dequeue(1, entrypoints, manager, None, timedelta(seconds=30))
        took = time.perf_counter() - started
        if not jobs:
            raise StopAsyncIteration
        await self.queries[i].log_jobs([(jobs[0], "successful", None)])
        return took

    async def setup(self, db: asyncpg.Connection) -> list[int]:
        """The owner, project and jobs through the API; the big jobs' other tasks and the
        volunteers straight in the database, as the API would take minutes for either."""
        a, client, login = self.args, self.clients[0], {"username": "owner", "password": PASSWORD}
        await client.post(f"{API}/accounts", json=login | {"languages": ["en"]})
        token = (await client.post(f"{API}/auth/tokens", json=login)).raise_for_status()
        owner = {"Authorization": f"Bearer {token.json()['token']}"}
        post = partial(client.post, headers=owner)
        project = (await post(f"{API}/projects", json={"name": "B"})).json()["id"]
        spec = {"title": "b", "kind": "translate", "source_language": "en", "target_language": "fr"}
        spec_json = msgspec.json.encode(spec).decode()
        jobs: list[int] = []
        for size in (a.tasks, a.tasks, 10, 10):
            file = {"file": ("bench.txt", text_document(size), "text/plain")}
            answer = await post(
                f"{API}/projects/{project}/jobs", files=file, data={"spec": spec_json}
            )
            jobs.append(answer.raise_for_status().json()["id"])
            for _ in range(15_000):  # 300 s at most for the split
                job = (await client.get(f"{API}/jobs/{jobs[-1]}", headers=owner)).json()
                if job["status"] != "splitting":
                    assert job["status"] == "open" and job["tasks_total"] == size, job
                    break
                await asyncio.sleep(0.02)
        for job_id, total in ((jobs[2], a.big), (jobs[3], a.direct_tasks)):  # as _row writes
            await db.execute(
                """INSERT INTO tasks (job_id, seq, key, source, placeholders, locator, words,
                    state, open_slots, answers, copies, updated_at)
                SELECT j.id, g, 'p' || g, format($3, g), '[]', jsonb_build_object('start',
                    g * 64, 'end', g * 64 + 60), $4, 'open', j.redundancy, 0, 0, now()
                FROM jobs j, generate_series(10, $2 - 1) g WHERE j.id = $1""",
                *(job_id, total, SOURCE, count_words(SOURCE % 1)),
            )
            await db.execute("UPDATE jobs SET tasks_total = $2 WHERE id = $1", job_id, total)
        await db.execute("VACUUM (ANALYZE) tasks")  # as autovacuum would after a bulk insert
        await db.execute("CHECKPOINT")  # the bulk insert's writes, out of the measured runs
        password_hash = await security.hash_password(PASSWORD)  # one Argon2 hash for all
        async with self.sessions.begin() as session:  # as tests/harness.py volunteers() does
            people = [
                m.Account(username=f"v{n}", password_hash=password_hash, languages=["en", "fr"])
                for n in range(a.volunteers + a.direct_volunteers)
            ]
            session.add_all(people)
            await session.flush()
            expires = m.utcnow() + timedelta(days=1)
            tokens = [security.new_token() for _ in range(a.volunteers)]  # HTTP volunteers only
            for person, secret in zip(people, tokens, strict=False):
                digest = security.token_digest(secret, SECRET)
                session.add(m.Token(account_id=person.id, token_hash=digest, expires_at=expires))
        self.heads = [{"Authorization": f"Bearer {t}"} for t in tokens]
        self.volunteers = people[a.volunteers :]
        await db.execute("ANALYZE")  # as autovacuum would once the accounts are in
        return jobs


async def dead_tuples(db: asyncpg.Connection) -> dict[str, int]:
    await asyncio.sleep(1.0)  # backends flush their table counters about once a second
    await db.execute("SELECT pg_stat_force_next_flush(), pg_stat_clear_snapshot()")
    query = "SELECT relname, n_dead_tup FROM pg_stat_user_tables WHERE relname = ANY($1)"
    return {row[0]: row[1] for row in await db.fetch(query, ["tasks", "assignments"])}


def ratio(label: str, value: float, limit: float, *, at_most: bool = False) -> Row:
    """A figure with its goal: at most ``limit`` when ``at_most``, else at least."""
    met = value <= limit if at_most else value >= limit
    return (label, f"{value:.2f}", f"{'<=' if at_most else '>='} {limit}", "yes" if met else "NO")


async def measure(url: str, server: subprocess.Popen[bytes], a: argparse.Namespace) -> list[Row]:
    """Set up, then the HTTP runs, then, with the server stopped, the two direct ones."""
    settings = load_settings({"DATABASE_URL": url, "MAX_OPEN_LEASES": str(LEASE_CAP)})
    url_sqlalchemy = settings.effective_database_url
    engine = create_engine(url_sqlalchemy, pool_size=a.workers)
    # One client per volunteer, each allowed 2 connections: one client shared by 200 rescans its
    # whole pool on every request (httpcore's _assign_requests_to_connections), which alone
    # capped /health at ~100/s here, against ~500/s with a client each.
    new = partial(httpx.AsyncClient, base_url=f"http://127.0.0.1:{a.port}", timeout=60)
    clients = [new(limits=httpx.Limits(max_connections=2)) for _ in range(a.volunteers)]
    b = Bench(a, server, settings, create_sessionmaker(engine), clients)
    db = await asyncpg.connect(url)
    try:
        for _ in range(600):  # at most 60 s for the server to come up
            with contextlib.suppress(httpx.TransportError):
                if (await clients[0].get("/health")).status_code == 200:
                    break
            if server.poll() is not None:
                raise RuntimeError(f"the server exited with {server.returncode}")
            await asyncio.sleep(0.1)
        small_job, held_job, big_job, pool_job = await b.setup(db)
        # Untimed: the servers' connection pools and prepared statements, and the checkpoint
        # after the bulk insert, would otherwise all land on the first timed run.
        await b.timed(a.volunteers, partial(b.claim, held_job), WARM_UP_SECONDS)
        small = await b.timed(a.volunteers, partial(b.claim, small_job))
        big = await b.timed(a.volunteers, partial(b.claim, big_job))
        health = await b.timed(a.volunteers, b.health, a.seconds / 2)
        alone = await b.timed(a.volunteers, partial(b.claim_only, big_job), a.seconds / 2)
        blocker = await asyncpg.connect(url)
        try:
            async with blocker.transaction():  # its snapshot keeps every dead row alive
                await blocker.fetchval("SELECT txid_current()")
                dead = [await dead_tuples(db)]
                held = await b.timed(a.volunteers, partial(b.claim, held_job))
                dead.append(await dead_tuples(db))
        finally:
            await blocker.close()
        await db.execute("VACUUM tasks, assignments")  # as autovacuum would, once it may
        dead.append(await dead_tuples(db))
        await asyncio.to_thread(stop, server)  # the direct runs get the machine to themselves
        b.batcher = ClaimBatcher(create_engine(url_sqlalchemy, pool_size=FLIGHTS), LEASE_CAP)
        ours_alone = await b.timed(a.workers, partial(b.direct_claim_only, pool_job))
        ours = await b.timed(a.workers, partial(b.direct, pool_job), a.seconds / 2)
        # PostgreSQL allows so many connections: ours go, PgQueuer's come
        await asyncio.gather(engine.dispose(), b.batcher.engine.dispose())
        connections = [await asyncpg.connect(url) for _ in range(a.workers)]
        try:
            b.queries = [Queries.from_asyncpg_connection(c) for c in connections]
            await b.queries[0].install()
            n = a.direct_tasks
            await b.queries[0].enqueue([ENTRYPOINT] * n, [None] * n, [0] * n)
            await db.execute("VACUUM (ANALYZE) pgqueuer")
            manager = QueueManagerId(uuid.uuid4())
            theirs_alone = await b.timed(a.workers, partial(b.dequeue_only, manager))
            theirs = await b.timed(a.workers, partial(b.dequeue, manager), a.seconds / 2)
        finally:
            await asyncio.gather(*(c.close() for c in connections))
    finally:
        await asyncio.gather(*(c.aclose() for c in clients), engine.dispose(), db.close())
    v, w, n1, n2 = a.volunteers, a.workers, f"{a.tasks:,}", f"{a.big:,}"
    rows: list[Row] = [
        (f"HTTP claims/s, {n1}-task job, {v} volunteers", small.claims()),
        (f"HTTP claims/s, {n2}-task job", big.claims()),
        ratio(f"p99 {n2} / p99 {n1}", big.ms(99) / small.ms(99), 1.2, at_most=True),
        (f"direct claims/s, {w} workers, {a.direct_tasks:,} tasks", ours_alone.claims()),
        (f"PgQueuer dequeues/s, {w} workers, as many jobs", theirs_alone.claims()),
        ratio("ours / PgQueuer", ours_alone.rate / theirs_alone.rate, 1.5),
        (
            "  direct claim+submit/s, PgQueuer dequeue+log/s",
            f"{ours.rate:.0f}, {theirs.rate:.0f}  (ratio {ours.rate / theirs.rate:.2f})",
        ),
        (f"GET /health/s, {v} clients", f"{health.rate:.0f}"),
        (f"HTTP claims alone/s, {n2}-task job", alone.claims()),
        ratio("claim rate / health rate", alone.rate / health.rate, 0.5),
        ("  claim+submit loops / health", f"{small.rate / health.rate:.2f}"),
        (f"HTTP claims/s, {n1}-task job, a transaction held open", held.claims()),
        ratio("claim rate held open / unblocked", held.rate / small.rate, 0.8),
        *(
            (f"  n_dead_tup {t}: start -> end -> vacuumed", " -> ".join(str(d[t]) for d in dead))
            for t in dead[0]
        ),
    ]
    runs = {"small": small, "big": big, "health": health, "claim alone": alone, "held": held}
    runs |= {"direct": ours, "direct alone": ours_alone}
    for name, run in (runs | {"pgqueuer": theirs, "pgqueuer alone": theirs_alone}).items():
        rows.append((f"CPU % in the {name} run: server, postgres, client", run.cpu))
        rows += [(f"  errors in the {name} run", str(dict(run.errors)))] if run.errors else []
    return rows


def stop(server: subprocess.Popen[bytes]) -> None:
    """Terminate the server's process group (uvicorn's workers too); kill it if it hangs."""
    for sig, wait in ((signal.SIGTERM, 15), (signal.SIGKILL, 5)):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(server.pid, sig)
        with contextlib.suppress(subprocess.TimeoutExpired):
            server.wait(timeout=wait)
            return


async def admin(statement: str) -> str:
    """Run one statement on the admin database; returns a line about the server."""
    conn = await asyncpg.connect(ADMIN_URL)
    try:
        await conn.execute(statement)
        version, vacuum = await conn.fetchrow("SELECT version(), current_setting('autovacuum')")
        return f"PostgreSQL: {version.split(' on ')[0]}  autovacuum: {vacuum}"
    finally:
        await conn.close()


def run(a: argparse.Namespace) -> list[Row]:
    """Create the database, start the server, measure; always stop the server, drop the database."""
    name = f"bench_claim_{uuid.uuid4().hex[:10]}"
    url = f"{ADMIN_URL.rsplit('/', 1)[0]}/{name}"
    about, load = asyncio.run(admin(f'CREATE DATABASE "{name}"')), LOAD.format(*os.getloadavg())
    print(f"CPUs: {os.cpu_count()}  Python: {platform.python_version()}  {about}  load: {load}")
    server: subprocess.Popen[bytes] | None = None
    with tempfile.TemporaryFile() as log:
        try:
            upgrade_to_head(url.replace("postgresql:", "postgresql+asyncpg:"))
            with socket.socket() as sock:
                sock.bind(("127.0.0.1", 0))
                a.port = sock.getsockname()[1]
            env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}  # splits in-process
            env |= {"DATABASE_URL": url, "SECRET_KEY": SECRET, "MAX_OPEN_LEASES": str(LEASE_CAP)}
            env |= {"RATE_LIMITS": "false"}  # 200 simulated volunteers on one address
            command = [str(ROOT / ".venv/bin/tasks-service"), "serve", "--host", "127.0.0.1"]
            command += ["--port", str(a.port), "--workers", str(a.api_workers)]
            server = subprocess.Popen(  # its own process group: stop() ends the workers too
                [*command, "--log-level", "warning"],
                **{"env": env, "cwd": ROOT, "stdout": log, "stderr": log},
                start_new_session=True,
            )
            return asyncio.run(measure(url, server, a))
        except BaseException:
            log.seek(0)
            tail = log.read().decode(errors="replace")[-4000:]
            print(f"--- server log (tail) ---\n{tail}", file=sys.stderr)
            raise
        finally:
            if server is not None:
                stop(server)
            asyncio.run(admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--volunteers", type=int, default=200, help="concurrent HTTP volunteers")
    parser.add_argument("--seconds", type=float, default=20.0, help="length of each timed run")
    parser.add_argument("--tasks", type=int, default=10_000, help="tasks in the small jobs")
    parser.add_argument("--big", type=int, default=1_000_000, help="tasks in the big job")
    parser.add_argument("--direct-tasks", type=int, default=200_000, help="backlog, direct runs")
    parser.add_argument("--workers", type=int, default=50, help="concurrency of the direct runs")
    parser.add_argument(
        "--direct-volunteers", type=int, default=5_000, help="volunteers of the direct runs"
    )
    parser.add_argument("--api-workers", type=int, default=2, help="API server processes")
    rows = [(*row, "", "")[:4] for row in run(parser.parse_args())]
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    for label, value, goal, met in [("figure", "value", "goal", "met"), *rows]:
        print(f"{label:<{widths[0]}}  {value:<{widths[1]}}  {goal:<{widths[2]}}  {met}".rstrip())
    print("load average at the end: " + LOAD.format(*os.getloadavg()))


if __name__ == "__main__":
    main()
