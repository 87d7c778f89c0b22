from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import msgspec

AnswerText = Annotated[str, msgspec.Meta(max_length=100_000)]
Answer = AnswerText | Annotated[list[AnswerText], msgspec.Meta(min_length=1, max_length=10)]


class ClaimRequest(msgspec.Struct, forbid_unknown_fields=True):
    job_id: int | None = None
    project_id: int | None = None


class Placeholder(msgspec.Struct):
    token: str
    text: str


class TaskView(msgspec.Struct):
    """What a volunteer needs to do one task, and nothing they must not see."""

    id: int
    job_id: int
    kind: str
    source: str
    context_before: str
    context_after: str
    instructions: str | None
    placeholders: list[Placeholder]
    source_language: str
    target_language: str | None
    note: str | None = None
    plural: bool = False
    source_plural: str | None = None
    plural_forms: list[str] | None = None
    choices: list[str] | None = None
    context_before_target: str | None = None
    context_after_target: str | None = None


class Claim(msgspec.Struct):
    assignment_id: int
    lease_expires_at: datetime
    lease_seconds_left: int
    task: TaskView


class SubmitRequest(msgspec.Struct, forbid_unknown_fields=True):
    answer: Answer


class SubmitResult(msgspec.Struct):
    submission_id: int
    status: str
    late: bool
    checks: list[dict[str, Any]]


class Lease(msgspec.Struct):
    lease_expires_at: datetime
    lease_seconds_left: int


class AssignmentView(msgspec.Struct):
    assignment_id: int
    task_id: int
    job_id: int
    state: str
    created_at: datetime
    lease_expires_at: datetime
    lease_seconds_left: int


class SubmissionView(msgspec.Struct):
    submission_id: int
    task_id: int
    job_id: int
    source: str
    answer: Any
    status: str
    reason: str | None
    checks: list[dict[str, Any]]
    late: bool
    created_at: datetime
    decided_at: datetime | None


class SubmissionPage(msgspec.Struct):
    items: list[SubmissionView]
    next_cursor: str | None
