"""The service as a deployment runs it: a database of its own, a redis-server of its own, API and
arq worker processes (``tests.faults.processes``).

``Deployment.client`` gives the ordinary test client (``tests.harness.Api``) speaking real HTTP
to the served API, with direct database access for the helpers that need it (accounts made in
bulk, waiting for the outbox to drain), so fault tests read like the in-process ones.
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import asyncpg
import httpx
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from tasks_service.background import outbox
from tasks_service.db.engine import create_sessionmaker
from tasks_service.db.migrate import upgrade_to_head_async
from tasks_service.settings import Settings
from tests.faults.processes import COMMAND, Process, RedisServer, free_port, wait_healthy
from tests.harness import Api

PG_ADMIN_URL = os.environ.get("TEST_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/test")
SECRET = "fault-tests-secret"
CHECKER = "fault-checker"  # application_name of the test's own connections


@dataclass
class DrainOutbox:
    """``Api.settle`` for a served API: wait until the outbox holds nothing pending."""

    sessionmaker: async_sessionmaker[AsyncSession]

    async def drain(self, within: float = 30.0) -> None:
        async with asyncio.timeout(within):
            while True:
                async with self.sessionmaker() as session:
                    if await outbox.pending_count(session) == 0:
                        return
                await asyncio.sleep(0.1)


@dataclass
class RemoteState:
    settings: Settings
    sessionmaker: async_sessionmaker[AsyncSession]
    background: DrainOutbox


@dataclass
class RemoteApp:
    """What ``tests.harness.Api`` reads from ``app.state``, for an app in another process."""

    state: RemoteState


@dataclass
class Deployment:
    database: str  # its name, to filter pg_stat_activity on
    redis: RedisServer
    engine: AsyncEngine
    settings: Settings
    env: dict[str, str]
    processes: list[Process] = field(default_factory=list)

    @property
    def sessionmaker(self) -> async_sessionmaker[AsyncSession]:
        return create_sessionmaker(self.engine)

    def worker_process(self) -> Process:
        process = Process(f"worker{len(self.processes)}", [COMMAND, "worker"], self.env)
        self.processes.append(process)
        return process

    async def start_api(self, workers: int = 1) -> tuple[Process, str]:
        """``tasks-service serve --workers N`` on a free port, once it answers ``/health``."""
        port = free_port()
        command = [COMMAND, "serve", "--host", "127.0.0.1", "--port", str(port)]
        command += ["--workers", str(workers), "--log-level", "warning"]
        process = Process(f"api:{port}", command, self.env)
        self.processes.append(process)
        process.start()
        base = f"http://127.0.0.1:{port}"
        await wait_healthy(process, base)
        return process, base

    def start_workers(self, count: int) -> list[Process]:
        started = [self.worker_process() for _ in range(count)]
        for process in started:
            process.start()
        return started

    @asynccontextmanager
    async def client(self, base: str) -> AsyncIterator[Api]:
        """The harness's Api against ``base``; ``api.settle()`` waits for the outbox."""
        limits = httpx.Limits(max_connections=200, max_keepalive_connections=200)
        async with httpx.AsyncClient(base_url=base, timeout=30, limits=limits) as http:
            state = RemoteState(self.settings, self.sessionmaker, DrainOutbox(self.sessionmaker))
            yield Api(http, cast(Any, RemoteApp(state)))

    async def terminate_api_connections(self) -> int:
        """``pg_terminate_backend`` the service's connections to this test's database, and only
        to it (filtered on ``datname``); the checker's own connections are spared."""
        connection = await asyncpg.connect(PG_ADMIN_URL)
        try:
            rows = await connection.fetch(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = $1 AND application_name <> $2",
                self.database,
                CHECKER,
            )
        finally:
            await connection.close()
        return len(rows)

    def logs(self) -> str:
        return "\n".join(f"--- {p.name} ---\n{p.tail()}" for p in [self.redis, *self.processes])


async def scrape(client: httpx.AsyncClient) -> dict[str, float]:
    """``/metrics`` as {'name{label="value"}': value}, one process's answer."""
    response = await client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    return {
        sample.name
        + (
            "{" + ",".join(f'{k}="{v}"' for k, v in sorted(sample.labels.items())) + "}"
            if sample.labels
            else ""
        ): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


async def admin_execute(statement: str) -> None:
    connection = await asyncpg.connect(PG_ADMIN_URL)
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


@asynccontextmanager
async def deployment(**env: str) -> AsyncIterator[Deployment]:
    """A fresh migrated database and a private Redis; processes started inside are stopped
    and the database dropped on the way out. ``env`` adds or overrides settings variables."""
    name = f"tasks_fault_{uuid.uuid4().hex[:12]}"
    await admin_execute(f'CREATE DATABASE "{name}"')
    url = f"{PG_ADMIN_URL.rsplit('/', 1)[0]}/{name}"
    redis = RedisServer()
    metrics_dir = tempfile.mkdtemp(prefix="tasks-fault-metrics-")
    engine: AsyncEngine | None = None
    setup: Deployment | None = None
    try:
        await upgrade_to_head_async(url.replace("postgresql://", "postgresql+asyncpg://"))
        await redis.started()
        variables = {
            "DATABASE_URL": url,
            "REDIS_URL": redis.url,
            "QUEUE_NAME": f"faults_{name}",
            "SECRET_KEY": SECRET,
            "OUTBOX_RETRY_SECONDS": "2",
            "REVIEW_LEASE_SECONDS": "30",
            "MAX_OPEN_LEASES": "5",
            "RATE_LIMITS": "false",  # one address, many volunteers: limits are tested apart
            "PROMETHEUS_MULTIPROC_DIR": metrics_dir,
            **env,
        }
        child_env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL",)}
        child_env |= variables
        settings = Settings(
            database_url=url,
            redis_url=redis.url,
            secret_key=SECRET,
            queue_name=variables["QUEUE_NAME"],
            max_open_leases=int(variables["MAX_OPEN_LEASES"]),
        )
        engine = create_async_engine(
            settings.effective_database_url,
            pool_size=5,
            connect_args={"server_settings": {"application_name": CHECKER}},
        )
        setup = Deployment(name, redis, engine, settings, child_env)
        yield setup
    except BaseException:
        if setup is not None:
            print(setup.logs(), file=sys.stderr)
        raise
    finally:
        for process in reversed(setup.processes if setup else []):
            process.stop()
        redis.kill()
        if engine is not None:
            await engine.dispose()
        await admin_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        for leftover in Path(metrics_dir).glob("*"):
            leftover.unlink()
        Path(metrics_dir).rmdir()
