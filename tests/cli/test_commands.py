"""The ``tasks-service`` command: migrate and make-admin against a fresh SQLite file."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from tasks_service.accounts import schemas
from tasks_service.accounts.services import get_by_username, register
from tasks_service.cli import main
from tasks_service.db.engine import create_engine, create_sessionmaker


def test_migrate_then_make_admin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    main(["migrate"])

    async def add_account() -> None:
        engine = create_engine(url)
        async with create_sessionmaker(engine).begin() as session:
            await register(session, schemas.AccountCreate("root-user", "a long passphrase"))
        await engine.dispose()

    async def is_admin() -> bool:
        engine = create_engine(url)
        async with create_sessionmaker(engine)() as session:
            account = await get_by_username(session, "root-user")
        await engine.dispose()
        return bool(account and account.is_admin)

    asyncio.run(add_account())
    main(["make-admin", "root-user"])
    assert asyncio.run(is_admin())


def test_bad_settings_stop_with_a_message(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LEASE_SECONDS", "soon")
    with pytest.raises(SystemExit, match="invalid settings"):
        main(["migrate"])
