"""The claim on PostgreSQL: the ``claim_tasks`` function, one call for one claim or many.

``claim_tasks`` (migration 0004) takes the same decision as ``selection.py`` (which SQLite runs
statement by statement): for each request in turn it locks the volunteer's row, then in one
statement picks the task with SKIP LOCKED, inserts the lease, counts down the slot and returns
the task with what the volunteer's view needs. Each of those statements has its own snapshot,
so the open-lease cap counts every lease taken before the lock, and a later request of the
same call sees the slots an earlier one took.

A claim in a request's own transaction (``claim``) is one call for one request. The API's
claims go through a ``ClaimBatcher``: the requests that arrive while a call is running wait for
the next one, which takes them all in one round trip and one commit. At one claim at a time
nothing waits; under load, the cost of a round trip, a statement and a commit is shared by the
batch instead of paid by each claim (``bench/claim.py``).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from types import SimpleNamespace

import asyncpg
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession

from tasks_service.db import models as m

CLAIM_TASKS = "SELECT * FROM claim_tasks($1, $2, $3, $4, $5, $6)"
BATCH_LIMIT = 25  # claims per call: small enough that, under load, both flights are busy
FLIGHTS = 2  # calls running at once per process: one is sent while the other's rows come back


@dataclass(frozen=True, slots=True)
class ClaimRequest:
    """Who claims, by account or by the digest of their bearer token (checked by the call
    itself, so a claim over HTTP needs no other statement), and the scope."""

    account_id: int | None
    token_hash: str | None
    job_id: int | None
    project_id: int | None

    @classmethod
    def of(cls, account: m.Account, job_id: int | None, project_id: int | None) -> ClaimRequest:
        return cls(account.id, None, job_id, project_id)


async def run(
    driver: asyncpg.Connection, requests: Sequence[ClaimRequest], now: datetime, cap: int
) -> list[SimpleNamespace]:
    """One call of claim_tasks: a row per request, in their order. ``volunteer`` is the account
    (None: the token is missing, expired or revoked), ``held`` its open leases before the
    claim; ``assignment_id`` is None when nothing was leased."""
    columns = zip(
        *((r.account_id, r.token_hash, r.job_id, r.project_id) for r in requests), strict=True
    )
    rows = await driver.fetch(CLAIM_TASKS, *(list(column) for column in columns), now, cap)
    return [SimpleNamespace(**row) for row in sorted(rows, key=lambda row: row["request"])]


async def claim(
    session: AsyncSession, request: ClaimRequest, now: datetime, cap: int
) -> SimpleNamespace:
    """The claim inside the session's transaction, on its connection.

    Straight to asyncpg: through the ORM the same call costs the client three times the CPU
    (parameter and result processing), which on this hot path is most of a claim's cost.
    """
    connection = await session.connection()
    driver = (await connection.get_raw_connection()).driver_connection
    assert driver is not None
    async with as_sqlalchemy_errors(connection):
        return (await run(driver, [request], now, cap))[0]


Waiting = list[tuple[ClaimRequest, "asyncio.Future[SimpleNamespace]"]]


class ClaimBatcher:
    """Claims of concurrent requests, run together on connections of the engine's pool.

    Each call commits on its own (autocommit): a lease is taken whatever becomes of the request
    that asked for it, as a client that vanishes after its claim would leave it too; it expires.
    """

    def __init__(self, engine: AsyncEngine, cap: int) -> None:
        self.engine = engine
        self.cap = cap
        self.waiting: Waiting = []
        self.flights: set[asyncio.Task[None]] = set()

    async def claim(self, request: ClaimRequest) -> SimpleNamespace:
        future: asyncio.Future[SimpleNamespace] = asyncio.get_running_loop().create_future()
        self.waiting.append((request, future))
        self._launch()
        return await future

    def _launch(self) -> None:
        if self.waiting and len(self.flights) < FLIGHTS:
            flight = asyncio.create_task(self._fly())
            self.flights.add(flight)
            flight.add_done_callback(self._landed)

    def _landed(self, flight: asyncio.Task[None]) -> None:
        self.flights.discard(flight)
        self._launch()  # claims that came while it was landing, or after its connection died

    async def _fly(self) -> None:
        """Run calls while claims wait, on one connection; hand each row to its request."""
        try:
            async with self.engine.connect() as connection:
                driver = (await connection.get_raw_connection()).driver_connection
                assert driver is not None
                while self.waiting and not connection.invalidated:
                    batch = self.waiting[:BATCH_LIMIT]
                    del self.waiting[:BATCH_LIMIT]
                    try:
                        async with as_sqlalchemy_errors(connection):
                            rows = await run(driver, [r for r, _ in batch], m.utcnow(), self.cap)
                    except Exception as exc:
                        _settle(batch, exc)
                        continue
                    for (_, future), row in zip(batch, rows, strict=True):
                        if not future.done():  # a request that gave up leaves its lease to expire
                            future.set_result(row)
        except Exception as exc:  # no connection to be had: every waiting claim gets the error
            waiting, self.waiting = self.waiting, []
            _settle(waiting, exc)


def _settle(batch: Waiting, exc: Exception) -> None:
    for _, future in batch:
        if not future.done():
            future.set_exception(exc)


# The connection is gone or in a state no statement can follow (asyncpg's own words).
LOST_CONNECTION = (
    asyncpg.PostgresConnectionError,
    asyncpg.InterfaceError,
    asyncpg.InternalClientError,
    OSError,
)


@asynccontextmanager
async def as_sqlalchemy_errors(connection: AsyncConnection) -> AsyncIterator[None]:
    """The driver's errors as SQLAlchemy's, so the service answers them as it answers the
    ORM's: a lost connection is a 503 to retry, not a 500. SQLAlchemy did not see the
    connection die, so it is told, or the request's rollback would fail on it."""
    try:
        yield
    except LOST_CONNECTION as exc:
        await connection.invalidate(exc)
        raise OperationalError(CLAIM_TASKS, None, exc) from exc
    except asyncpg.PostgresError as exc:
        raise DBAPIError(CLAIM_TASKS, None, exc) from exc
