from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, IdPK, utcnow


class AssignmentState(StrEnum):
    ACTIVE = "active"
    SUBMITTED = "submitted"
    RELEASED = "released"
    EXPIRED = "expired"


class Assignment(Base):
    """One volunteer's lease on one task; a volunteer gets each task at most once, ever."""

    __tablename__ = "assignments"
    __table_args__ = (
        UniqueConstraint("task_id", "account_id"),
        # A volunteer's open leases: the cap, counted on every claim.
        Index(
            "ix_assignments_active_by_account",
            "account_id",
            "expires_at",
            postgresql_where=text("state = 'active'"),
            sqlite_where=text("state = 'active'"),
        ),
        # A volunteer's leases in one job, newest last: the last unit they finished there
        # (continuity) and how many of their claims were gold (gold mixing).
        Index("ix_assignments_account_id_job_id", "account_id", "job_id", "id"),
        Index(
            "ix_assignments_active_expiry",
            "expires_at",
            postgresql_where=text("state = 'active'"),
            sqlite_where=text("state = 'active'"),
        ),
    )

    id: Mapped[IdPK]
    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"))
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    job_id: Mapped[int] = mapped_column(ForeignKey("jobs.id", ondelete="CASCADE"))
    state: Mapped[str] = mapped_column(String(16), default=AssignmentState.ACTIVE)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]
