from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, IdPK, utcnow


class TaskState(StrEnum):
    OPEN = "open"
    IN_REVIEW = "in_review"
    ACCEPTED = "accepted"
    CANCELLED = "cancelled"


class Task(Base):
    """One unit of a job.

    ``open_slots`` counts how many more leases the task can give out; it is kept in step with
    assignments in the same transaction, so the claim query needs no count over assignments.
    """

    __tablename__ = "tasks"
    __table_args__ = (
        UniqueConstraint("job_id", "seq"),
        Index("ix_tasks_job_id_state", "job_id", "state"),
        # The claim's scan: within a job, tasks with the fewest free slots first (closest to
        # done: depth-first), then in document order; only claimable rows are in it, so
        # finished work costs the claim nothing however large the job grows.
        Index(
            "ix_tasks_claimable",
            "job_id",
            "open_slots",
            "seq",
            postgresql_where=text("state = 'open' AND open_slots > 0"),
            sqlite_where=text("state = 'open' AND open_slots > 0"),
        ),
    )

    id: Mapped[IdPK]
    job_id: Mapped[int] = mapped_column(ForeignKey("jobs.id", ondelete="CASCADE"))
    seq: Mapped[int]
    key: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(Text)
    source_plural: Mapped[str | None] = mapped_column(Text)
    placeholders: Mapped[list[Any]] = mapped_column(default=list)
    note: Mapped[str | None] = mapped_column(Text)
    locator: Mapped[dict[str, Any]]
    words: Mapped[int] = mapped_column(default=1)
    state: Mapped[str] = mapped_column(String(16), default=TaskState.OPEN)
    open_slots: Mapped[int]
    answers: Mapped[int] = mapped_column(default=0)
    accepted_submission_id: Mapped[int | None]
    accepted_answer: Mapped[Any | None]
    gold_answer: Mapped[Any | None]  # a known answer: the task measures accuracy
    copies: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
