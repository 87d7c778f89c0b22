"""Login throttling: failed passwords lock a username, and an address, out for a while.

Failures are counted in tiers (``LOGIN_FAILURES``, default 5 a minute, 10 in 15 minutes, 20 a
day): while any tier is full every attempt is refused with 429, the right password too, and the
wait grows with each tier reached. A success clears the username's failures (not the address's:
an attacker's own account must not wash out its guesses at others). Unknown usernames are
counted exactly like real ones, so the answers never tell whether an account exists.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from limits.errors import StorageError

from tasks_service.errors import TooManyRequests, Unauthorized
from tasks_service.ratelimit import RateLimits, retry_after

log = logging.getLogger(__name__)


class LoginThrottle:
    def __init__(self, limits: RateLimits) -> None:
        self.limits = limits

    def _tiers(self, username: str, address: str) -> list[tuple[str, str, str]]:
        """(setting, scope, key) for each count a failure adds to."""
        return [
            ("login_failures", "username", username.lower()),
            ("login_failures_per_ip", "address", address),
        ]

    @asynccontextmanager
    async def attempt(self, username: str, address: str) -> AsyncIterator[None]:
        """Refuse while locked out; count the attempt's failure, or clear on success."""
        await self._refuse_while_locked(username, address)
        await self.limits.hit("login", "account", username.lower())
        try:
            yield
        except Unauthorized:
            await self._count_failure(username, address)
            raise
        await self._clear(username)

    async def _refuse_while_locked(self, username: str, address: str) -> None:
        window = self.limits.window
        for setting, scope, key in self._tiers(username, address):
            for item in self.limits.limits_of(setting):
                try:
                    if await window.test(item, "login", scope, key):
                        continue
                    stats = await window.get_window_stats(item, "login", scope, key)
                except StorageError as exc:
                    log.warning("login throttle storage unavailable, not checked: %s", exc)
                    return
                wait = retry_after(stats.reset_time)
                raise TooManyRequests(
                    f"too many failed logins for this {scope}: {item} reached "
                    f"({setting.upper()}); try again in {wait} s",
                    retry_after=wait,
                )

    async def _count_failure(self, username: str, address: str) -> None:
        try:
            for setting, scope, key in self._tiers(username, address):
                for item in self.limits.limits_of(setting):
                    await self.limits.window.hit(item, "login", scope, key)
        except StorageError as exc:
            log.warning("login throttle storage unavailable, failure not counted: %s", exc)

    async def _clear(self, username: str) -> None:
        setting, scope, key = self._tiers(username, "")[0]
        try:
            for item in self.limits.limits_of(setting):
                await self.limits.window.clear(item, "login", scope, key)
        except StorageError as exc:
            log.warning("login throttle storage unavailable, failures not cleared: %s", exc)
