"""Moving outbox messages to where they run: arq with Redis, this process without it."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import datetime, timedelta

from tasks_service.background import outbox
from tasks_service.db import models as m
from workers.context import WorkerContext
from workers.jobs import execute, reap, recompute_levels

log = logging.getLogger(__name__)
BATCH = 200


async def dispatch_due(worker: WorkerContext) -> int:
    """Enqueue due messages on arq (or run them here without Redis); returns how many."""
    hold = timedelta(seconds=worker.settings.outbox_retry_seconds)
    async with worker.sessionmaker.begin() as session:
        messages = await outbox.take_due(session, m.utcnow(), limit=BATCH, hold=hold)
        batch = [(message.id, message.topic, message.attempts) for message in messages]
        if worker.redis is not None:
            for outbox_id, topic, attempt in batch:
                await worker.redis.enqueue_job(
                    "run_message", outbox_id, _job_id=worker.job_id(topic, outbox_id, attempt)
                )
    if worker.redis is None:
        for outbox_id, _, _ in batch:
            with contextlib.suppress(Exception):  # logged in execute; retried after the hold
                await execute(worker, outbox_id)
    return len(batch)


def next_nightly_run(now: datetime, hour: int) -> datetime:
    """The next time the clock strikes ``hour`` (UTC) after ``now``."""
    run = now.replace(hour=hour, minute=0, second=0, microsecond=0)
    return run if run > now else run + timedelta(days=1)


class Background:
    """The API process's background loop.

    Woken after every commit that wrote to the outbox, and every second regardless. Without
    Redis it also reaps expired leases and runs the nightly level pass (arq's cron does both
    otherwise), so the embedded default needs no other process.
    """

    def __init__(self, worker: WorkerContext) -> None:
        self.worker = worker
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def wake(self) -> None:
        self._wake.set()

    async def start(self) -> None:
        self._task = asyncio.create_task(self._loop(), name="background-dispatch")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def drain(self, within: float = 30.0) -> None:
        """Wait until every outbox message is done (tests and the seed command use this).

        Overdue leases are reaped first when running without Redis. Raises ``TimeoutError``
        when work is still pending after ``within`` seconds, for example a failing job.
        """
        if self.worker.redis is None:
            await reap(self.worker)
        async with asyncio.timeout(within):
            while True:
                await dispatch_due(self.worker)
                async with self.worker.sessionmaker() as session:
                    if await outbox.pending_count(session) == 0:
                        return
                await asyncio.sleep(0.02)

    async def _loop(self) -> None:
        loop = asyncio.get_running_loop()
        next_reap = loop.time()
        next_nightly = next_nightly_run(m.utcnow(), self.worker.settings.nightly_recompute_hour)
        while True:
            try:
                while await dispatch_due(self.worker) == BATCH:
                    pass
                if self.worker.redis is None and loop.time() >= next_reap:
                    await reap(self.worker)
                    next_reap = loop.time() + self.worker.settings.reap_interval_seconds
                if self.worker.redis is None and m.utcnow() >= next_nightly:
                    next_nightly = next_nightly_run(
                        m.utcnow(), self.worker.settings.nightly_recompute_hour
                    )
                    await recompute_levels(self.worker)
            except Exception:
                log.exception("background dispatch failed; retrying")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=1.0)
            self._wake.clear()
