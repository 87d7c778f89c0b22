"""Rate limits per account and per client address on the routes worth abusing.

One ``RateLimits`` per process holds a storage of the ``limits`` library: Redis when
``REDIS_URL`` is set (keys under the queue name, so every API process counts together), process
memory otherwise. A route opts in with ``**rate_limited("claim")``: a guard counts the client
address before the body is read or the token looked up, and on routes with a caller the
``account`` dependency counts the account once it is known. A limit that is full answers 429
with ``Retry-After``. If the storage fails (Redis down), requests pass: the limits protect the
service, they must not take it down.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass
from typing import Any, Literal

from limits import RateLimitItem, parse_many
from limits.aio.storage import MemoryStorage, RedisStorage, Storage
from limits.aio.strategies import MovingWindowRateLimiter
from limits.errors import StorageError
from litestar import Request
from litestar.connection import ASGIConnection
from litestar.di import Provide
from litestar.handlers.base import BaseRouteHandler
from redis.asyncio import Redis
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from tasks_service.accounts.deps import provide_account
from tasks_service.db import models as m
from tasks_service.errors import TooManyRequests
from tasks_service.settings import Settings

Action = Literal["claim", "submit", "login", "register"]
log = logging.getLogger(__name__)

TOKEN_OWNERS_KEPT = 100_000  # digests remembered per process (then forgotten at once)


@dataclass(frozen=True, slots=True)
class Rule:
    """What one action counts: the settings holding its limits, and its name in a refusal."""

    noun: str
    per_account: str | None
    per_ip: str


RULES: dict[Action, Rule] = {
    "claim": Rule("claims", "rate_limit_claim", "rate_limit_claim_per_ip"),
    "submit": Rule("answers", "rate_limit_submit", "rate_limit_submit_per_ip"),
    # Token requests are counted per username by the login throttle (no caller yet).
    "login": Rule("token requests", "rate_limit_login", "rate_limit_login_per_ip"),
    "register": Rule("registrations", None, "rate_limit_register_per_ip"),
}


class RateLimits:
    """The process's counters: moving windows (exact, so a limit is never exceeded at a
    window's edge, and ``Retry-After`` is when the oldest counted request leaves it)."""

    def __init__(self, settings: Settings, redis: Redis | None = None) -> None:
        self.settings = settings
        self.storage: Storage
        if redis is not None and settings.redis_url:
            shared: dict[str, Any] = {"connection_pool": redis.connection_pool}
            self.storage = RedisStorage(
                f"async+{settings.redis_url}",
                wrap_exceptions=True,
                implementation="redispy",
                key_prefix=f"{settings.queue_name}:limits",
                **shared,
            )
        else:
            self.storage = MemoryStorage(wrap_exceptions=True)
        self.window = MovingWindowRateLimiter(self.storage)
        self.token_owners: dict[str, int] = {}  # token digest -> account, for hit_token_owner
        self._parsed: dict[str, list[RateLimitItem]] = {}

    def limits_of(self, setting: str) -> list[RateLimitItem]:
        if setting not in self._parsed:
            self._parsed[setting] = parse_many(getattr(self.settings, setting))
        return self._parsed[setting]

    async def hit_token_owner(self, action: Action, token_hash: str, session: AsyncSession) -> None:
        """Count ``action`` against the account owning a bearer token, before the token itself
        is checked (the claim checks it in its own call). A token's account never changes, so
        it is kept; an unknown token counts against nobody and is refused where it is checked.
        """
        if not self.settings.rate_limits:
            return
        owner = self.token_owners.get(token_hash)
        if owner is None:
            owner = await session.scalar(
                select(m.Token.account_id).where(m.Token.token_hash == token_hash)
            )
            if owner is None:
                return
            if len(self.token_owners) >= TOKEN_OWNERS_KEPT:
                self.token_owners.clear()
            self.token_owners[token_hash] = owner
        await self.hit(action, "account", str(owner))

    async def hit(self, action: Action, scope: Literal["account", "address"], who: str) -> None:
        """Count one request of ``action`` by ``who``; 429 naming the limit if one is full."""
        if not self.settings.rate_limits:
            return
        rule = RULES[action]
        setting = rule.per_account if scope == "account" else rule.per_ip
        if setting is None:
            return
        for item in self.limits_of(setting):
            try:
                if await self.window.hit(item, action, scope, who):
                    continue
                stats = await self.window.get_window_stats(item, action, scope, who)
            except StorageError as exc:
                log.warning("rate limit storage unavailable, %s not counted: %s", action, exc)
                return
            wait = retry_after(stats.reset_time)
            raise TooManyRequests(
                f"too many {rule.noun}: at most {item} per {scope} "
                f"({setting.upper()}); try again in {wait} s",
                retry_after=wait,
            )


def retry_after(reset_time: float) -> int:
    """Whole seconds until ``reset_time`` (a Unix time), at least one."""
    return max(1, math.ceil(reset_time - time.time()))


def client_address(connection: ASGIConnection[Any, Any, Any, Any]) -> str:
    """The caller's address as the server saw it (behind a trusted proxy: its forwarded one)."""
    return connection.client.host if connection.client else "unknown"


async def _count_address(
    connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler
) -> None:
    limits: RateLimits = connection.app.state.rate_limits
    await limits.hit(handler.opt["rate_limit"], "address", client_address(connection))


def _counting_account(action: Action) -> Provide:
    async def provide(
        request: Request[Any, Any, Any], db_session: AsyncSession, settings: Settings
    ) -> m.Account:
        account = await provide_account(request, db_session, settings)
        limits: RateLimits = request.app.state.rate_limits
        await limits.hit(action, "account", str(account.id))
        return account

    return Provide(provide)


def rate_limited(action: Action, *, has_caller: bool = False, **opt: Any) -> dict[str, Any]:
    """Route handler options applying ``action``'s limits: per address always, per account on
    routes with a caller (``has_caller``), by replacing their ``account`` dependency. ``opt``
    is the handler's other ``opt`` (see openapi.py)."""
    options: dict[str, Any] = {"guards": [_count_address], "opt": {"rate_limit": action, **opt}}
    if has_caller:
        options["dependencies"] = {"account": _counting_account(action)}
    return options
