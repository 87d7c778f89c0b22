from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

import msgspec


class ProjectCreate(msgspec.Struct, forbid_unknown_fields=True):
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
    description: Annotated[str, msgspec.Meta(max_length=5000)] | None = None
    visibility: Literal["public", "private"] = "public"


class Project(msgspec.Struct):
    id: int
    slug: str
    name: str
    description: str | None
    visibility: str
    role: str | None
    created_at: datetime


class ProjectPage(msgspec.Struct):
    items: list[Project]
    next_cursor: str | None


class ReviewerAdd(msgspec.Struct, forbid_unknown_fields=True):
    username: Annotated[str, msgspec.Meta(min_length=1, max_length=100)]


class Reviewer(msgspec.Struct):
    username: str
    display_name: str | None
    added_at: datetime
