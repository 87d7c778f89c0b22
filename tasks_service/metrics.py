"""Prometheus metrics: counters of domain events, and the queue's state read at scrape time.

Counters and the settle histogram live in the process that saw the event (API or worker).
With ``PROMETHEUS_MULTIPROC_DIR`` set (``tasks-service serve`` sets it), every process writes
its samples to files in that directory and a scrape of any one API process adds them all up;
workers on the same host share them by pointing at the same directory. Gauges of the queue's
state come from the database at scrape time, so every process reports the same truth.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from tasks_service.db import models as m

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"

CLAIMS = Counter("tasks_claims_total", "Claims answered, by outcome", ["outcome"])
SUBMISSIONS = Counter("tasks_submissions_total", "Answers taken", ["late"])
LEASE_EXPIRIES = Counter("tasks_lease_expiries_total", "Leases returned to the pool by the reaper")
SETTLE_LATENCY = Histogram(
    "tasks_settle_latency_seconds",
    "From the answer or verdict that made a task decidable to the commit of its settle job",
    buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300),
)


@dataclass(frozen=True, slots=True)
class QueueState:
    claimable_tasks: int
    outbox_pending: int
    outbox_lag_seconds: float


async def queue_state(session: AsyncSession) -> QueueState:
    """Two index-only reads: the claimable partial index and the pending-outbox index."""
    claimable = await session.scalar(
        select(func.count()).where(m.Task.state == m.TaskState.OPEN, m.Task.open_slots > 0)
    )
    pending, oldest = (
        await session.execute(
            select(func.count(), func.min(m.OutboxMessage.created_at)).where(
                m.OutboxMessage.done_at.is_(None)
            )
        )
    ).one()
    lag = (m.utcnow() - oldest).total_seconds() if oldest is not None else 0.0
    return QueueState(int(claimable or 0), int(pending or 0), max(lag, 0.0))


class _QueueGauges(Collector):
    def __init__(self, state: QueueState) -> None:
        self.state = state

    def collect(self) -> Iterator[GaugeMetricFamily]:
        yield GaugeMetricFamily(
            "tasks_queue_depth",
            "Tasks open with a free slot: work waiting for a volunteer",
            value=self.state.claimable_tasks,
        )
        yield GaugeMetricFamily(
            "tasks_outbox_pending",
            "Background messages not done yet",
            value=self.state.outbox_pending,
        )
        yield GaugeMetricFamily(
            "tasks_outbox_lag_seconds",
            "Age of the oldest background message not done yet (0 when none)",
            value=self.state.outbox_lag_seconds,
        )


def exposition(state: QueueState) -> bytes:
    """The Prometheus text for every process's samples plus the queue gauges."""
    gauges = CollectorRegistry()
    gauges.register(_QueueGauges(state))
    if os.environ.get(MULTIPROC_ENV):
        registry = CollectorRegistry()
        MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        return generate_latest(registry) + generate_latest(gauges)
    return generate_latest(REGISTRY) + generate_latest(gauges)
