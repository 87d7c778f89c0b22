from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, IdPK, utcnow


class CreditReason(StrEnum):
    ACCEPTED_ANSWER = "accepted_answer"  # subject: the submission
    REVIEW = "review"  # subject: the review
    EDIT = "review_edit"  # subject: the review whose edit became the accepted answer
    CORRECTION = "correction"  # subject: the audit entry of a co-creator's correction
    GOLD_RIGHT = "gold_right"  # subject: the submission
    # An override moves credit without touching what is written: a reversal cancels an entry
    # (subject: that entry), a reinstatement cancels a reversal (subject: the reversal).
    REVERSAL = "reversal"
    REINSTATED = "reinstated"


class CreditEntry(Base):
    """Append-only ledger; the unique key makes every credit happen exactly once.

    Nothing is updated or deleted: a credit taken back is a reversal entry of negative amount.
    """

    __tablename__ = "credit_entries"
    __table_args__ = (
        UniqueConstraint("reason", "subject_id"),
        Index("ix_credit_entries_account_id_created_at", "account_id", "created_at"),
    )

    id: Mapped[IdPK]
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    reason: Mapped[str] = mapped_column(String(20))
    subject_id: Mapped[int]
    job_id: Mapped[int] = mapped_column(ForeignKey("jobs.id", ondelete="CASCADE"), index=True)
    amount: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
