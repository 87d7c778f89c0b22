from __future__ import annotations

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
