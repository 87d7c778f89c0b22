"""Where the counts live: Redis shared by every API process (under the queue name), or memory.

An unreachable Redis lets requests through instead of failing them.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis

from tasks_service.errors import TooManyRequests
from tasks_service.ratelimit import RateLimits
from tasks_service.settings import Settings
from tests.conftest import REDIS_URL


def limited(redis_url: str | None, queue_name: str) -> Settings:
    return Settings(redis_url=redis_url, queue_name=queue_name, rate_limit_claim="2/minute")


@pytest.fixture
async def redis() -> AsyncIterator[Redis]:
    client = Redis.from_url(REDIS_URL)
    yield client
    await client.aclose()


async def test_processes_sharing_redis_count_together(redis: Redis) -> None:
    """Two API processes (two RateLimits) on one Redis share an account's limit."""
    queue = f"tasks_test_{uuid.uuid4().hex[:8]}"
    first = RateLimits(limited(REDIS_URL, queue), redis)
    second = RateLimits(limited(REDIS_URL, queue), redis)
    await first.hit("claim", "account", "7")
    await second.hit("claim", "account", "7")
    with pytest.raises(TooManyRequests, match=r"at most 2 per 1 minute per account"):
        await first.hit("claim", "account", "7")
    await second.hit("claim", "account", "8")
    keys = [key.decode() async for key in redis.scan_iter(f"{queue}:limits*")]
    assert keys, "the counts live under the queue name"
    await redis.delete(*keys)


async def test_another_queue_name_counts_apart(redis: Redis) -> None:
    """Deployments (and test runs) with their own queue name do not share counts."""
    mine = RateLimits(limited(REDIS_URL, f"tasks_test_{uuid.uuid4().hex[:8]}"), redis)
    theirs = RateLimits(limited(REDIS_URL, f"tasks_test_{uuid.uuid4().hex[:8]}"), redis)
    for _ in range(2):
        await mine.hit("claim", "account", "7")
    await theirs.hit("claim", "account", "7")
    for limits in (mine, theirs):
        await limits.storage.reset()


async def test_without_redis_the_counts_are_in_memory() -> None:
    limits = RateLimits(limited(None, "q"))
    for _ in range(2):
        await limits.hit("claim", "account", "7")
    with pytest.raises(TooManyRequests):
        await limits.hit("claim", "account", "7")


async def test_unreachable_redis_lets_requests_through() -> None:
    """Rate limits protect the service; a Redis outage must not turn claims into errors."""
    down = "redis://127.0.0.1:9/0"  # the discard port: nothing listens there
    client = Redis.from_url(down, socket_connect_timeout=0.5)
    try:
        limits = RateLimits(limited(down, "q"), client)
        for _ in range(3):
            await limits.hit("claim", "account", "7")
    finally:
        await client.aclose()
