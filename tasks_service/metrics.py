"""Prometheus counters for the domain events operators watch."""

from __future__ import annotations

from prometheus_client import Counter

CLAIMS = Counter("tasks_claims_total", "Claims answered", ["outcome"])
SUBMISSIONS = Counter("tasks_submissions_total", "Answers taken", ["late"])
LEASE_EXPIRIES = Counter("tasks_lease_expiries_total", "Leases returned to the pool by the reaper")
