from __future__ import annotations

from datetime import datetime

import msgspec


class Level(msgspec.Struct):
    level: int
    name: str
    requirements: list[str]
    privileges: list[str]


class Contributor(msgspec.Struct):
    username: str
    level: int
    level_name: str
    credit: int
    accepted: int
    reviews: int
    jobs: list[int]


class LeaderboardEntry(msgspec.Struct):
    rank: int
    username: str
    level_name: str
    credit: int


class WorkItem(msgspec.Struct):
    """A job holding some of the caller's accepted pieces."""

    job_id: int
    title: str
    project: str
    status: str
    pieces: int
    finished_at: datetime | None
