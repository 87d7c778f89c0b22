from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

import msgspec

from tasks_service.queue.schemas import Answer, TaskView


class ReviewClaimRequest(msgspec.Struct, forbid_unknown_fields=True):
    job_id: int | None = None


class SubmissionForReview(msgspec.Struct):
    submission_id: int
    answer: Any
    checks: list[dict[str, Any]]
    late: bool


class ReviewClaim(msgspec.Struct):
    review_assignment_id: int
    lease_expires_at: datetime
    task: TaskView
    submissions: list[SubmissionForReview]


class VerdictCreate(msgspec.Struct, forbid_unknown_fields=True):
    submission_id: int
    verdict: Literal["approve", "reject", "edit"]
    text: Answer | None = None
    reason: Annotated[str, msgspec.Meta(max_length=2000)] | None = None


class VerdictRecorded(msgspec.Struct):
    review_id: int
    submission_id: int
    verdict: str


Reason = Annotated[str, msgspec.Meta(min_length=1, max_length=2000)]


class OverrideCreate(msgspec.Struct, forbid_unknown_fields=True):
    """Accept one of the task's submissions, or an answer of the owner's own, in its place."""

    reason: Reason
    submission_id: int | None = None
    answer: Answer | None = None


class CorrectionCreate(msgspec.Struct, forbid_unknown_fields=True):
    text: Answer
    reason: Reason


class AuditRecord(msgspec.Struct):
    id: int
    task_id: int
    action: str
    actor: str
    created_at: datetime
    reason: str
    old_state: str
    old_submission_id: int | None
    new_submission_id: int | None
    old_answer: Any
    new_answer: Any
    checks: list[dict[str, Any]]


class AuditPage(msgspec.Struct):
    items: list[AuditRecord]
    next_cursor: str | None
