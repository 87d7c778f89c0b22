"""Public views of the ladder and of contributors (no token needed)."""

from __future__ import annotations

from litestar import Controller, get
from sqlalchemy.ext.asyncio import AsyncSession

from tasks_service.credit import listings, schemas
from tasks_service.db import models as m
from tasks_service.pagination import Limit
from tasks_service.settings import Settings


class CreditController(Controller):
    tags = ["credit"]

    @get("/levels")
    async def levels(self, settings: Settings) -> list[schemas.Level]:
        return listings.levels(settings)

    @get("/contributors/{username:str}")
    async def contributor(
        self, username: str, db_session: AsyncSession, settings: Settings
    ) -> schemas.Contributor:
        return await listings.contributor(db_session, settings, username)

    @get("/me/work")
    async def my_work(
        self, account: m.Account, db_session: AsyncSession, limit: Limit = 50
    ) -> list[schemas.WorkItem]:
        """Where the caller's work went: jobs with their accepted pieces, finished ones first."""
        return await listings.work_of(db_session, account, limit)

    @get("/leaderboard")
    async def leaderboard(
        self,
        db_session: AsyncSession,
        settings: Settings,
        period: listings.Period = "all",
        project_id: int | None = None,
        limit: Limit = 20,
    ) -> list[schemas.LeaderboardEntry]:
        return await listings.leaderboard(
            db_session, settings, period=period, project_id=project_id, limit=limit
        )
