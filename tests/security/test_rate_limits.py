"""Rate limits on claim, submit, token creation and registration, per account and per address.

Each full limit answers 429 with ``Retry-After`` and a detail naming the limit and its setting;
what was refused is not done (no lease, no account), and other callers are not affected.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import msgspec
import pytest

from tasks_service.settings import Settings
from tests.harness import API, PASSWORD, Api, assert_problem, leases

ELSEWHERE = "203.0.113.7"  # a documentation address: another client than the test's own


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """Low limits, chosen so that each test reaches only the one it is about."""
    return msgspec.structs.replace(
        settings,
        rate_limit_claim="3/minute",
        rate_limit_claim_per_ip="5/minute",
        rate_limit_submit="2/minute",
        rate_limit_login="3/minute",
        rate_limit_register_per_ip="2/minute",
    )


@asynccontextmanager
async def client_from(api: Api, host: str) -> AsyncIterator[httpx.AsyncClient]:
    """A client of the same app whose requests come from ``host``."""
    transport = httpx.ASGITransport(app=api.app, client=(host, 4321))
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        yield client


def assert_rate_limited(response: httpx.Response, fragment: str) -> None:
    body = assert_problem(response, 429, fragment)
    wait = int(response.headers["retry-after"])
    assert 1 <= wait <= 60
    assert body["retry_after"] == wait
    assert f"try again in {wait} s" in body["detail"]


async def test_claims_beyond_the_account_limit_are_429(api: Api) -> None:
    """The fourth claim in a minute is refused for that account alone, and leases nothing."""
    alice, bob = await api.volunteers(2)
    owner = await api.register("owner")
    job = await api.job_ready(owner, await api.project(owner), b"One.\n\nTwo.\n")
    for _ in range(3):
        assert (await api.claim(alice, project_id=10**6)).status_code == 404
    refused = await api.claim(alice, job_id=job["id"])
    assert_rate_limited(refused, "at most 3 per 1 minute per account (RATE_LIMIT_CLAIM)")
    assert await leases(api, alice) == []
    assert (await api.claim(bob, job_id=job["id"])).status_code == 200


async def test_claims_beyond_the_address_limit_are_429(api: Api) -> None:
    """Many accounts on one address share its limit; another address is not held back."""
    alice, bob, carol = await api.volunteers(3)
    for headers in (alice, alice, alice, bob, bob):
        assert (await api.claim(headers)).status_code == 204
    refused = await api.claim(carol)
    assert_rate_limited(refused, "at most 5 per 1 minute per address (RATE_LIMIT_CLAIM_PER_IP)")
    async with client_from(api, ELSEWHERE) as client:
        response = await client.post(f"{API}/tasks/claim", json={}, headers=carol)
        assert response.status_code == 204


async def test_submits_beyond_the_account_limit_are_429(api: Api) -> None:
    """Answers count per account, whatever became of them."""
    alice, bob = await api.volunteers(2)
    for _ in range(2):
        assert (await api.submit(alice, 10**6, "Bonjour.")).status_code == 404
    refused = await api.submit(alice, 10**6, "Bonjour.")
    assert_rate_limited(refused, "at most 2 per 1 minute per account (RATE_LIMIT_SUBMIT)")
    assert (await api.submit(bob, 10**6, "Bonjour.")).status_code == 404


async def test_registrations_beyond_the_address_limit_are_429(api: Api) -> None:
    """The third registration from one address in a minute is refused and creates nothing."""
    for name in ("ana", "ben"):
        body = {"username": name, "password": PASSWORD}
        assert (await api.client.post(f"{API}/accounts", json=body)).status_code == 201
    body = {"username": "cleo", "password": PASSWORD}
    refused = await api.client.post(f"{API}/accounts", json=body)
    assert_rate_limited(refused, "at most 2 per 1 minute per address (RATE_LIMIT_REGISTER_PER_IP)")
    async with client_from(api, ELSEWHERE) as client:
        login = await client.post(f"{API}/auth/tokens", json=body)
        assert login.status_code == 401  # cleo was not created
        assert (await client.post(f"{API}/accounts", json=body)).status_code == 201


async def test_tokens_beyond_the_account_limit_are_429(api: Api) -> None:
    """Token requests count per username, right password or not."""
    await api.volunteers(2)
    login = {"username": "v0", "password": PASSWORD}
    for _ in range(3):
        assert (await api.client.post(f"{API}/auth/tokens", json=login)).status_code == 201
    refused = await api.client.post(f"{API}/auth/tokens", json=login)
    assert_rate_limited(refused, "at most 3 per 1 minute per account (RATE_LIMIT_LOGIN)")
    other = {"username": "v1", "password": PASSWORD}
    assert (await api.client.post(f"{API}/auth/tokens", json=other)).status_code == 201


async def test_limits_can_be_turned_off(api: Api, settings: Settings) -> None:
    """RATE_LIMITS=false (load tests on one host) lets every request through."""
    api.app.state.rate_limits.settings = msgspec.structs.replace(settings, rate_limits=False)
    (alice,) = await api.volunteers(1)
    for _ in range(8):
        assert (await api.claim(alice)).status_code == 204
