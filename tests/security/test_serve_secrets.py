"""Secrets come from the environment: ``serve`` will not put the published development
SECRET_KEY in front of a shared database, while ``make run`` (SQLite) needs no environment."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import uvicorn

from tasks_service.cli import main
from tasks_service.settings import DEV_SECRET

POSTGRES = "postgresql://tasks:s3cret-db-pass@127.0.0.1:1/none"  # never connected to here


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> list[dict[str, Any]]:
    """What ``serve`` would hand to uvicorn (which is not started)."""
    calls: list[dict[str, Any]] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **options: calls.append(options))
    for name in ("DATABASE_URL", "SECRET_KEY", "ALLOW_DEV_SECRET", "LOG_FORMAT", "REDIS_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DATA_DIR", str(tmp_path))
    # serve would otherwise set it for the rest of the test run, in this process
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    return calls


def test_postgres_with_the_dev_secret_is_refused(
    served: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", POSTGRES)
    with pytest.raises(SystemExit, match="development SECRET_KEY") as stopped:
        main(["serve"])
    assert "s3cret-db-pass" not in str(stopped.value)
    assert served == []
    monkeypatch.setenv("SECRET_KEY", DEV_SECRET)  # the same value spelt out is no better
    with pytest.raises(SystemExit):
        main(["serve"])


@pytest.mark.parametrize(
    "env",
    [{"SECRET_KEY": "a-real-secret-from-the-vault"}, {"ALLOW_DEV_SECRET": "1"}],
    ids=["own-secret", "explicitly-allowed"],
)
def test_postgres_serves_with_its_own_secret_or_when_allowed(
    served: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch, env: dict[str, str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", POSTGRES)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    main(["serve"])
    assert len(served) == 1


def test_sqlite_serves_without_any_environment(served: list[dict[str, Any]]) -> None:
    """``make run``: no variables at all; JSON logs, one line per request from our own log."""
    main(["serve", "--port", "8123"])
    [options] = served
    assert options["port"] == 8123 and options["access_log"] is False
    formatter = options["log_config"]["formatters"]["default"]
    assert formatter["()"].endswith("JsonFormatter")


def test_log_format_text_is_plain_lines(
    served: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LOG_FORMAT", "text")
    main(["serve"])
    assert "request_id" in served[0]["log_config"]["formatters"]["default"]["format"]
