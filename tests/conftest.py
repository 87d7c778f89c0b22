"""Real databases for the tests: a fresh PostgreSQL database and a SQLite file per run.

Each run creates its own uniquely named database (so runs can go side by side), migrates it
once, and empties every table after each test; the database is dropped at the end.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import asyncpg
import httpx
import pytest
from litestar import Litestar
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tasks_service.app import create_app
from tasks_service.db import models as m
from tasks_service.db.engine import create_engine
from tasks_service.db.migrate import upgrade_to_head_async
from tasks_service.settings import Settings
from tests.harness import Api

PG_ADMIN_URL = os.environ.get("TEST_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
RUN_ID = uuid.uuid4().hex[:10]
TABLES = [table.name for table in reversed(m.Base.metadata.sorted_tables)]
# Tests are many quick clients on one address: limits only the tests in tests/security reach.
GENEROUS_RATE_LIMITS = {
    name: "100000/minute" for name in Settings.__struct_fields__ if name.startswith("rate_limit_")
}


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Tests that ask for ``backend`` run on both databases unless marked postgres_only."""
    if "backend" in metafunc.fixturenames:
        only_pg = metafunc.definition.get_closest_marker("postgres_only") is not None
        metafunc.parametrize("backend", ["postgres"] if only_pg else ["postgres", "sqlite"])


@pytest.fixture(scope="session")
async def postgres_url() -> AsyncIterator[str]:
    name = f"tasks_test_{RUN_ID}"
    admin = await asyncpg.connect(PG_ADMIN_URL)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    base = PG_ADMIN_URL.rsplit("/", 1)[0]
    url = f"{base}/{name}".replace("postgresql://", "postgresql+asyncpg://")
    await upgrade_to_head_async(url)
    yield url
    admin = await asyncpg.connect(PG_ADMIN_URL)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


@pytest.fixture(scope="session")
async def sqlite_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    path: Path = tmp_path_factory.mktemp("db") / "tasks.db"
    url = f"sqlite+aiosqlite:///{path}"
    await upgrade_to_head_async(url)
    return url


@pytest.fixture
def database_url(backend: str, request: pytest.FixtureRequest) -> str:
    fixture = "postgres_url" if backend == "postgres" else "sqlite_url"
    return str(request.getfixturevalue(fixture))


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(
        database_url=database_url,
        queue_name=f"tasks_test_{RUN_ID}_{uuid.uuid4().hex[:6]}",
        max_open_leases=3,
        reap_interval_seconds=0.2,
        outbox_retry_seconds=2.0,
        **GENEROUS_RATE_LIMITS,
    )


@pytest.fixture
async def engine(settings: Settings) -> AsyncIterator[AsyncEngine]:
    """The test's own engine; every table is emptied after the test."""
    engine = create_engine(settings.effective_database_url, pool_size=5)
    yield engine
    async with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            await connection.execute(text(f"TRUNCATE {', '.join(TABLES)} RESTART IDENTITY CASCADE"))
        else:
            for table in TABLES:
                await connection.execute(text(f"DELETE FROM {table}"))
    await engine.dispose()


@pytest.fixture
async def api(settings: Settings, engine: AsyncEngine) -> AsyncIterator[Api]:
    """The whole service over HTTP, background jobs running in-process."""
    app = create_app(settings)
    async with running(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            yield Api(client, app)


@asynccontextmanager
async def running(app: Litestar) -> AsyncIterator[None]:
    """Run the app's lifespan in this event loop, entered and left by one task of its own.

    Litestar's test client would start a second loop for the lifespan (connections must not
    cross loops), and pytest-asyncio finalises fixtures in another task than it set them up in.
    """
    started, stop = asyncio.Event(), asyncio.Event()

    async def hold() -> None:
        async with app.lifespan():
            started.set()
            await stop.wait()

    task = asyncio.create_task(hold())
    await asyncio.wait(
        [task, asyncio.create_task(started.wait())], return_when=asyncio.FIRST_COMPLETED
    )
    if task.done():
        task.result()  # the lifespan failed: raise its error
    try:
        yield
    finally:
        stop.set()
        await task
