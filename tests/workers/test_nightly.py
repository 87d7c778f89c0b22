"""The nightly level pass is scheduled on arq's cron, at the configured hour, once."""

from __future__ import annotations

from tasks_service.settings import Settings
from workers.settings import worker_settings


def test_nightly_levels_cron_at_the_configured_hour() -> None:
    settings = Settings(redis_url="redis://127.0.0.1:6379/0", nightly_recompute_hour=4)
    [nightly] = [
        job for job in worker_settings(settings)["cron_jobs"] if job.name == "cron:nightly_levels"
    ]
    assert (nightly.hour, nightly.minute, nightly.second, nightly.unique) == ({4}, {0}, {0}, True)
