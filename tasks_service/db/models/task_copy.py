from __future__ import annotations

from typing import Any

from sqlalchemy import ForeignKey, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, IdPK


class TaskCopy(Base):
    """Another place in the document with the same text (and context) as ``task_id``.

    One answer serves every copy: volunteers see the text once, assembly writes it everywhere.
    """

    __tablename__ = "task_copies"
    __table_args__ = (UniqueConstraint("job_id", "seq"),)

    id: Mapped[IdPK]
    job_id: Mapped[int] = mapped_column(ForeignKey("jobs.id", ondelete="CASCADE"))
    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"), index=True)
    seq: Mapped[int]
    locator: Mapped[dict[str, Any]]
    placeholders: Mapped[list[Any]] = mapped_column(default=list)
