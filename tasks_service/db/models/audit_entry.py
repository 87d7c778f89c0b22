from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, IdPK, utcnow


class AuditAction(StrEnum):
    OVERRIDE = "override"  # an owner replaced a decision
    CORRECTION = "correction"  # a co-creator corrected an accepted piece


class AuditEntry(Base):
    """A decision changed by a person: who, when, on which task, from what to what, and why.

    Rows are only ever added; the task's accepted answer is the newest entry's ``new_answer``.
    """

    __tablename__ = "audit_entries"
    __table_args__ = (Index("ix_audit_entries_job_id_id", "job_id", "id"),)

    id: Mapped[IdPK]
    job_id: Mapped[int] = mapped_column(ForeignKey("jobs.id", ondelete="CASCADE"))
    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"), index=True)
    actor_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    action: Mapped[str] = mapped_column(String(16))
    old_state: Mapped[str] = mapped_column(String(16))
    old_submission_id: Mapped[int | None]
    new_submission_id: Mapped[int | None]
    old_answer: Mapped[Any | None]
    new_answer: Mapped[Any]
    reason: Mapped[str] = mapped_column(Text)
    checks: Mapped[list[Any]] = mapped_column(default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
