from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, IdPK, utcnow


class ReviewAssignmentState(StrEnum):
    ACTIVE = "active"
    DONE = "done"
    EXPIRED = "expired"
    RELEASED = "released"  # given back by the reviewer before a verdict


class Verdict(StrEnum):
    APPROVE = "approve"
    REJECT = "reject"
    EDIT = "edit"


class ReviewAssignment(Base):
    """A reviewer's lease on one task in review; at most one open lease per task."""

    __tablename__ = "review_assignments"
    __table_args__ = (
        Index(
            "uq_review_assignments_active_task",
            "task_id",
            unique=True,
            postgresql_where=text("state = 'active'"),
            sqlite_where=text("state = 'active'"),
        ),
        Index("ix_review_assignments_reviewer_id_state", "reviewer_id", "state"),
    )

    id: Mapped[IdPK]
    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"))
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    state: Mapped[str] = mapped_column(String(16), default=ReviewAssignmentState.ACTIVE)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]


class Review(Base):
    """A verdict on one submission; one per review lease."""

    __tablename__ = "reviews"

    id: Mapped[IdPK]
    review_assignment_id: Mapped[int] = mapped_column(
        ForeignKey("review_assignments.id", ondelete="CASCADE"), unique=True
    )
    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"), index=True)
    submission_id: Mapped[int] = mapped_column(
        ForeignKey("submissions.id", ondelete="CASCADE"), index=True
    )
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    verdict: Mapped[str] = mapped_column(String(16))
    text: Mapped[str | None] = mapped_column(Text)
    reason: Mapped[str | None] = mapped_column(Text)
    decisive: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
