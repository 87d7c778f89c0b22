"""Login throttling: failed passwords lock a username (and an address) out for a growing while.

While locked, the right password is refused too; a success clears the username's failures; an
unknown username is treated exactly like a real one, so nothing tells whether it exists.
"""

from __future__ import annotations

import time
from types import SimpleNamespace
from typing import Any

import httpx
import msgspec
import pytest

from tasks_service.settings import Settings
from tests.harness import API, PASSWORD, Api, assert_problem
from tests.security.test_rate_limits import ELSEWHERE, client_from

WRONG = "not the password at all"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """Three failures in two seconds lock for the rest of those seconds, five in a minute for
    the rest of the minute; eight failures from one address lock the address."""
    return msgspec.structs.replace(
        settings,
        login_failures="3 per 2 seconds;5 per 1 minute",
        login_failures_per_ip="8 per 1 minute",
    )


async def login(client: httpx.AsyncClient, username: str, password: str) -> httpx.Response:
    body = {"username": username, "password": password}
    return await client.post(f"{API}/auth/tokens", json=body)


def locked(response: httpx.Response, scope: str = "username") -> dict[str, Any]:
    body = assert_problem(response, 429, f"too many failed logins for this {scope}")
    assert int(response.headers["retry-after"]) == body["retry_after"] >= 1
    return body


class Clock:
    """The time as the counters see it: frozen, moved on by the test."""

    def __init__(self) -> None:
        self.now = time.time()

    def time(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    """The login windows measured in the test's time, not the (busy) machine's."""
    clock = Clock()
    fake = SimpleNamespace(time=clock.time)
    for module in ("limits.aio.storage.memory", "limits.aio.strategies", "tasks_service.ratelimit"):
        monkeypatch.setattr(f"{module}.time", fake)
    return clock


async def test_failures_lock_out_even_the_right_password_for_a_growing_while(
    api: Api, clock: Clock
) -> None:
    """3 failures: refused for 2 s; once those pass, 2 more reach the minute tier."""
    await api.volunteers(1)
    for _ in range(3):
        assert (await login(api.client, "v0", WRONG)).status_code == 401
    first = locked(await login(api.client, "v0", PASSWORD))
    assert first["retry_after"] == 2
    assert "3 per 2 second reached (LOGIN_FAILURES)" in first["detail"]

    clock.now += 2.5
    for _ in range(2):
        assert (await login(api.client, "v0", WRONG)).status_code == 401
    second = locked(await login(api.client, "v0", PASSWORD))
    assert "5 per 1 minute reached" in second["detail"]
    assert second["retry_after"] == 58

    clock.now += 58
    assert (await login(api.client, "v0", PASSWORD)).status_code == 201


async def test_a_success_clears_the_failures(api: Api) -> None:
    """Two failures, a success, two more failures: never three in a row, never locked."""
    await api.volunteers(1)
    for _ in range(2):
        for _ in range(2):
            assert (await login(api.client, "V0", WRONG)).status_code == 401
        assert (await login(api.client, "v0", PASSWORD)).status_code == 201


async def test_unknown_and_real_usernames_are_throttled_alike(api: Api) -> None:
    """Same answers, same lockout, for an account that exists and one that does not."""
    await api.volunteers(1)
    answers: dict[str, list[tuple[int, str]]] = {}
    for username in ("v0", "nobody-here"):
        responses = [await login(api.client, username, WRONG) for _ in range(4)]
        answers[username] = [(r.status_code, r.json()["detail"]) for r in responses]
    assert answers["v0"] == answers["nobody-here"]
    assert [status for status, _ in answers["v0"]] == [401, 401, 401, 429]


async def test_failures_from_one_address_lock_that_address(api: Api) -> None:
    """Guessing across many usernames is caught per address; others still log in."""
    await api.volunteers(1)
    for n in range(8):
        assert (await login(api.client, f"guess{n}", WRONG)).status_code == 401
    locked(await login(api.client, "v0", PASSWORD), scope="address")
    async with client_from(api, ELSEWHERE) as client:
        assert (await login(client, "v0", PASSWORD)).status_code == 201
