"""The one migration history builds exactly the models' schema, on both databases."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest
from alembic import command

from tasks_service.db.migrate import alembic_config
from tests.conftest import PG_ADMIN_URL


@pytest.fixture(params=["postgres", "sqlite"])
async def empty_database(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'fresh.db'}"
        return
    name = f"tasks_migrate_{uuid.uuid4().hex[:10]}"
    admin = await asyncpg.connect(PG_ADMIN_URL)
    await admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield (
            PG_ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://")
            + f"/{name}"
        )
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


async def test_upgrade_downgrade_upgrade_matches_the_models(empty_database: str) -> None:
    config = alembic_config(empty_database)

    def cycle() -> None:
        command.upgrade(config, "head")
        command.check(config)  # raises if the models and the migrated schema differ
        command.downgrade(config, "base")
        command.upgrade(config, "head")

    await asyncio.to_thread(cycle)
