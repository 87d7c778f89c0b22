from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Index, String, text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, IdPK, utcnow


class Account(Base):
    __tablename__ = "accounts"
    __table_args__ = (Index("uq_accounts_username_lower", text("lower(username)"), unique=True),)

    id: Mapped[IdPK]
    username: Mapped[str] = mapped_column(String(40))
    password_hash: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(320))
    display_name: Mapped[str | None] = mapped_column(String(80))
    languages: Mapped[list[Any]] = mapped_column(default=list)
    level: Mapped[int] = mapped_column(default=0)
    is_admin: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_active_at: Mapped[datetime | None]
    level_changed_at: Mapped[datetime | None]
