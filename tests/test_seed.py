"""The demo loader: accounts, a project and split jobs; a second run changes nothing."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from seeds.loader import ACCOUNTS, load
from tasks_service.db import models as m
from tasks_service.settings import Settings


async def counts(engine: AsyncEngine) -> dict[str, int]:
    async with engine.connect() as connection:
        return {
            model.__tablename__: int(
                await connection.scalar(select(func.count()).select_from(model)) or 0
            )
            for model in (m.Account, m.Project, m.Job, m.Task)
        }


async def test_seed_loads_demo_data_once(settings: Settings, engine: AsyncEngine) -> None:
    first = await load(settings)
    assert any("demo-volunteer" in line for line in first)
    after_first = await counts(engine)
    assert after_first["accounts"] == len(ACCOUNTS)
    assert after_first["jobs"] == 2
    assert after_first["tasks"] > 5
    async with engine.connect() as connection:
        statuses = set((await connection.scalars(select(m.Job.status))).all())
    assert statuses == {"open"}  # split in-process, ready to claim

    second = await load(settings)
    assert second == ["demo data already loaded; nothing changed"]
    assert await counts(engine) == after_first
