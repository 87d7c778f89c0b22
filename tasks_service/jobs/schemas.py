from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

import msgspec

from tasks_service.accounts.schemas import LanguageCode

JobKind = Literal["translate", "proofread", "document", "label"]
Answer = str | list[str]


class JobSpec(msgspec.Struct, forbid_unknown_fields=True):
    """The ``spec`` part of a job upload: what to do with the file, and the job's policy."""

    title: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
    kind: JobKind
    source_language: LanguageCode
    target_language: LanguageCode | None = None
    format: Annotated[str, msgspec.Meta(max_length=20)] | None = None
    segmentation: Literal["paragraph", "sentence"] = "paragraph"
    redundancy: Annotated[int, msgspec.Meta(ge=1, le=10)] = 1
    reviews_required: Annotated[int, msgspec.Meta(ge=0, le=5)] = 1
    lease_seconds: Annotated[int, msgspec.Meta(ge=5, le=86_400)] | None = None
    min_level: Annotated[int, msgspec.Meta(ge=0, le=10)] = 0
    priority: Annotated[int, msgspec.Meta(ge=-100, le=100)] = 0
    ordering: Literal["depth_first", "breadth_first"] = "depth_first"
    gold_share: Annotated[float, msgspec.Meta(ge=0, le=0.5)] = 0.0
    instructions: Annotated[str, msgspec.Meta(max_length=10_000)] | None = None
    choices: (
        Annotated[
            list[Annotated[str, msgspec.Meta(min_length=1, max_length=200)]],
            msgspec.Meta(min_length=2, max_length=50),
        ]
        | None
    ) = None
    template: Annotated[str, msgspec.Meta(max_length=2000)] | None = None


class JobAccepted(msgspec.Struct):
    id: int
    status: str


class TasksByState(msgspec.Struct):
    open: int = 0
    in_review: int = 0
    accepted: int = 0
    cancelled: int = 0


class Job(msgspec.Struct):
    id: int
    project_id: int
    title: str
    kind: str
    format: str
    status: str
    error: str | None
    source_language: str
    target_language: str | None
    redundancy: int
    reviews_required: int
    lease_seconds: int
    priority: int
    min_level: int
    tasks_total: int
    tasks_by_state: TasksByState
    progress: float
    gold_tasks: int
    contributors: int
    created_at: datetime
    finished_at: datetime | None


class TaskSummary(msgspec.Struct):
    id: int
    seq: int
    state: str
    source: str
    source_plural: str | None
    answers: int
    accepted_answer: Answer | None


class TaskPage(msgspec.Struct):
    items: list[TaskSummary]
    next_cursor: str | None


class Credit(msgspec.Struct):
    username: str
    level_name: str
    accepted: int
    credit: int


class ExportLine(msgspec.Struct):
    """One line of ``GET /jobs/{id}/export``."""

    task_id: int
    seq: int
    key: str
    state: str
    source: str
    source_plural: str | None
    accepted_answer: Answer | None
    submissions: list[dict[str, Any]]
    reviews: list[dict[str, Any]]
    decisions: list[dict[str, Any]]  # overrides and corrections, oldest first
