"""Public pages: the levels and what each unlocks, the leaderboard, contributor profiles."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Response, get
from litestar.response import Template
from sqlalchemy.ext.asyncio import AsyncSession

from tasks_service.credit import listings
from tasks_service.db import models as m
from tasks_service.settings import Settings
from tasks_service.web.rendering import page

LEADERBOARD_SIZE = 50
MANIFEST: dict[str, Any] = {
    "name": "Tasks: a few minutes of help",
    "short_name": "Tasks",
    "description": "Small tasks for volunteers: translate, proofread, label, document.",
    "start_url": "/",
    "scope": "/",
    "display": "standalone",
    "background_color": "#ffffff",
    "theme_color": "#1d4ed8",
    "icons": [
        {"src": "/static/icon-192.png", "sizes": "192x192", "type": "image/png"},
        {"src": "/static/icon-512.png", "sizes": "512x512", "type": "image/png"},
        {
            "src": "/static/icon-512.png",
            "sizes": "512x512",
            "type": "image/png",
            "purpose": "maskable",
        },
    ],
}


class PublicPages(Controller):
    @get("/levels")
    async def levels(self, viewer: m.Account | None, settings: Settings) -> Template:
        return page("levels.html", viewer, levels=listings.levels(settings))

    @get("/leaderboard")
    async def leaderboard(
        self,
        viewer: m.Account | None,
        db_session: AsyncSession,
        settings: Settings,
        period: listings.Period = "all",
    ) -> Template:
        entries = await listings.leaderboard(
            db_session, settings, period=period, project_id=None, limit=LEADERBOARD_SIZE
        )
        return page("leaderboard.html", viewer, entries=entries, period=period)

    @get("/contributors/{username:str}")
    async def contributor(
        self, username: str, viewer: m.Account | None, db_session: AsyncSession, settings: Settings
    ) -> Template:
        person = await listings.contributor(db_session, settings, username)
        return page("contributor.html", viewer, person=person)

    @get("/manifest.webmanifest", media_type="application/manifest+json")
    async def manifest(self) -> Response[dict[str, Any]]:
        return Response(MANIFEST, media_type="application/manifest+json")
