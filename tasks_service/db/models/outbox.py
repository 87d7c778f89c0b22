from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, IdPK, utcnow


class OutboxMessage(Base):
    """Background work, written in the transaction that caused it.

    A row stays pending until the job that handles it commits ``done_at`` in its own
    transaction, so work survives a crash or a Redis flush between enqueue and execution.
    """

    __tablename__ = "outbox"
    __table_args__ = (
        Index(
            "ix_outbox_pending",
            "available_at",
            postgresql_where=text("done_at IS NULL"),
            sqlite_where=text("done_at IS NULL"),
        ),
    )

    id: Mapped[IdPK]
    topic: Mapped[str] = mapped_column(String(40))
    payload: Mapped[dict[str, Any]]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    available_at: Mapped[datetime] = mapped_column(default=utcnow)
    attempts: Mapped[int] = mapped_column(default=0)
    done_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
