"""Service settings, read once from environment variables into one msgspec struct."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Literal

import msgspec
from limits import parse_many

DEFAULT_DATA_DIR = Path("data")
DEV_SECRET = "dev-only-secret-change-me"  # noqa: S105 - placeholder for the embedded default


class Settings(msgspec.Struct, frozen=True, kw_only=True):
    """Everything the service reads from its environment.

    Each field maps to the upper-case environment variable of the same name.
    """

    database_url: str = ""
    redis_url: str | None = None
    secret_key: str = DEV_SECRET
    upload_limit: Annotated[int, msgspec.Meta(gt=0)] = 50 * 1024 * 1024
    max_tasks_per_job: Annotated[int, msgspec.Meta(gt=0)] = 1_000_000
    lease_seconds: Annotated[int, msgspec.Meta(ge=30, le=86_400)] = 1200
    max_open_leases: Annotated[int, msgspec.Meta(ge=1)] = 5
    review_lease_seconds: Annotated[int, msgspec.Meta(ge=30)] = 1800
    token_ttl_seconds: Annotated[int, msgspec.Meta(ge=60)] = 30 * 86_400
    reap_interval_seconds: Annotated[float, msgspec.Meta(gt=0)] = 2.0
    outbox_retry_seconds: Annotated[float, msgspec.Meta(gt=0)] = 30.0
    accuracy_window_days: Annotated[int, msgspec.Meta(ge=1)] = 180
    demotion_grace_days: Annotated[int, msgspec.Meta(ge=0)] = 14
    nightly_recompute_hour: Annotated[int, msgspec.Meta(ge=0, le=23)] = 3
    levels_file: str | None = None
    queue_name: str = "tasks_service"
    data_dir: str = str(DEFAULT_DATA_DIR)
    auto_migrate: bool = False
    # Believe X-Forwarded-Proto (a TLS-terminating proxy in front): web cookies become Secure.
    trust_proxy_headers: bool = False
    allow_dev_secret: bool = False
    log_format: Literal["json", "text"] = "json"
    # Rate limits in the `limits` library's notation ("120/minute", "5/second;100/hour").
    rate_limits: bool = True
    rate_limit_claim: str = "120/minute"
    rate_limit_claim_per_ip: str = "3000/minute"
    rate_limit_submit: str = "120/minute"
    rate_limit_submit_per_ip: str = "3000/minute"
    rate_limit_login: str = "30/minute"
    rate_limit_login_per_ip: str = "300/minute"
    rate_limit_register_per_ip: str = "100/hour"
    # Failed logins: each tier that is full refuses further attempts until it empties.
    login_failures: str = "5/minute;10/15 minutes;20/day"
    login_failures_per_ip: str = "50/minute;200/hour;1000/day"

    def __post_init__(self) -> None:
        for name in self.__struct_fields__:
            if name.startswith(("rate_limit_", "login_failures")):
                value = getattr(self, name)
                try:
                    parse_many(value)
                except ValueError as exc:
                    raise ValueError(f"{name.upper()}: {value!r} is not a rate limit") from exc

    @property
    def effective_database_url(self) -> str:
        """The SQLAlchemy async URL, with the embedded SQLite file as the default."""
        url = self.database_url or f"sqlite+aiosqlite:///{Path(self.data_dir) / 'tasks.db'}"
        for plain, driver in (
            ("postgresql://", "postgresql+asyncpg://"),
            ("postgres://", "postgresql+asyncpg://"),
            ("sqlite://", "sqlite+aiosqlite://"),
        ):
            if url.startswith(plain):
                return driver + url[len(plain) :]
        return url

    @property
    def is_sqlite(self) -> bool:
        return self.effective_database_url.startswith("sqlite")

    @property
    def uses_dev_secret_on_a_server(self) -> bool:
        """The published development SECRET_KEY on a shared database: tokens forgeable there."""
        return self.secret_key == DEV_SECRET and not self.is_sqlite and not self.allow_dev_secret


def load_settings(environ: dict[str, str] | None = None) -> Settings:
    """Build settings from the environment; raises ``msgspec.ValidationError`` on bad values."""
    env = os.environ if environ is None else environ
    raw: dict[str, object] = {}
    for name in Settings.__struct_fields__:
        value = env.get(name.upper())
        if value is not None and value != "":
            raw[name] = value
    return msgspec.convert(raw, Settings, strict=False)
