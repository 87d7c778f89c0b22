"""Promotion and demotion at the thresholds, the inactivity grace, and the nightly pass."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import msgspec
import pytest
from sqlalchemy import update

from tasks_service.credit.ladder import DEFAULT_LADDER, LevelRule, Stats, level_for, missing_for
from tasks_service.db import models as m
from tasks_service.settings import Settings
from tests.harness import API, Api
from workers.context import WorkerContext
from workers.dispatch import next_nightly_run
from workers.jobs import recompute_levels

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
GRACE = timedelta(days=14)


def stats(**changes: object) -> Stats:
    """A contributor who meets every default threshold, with ``changes`` applied."""
    base = Stats(
        credit=1000,
        accepted=200,
        rejected=0,
        accuracy=0.9,
        reviews=100,
        reviews_agreeing=100,
        review_agreement=0.85,
        last_active_at=NOW,
    )
    return msgspec.structs.replace(base, **changes)


def test_promotion_exactly_at_each_threshold_not_below() -> None:
    assert level_for(DEFAULT_LADDER, stats(), NOW) == 4
    assert level_for(DEFAULT_LADDER, stats(credit=999), NOW) == 3
    assert level_for(DEFAULT_LADDER, stats(reviews_agreeing=99), NOW) == 3
    assert level_for(DEFAULT_LADDER, stats(review_agreement=0.849), NOW) == 3
    assert level_for(DEFAULT_LADDER, stats(accuracy=0.899), NOW) == 2
    assert level_for(DEFAULT_LADDER, stats(accepted=199), NOW) == 2
    assert level_for(DEFAULT_LADDER, stats(accepted=50, accuracy=0.8), NOW) == 2
    assert level_for(DEFAULT_LADDER, stats(accepted=50, accuracy=0.799), NOW) == 1
    assert level_for(DEFAULT_LADDER, stats(accepted=5, accuracy=None), NOW) == 1
    assert level_for(DEFAULT_LADDER, stats(accepted=4, accuracy=None), NOW) == 0


def test_inactivity_demotes_only_after_the_grace() -> None:
    window = timedelta(days=30)
    lapsed = stats(last_active_at=NOW - window - GRACE)  # exactly at the end of the grace
    assert level_for(DEFAULT_LADDER, lapsed, NOW, current=4, grace=GRACE) == 4
    gone = stats(last_active_at=NOW - window - GRACE - timedelta(seconds=1))
    assert level_for(DEFAULT_LADDER, gone, NOW, current=4, grace=GRACE) == 3
    # The grace keeps a level; it never gives one: without co-creator yet, no promotion.
    late = stats(last_active_at=NOW - window - timedelta(seconds=1))
    assert level_for(DEFAULT_LADDER, late, NOW, current=3, grace=GRACE) == 3
    assert level_for(DEFAULT_LADDER, stats(last_active_at=NOW - window), NOW, current=3) == 4


def test_accuracy_falling_demotes_without_grace() -> None:
    assert level_for(DEFAULT_LADDER, stats(accuracy=0.85), NOW, current=4, grace=GRACE) == 2


def test_missing_names_exactly_what_is_left() -> None:
    rule = DEFAULT_LADDER[2]
    assert missing_for(rule, stats(accepted=48, accuracy=0.75), NOW) == [
        "2 more accepted answers",
        "accuracy of at least 80% (now 75%)",
    ]
    assert missing_for(DEFAULT_LADDER[4], stats(last_active_at=None), NOW) == [
        "activity within the last 30 days"
    ]


def test_next_nightly_run_is_the_next_stroke_of_the_hour() -> None:
    assert next_nightly_run(NOW, 3) == datetime(2026, 11, 24, 3, 0, tzinfo=UTC)
    assert next_nightly_run(NOW, 13) == datetime(2026, 11, 23, 13, 0, tzinfo=UTC)


SMALL_LADDER = (
    LevelRule(0, "newcomer"),
    LevelRule(1, "contributor", accepted=1),
    LevelRule(2, "regular", accepted=1),
    LevelRule(3, "reviewer", accepted=1),
    LevelRule(4, "co-creator", accepted=1, active_within_days=30),
)


@pytest.fixture
def settings(settings: Settings, tmp_path: Path) -> Settings:
    path = tmp_path / "levels.json"
    path.write_bytes(msgspec.json.encode(SMALL_LADDER))
    return msgspec.structs.replace(settings, levels_file=str(path), demotion_grace_days=14)


async def set_last_active(api: Api, username: str, when: datetime) -> None:
    async with api.app.state.sessionmaker.begin() as session:
        await session.execute(
            update(m.Account).where(m.Account.username == username).values(last_active_at=when)
        )


async def test_ledger_change_promotes_and_the_nightly_pass_demotes_after_grace(api: Api) -> None:
    owner = await api.register("owner")
    alice = await api.register("alice")
    job = await api.job_ready(owner, await api.project(owner), b"Good morning, friend.")
    claim = (await api.claim(alice, job_id=job["id"])).json()
    await api.submit(alice, claim["assignment_id"], "Bonjour, mon ami.")
    await api.review_all(owner, job["id"])
    await api.settle()
    me = (await api.client.get(f"{API}/me", headers=alice)).json()
    assert (me["level"], me["level_name"]) == (4, "co-creator")  # promoted by the credit job

    worker = WorkerContext(api.app.state.settings, api.app.state.engine, api.app.state.sessionmaker)
    now = m.utcnow()
    await set_last_active(api, "alice", now - timedelta(days=44) + timedelta(minutes=5))
    assert await recompute_levels(worker) == 0  # inside the 30 + 14 days
    assert (await api.client.get(f"{API}/me", headers=alice)).json()["level"] == 4
    await set_last_active(api, "alice", now - timedelta(days=44) - timedelta(minutes=5))
    assert await recompute_levels(worker) == 1
    me = (await api.client.get(f"{API}/me", headers=alice)).json()
    assert me["level"] == 3
    assert me["next_level"] == {
        "level": 4,
        "name": "co-creator",
        "missing": ["activity within the last 30 days"],
    }
