from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import ForeignKey, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, deferred, mapped_column

from .base import Base, IdPK, utcnow


class JobStatus(StrEnum):
    SPLITTING = "splitting"
    OPEN = "open"
    COMPLETE = "complete"
    FAILED = "failed"
    CANCELLED = "cancelled"


class Job(Base):
    """An uploaded document and its policy. The upload itself is the assembly skeleton."""

    __tablename__ = "jobs"

    id: Mapped[IdPK]
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))
    format: Mapped[str] = mapped_column(String(20))
    filename: Mapped[str | None] = mapped_column(String(255))
    source_language: Mapped[str] = mapped_column(String(20))
    target_language: Mapped[str | None] = mapped_column(String(20))
    # The language a volunteer must know: the target for translation, else the source.
    work_language: Mapped[str] = mapped_column(String(20), index=True)
    segmentation: Mapped[str] = mapped_column(String(16), default="paragraph")
    status: Mapped[str] = mapped_column(String(16), default=JobStatus.SPLITTING)
    error: Mapped[str | None] = mapped_column(Text)
    redundancy: Mapped[int] = mapped_column(default=1)
    reviews_required: Mapped[int] = mapped_column(default=1)
    lease_seconds: Mapped[int]
    min_level: Mapped[int] = mapped_column(default=0)
    priority: Mapped[int] = mapped_column(default=0)
    # "depth_first" finishes tasks that have answers before starting new ones; "breadth_first"
    # gives every task its first answer before any gets a second.
    ordering: Mapped[str] = mapped_column(String(16), default="depth_first")
    gold_share: Mapped[float] = mapped_column(default=0.0)
    instructions: Mapped[str | None] = mapped_column(Text)
    choices: Mapped[list[Any] | None]
    template: Mapped[str | None] = mapped_column(Text)
    meta: Mapped[dict[str, Any]] = mapped_column(default=dict)
    tasks_total: Mapped[int] = mapped_column(default=0)
    upload: Mapped[bytes] = deferred(mapped_column(LargeBinary))
    result: Mapped[bytes | None] = deferred(mapped_column(LargeBinary))
    created_by: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
