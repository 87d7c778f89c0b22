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
