from __future__ import annotations

from typing import Any

from litestar import Controller, Request, delete, get, patch, post
from litestar.status_codes import HTTP_201_CREATED, HTTP_204_NO_CONTENT
from sqlalchemy.ext.asyncio import AsyncSession

from tasks_service.accounts import schemas, services
from tasks_service.accounts.deps import TOKEN_ID
from tasks_service.accounts.throttle import LoginThrottle
from tasks_service.db import models as m
from tasks_service.ratelimit import client_address, rate_limited
from tasks_service.settings import Settings


class AccountController(Controller):
    tags = ["accounts"]

    @post("/accounts", status_code=HTTP_201_CREATED, **rate_limited("register", problems=(409,)))
    async def register(
        self, data: schemas.AccountCreate, db_session: AsyncSession
    ) -> schemas.AccountCreated:
        account = await services.register(db_session, data)
        return schemas.AccountCreated(id=account.id, username=account.username, level=account.level)

    @post("/auth/tokens", status_code=HTTP_201_CREATED, **rate_limited("login", problems=(401,)))
    async def create_token(
        self,
        request: Request[Any, Any, Any],
        data: schemas.TokenCreate,
        db_session: AsyncSession,
        settings: Settings,
    ) -> schemas.TokenCreated:
        throttle = LoginThrottle(request.app.state.rate_limits)
        async with throttle.attempt(data.username, client_address(request)):
            token, row = await services.issue_token(db_session, settings, data)
        return schemas.TokenCreated(token=token, expires_at=row.expires_at)

    @delete("/auth/tokens/current", status_code=HTTP_204_NO_CONTENT)
    async def revoke_current_token(
        self, request: Request[Any, Any, Any], account: m.Account, db_session: AsyncSession
    ) -> None:
        await services.revoke_token(db_session, request.state[TOKEN_ID])

    @get("/me")
    async def me(
        self, account: m.Account, db_session: AsyncSession, settings: Settings
    ) -> schemas.Profile:
        return await services.profile(db_session, settings, account)

    @patch("/me")
    async def update_me(
        self,
        data: schemas.ProfileUpdate,
        account: m.Account,
        db_session: AsyncSession,
        settings: Settings,
    ) -> schemas.Profile:
        await services.update_profile(db_session, account, data)
        return await services.profile(db_session, settings, account)
