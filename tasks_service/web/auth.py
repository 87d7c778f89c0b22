"""Sign up, sign in, sign out, and the profile with languages."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, get, post
from litestar.params import QueryParameter
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_401_UNAUTHORIZED
from sqlalchemy.ext.asyncio import AsyncSession

from tasks_service.accounts import schemas, services
from tasks_service.accounts.deps import TOKEN_ID
from tasks_service.db import models as m
from tasks_service.errors import DomainError
from tasks_service.settings import Settings
from tasks_service.web.rendering import Form, field, go, notice, page, split_list
from tasks_service.web.session import safe_next, session_cookie, signed_in

Req = Request[Any, Any, Any]


def _problem(exc: Exception) -> tuple[str, int]:
    """A refused form's message and status: the service's words, or the schema's."""
    if isinstance(exc, DomainError):
        return exc.detail, exc.status_code
    return str(exc), 422


class AuthPages(Controller):
    @get("/signin", name="web:signin")
    async def signin_form(
        self,
        viewer: m.Account | None,
        next_path: Annotated[str | None, QueryParameter(name="next")] = None,
    ) -> Template:
        return page("signin.html", viewer, next=safe_next(next_path), username="")

    @post("/signin")
    async def signin(
        self, request: Req, data: Form, db_session: AsyncSession, settings: Settings
    ) -> Template | Redirect:
        username, target = field(data, "username"), safe_next(field(data, "next"))
        try:
            credentials = msgspec.convert(
                {"username": username, "password": field(data, "password")}, schemas.TokenCreate
            )
            token, _ = await services.issue_token(db_session, settings, credentials)
        except (DomainError, msgspec.ValidationError):
            return page(
                "signin.html",
                None,
                status_code=HTTP_401_UNAUTHORIZED,
                next=target,
                username=username,
                error="Wrong username or password.",
            )
        return go(target, [session_cookie(request, settings, token)])

    @get("/signup")
    async def signup_form(self, viewer: m.Account | None) -> Template:
        return page("signup.html", viewer, form={})

    @post("/signup")
    async def signup(
        self, request: Req, data: Form, db_session: AsyncSession, settings: Settings
    ) -> Template | Redirect:
        form = {name: field(data, name) for name in ("username", "languages", "email")}
        password = field(data, "password")
        try:
            create = msgspec.convert(
                {
                    "username": form["username"].strip(),
                    "password": password,
                    "languages": split_list(form["languages"], ", "),
                    "email": form["email"].strip() or None,
                },
                schemas.AccountCreate,
            )
            async with db_session.begin_nested():
                await services.register(db_session, create)
            token, _ = await services.issue_token(
                db_session, settings, schemas.TokenCreate(create.username, password)
            )
        except (DomainError, msgspec.ValidationError) as exc:
            error, status = _problem(exc)
            return page("signup.html", None, status_code=status, form=form, error=error)
        return go("/?msg=welcome", [session_cookie(request, settings, token)])

    @post("/signout")
    async def signout(
        self, request: Req, viewer: m.Account | None, db_session: AsyncSession, settings: Settings
    ) -> Redirect:
        if viewer is not None:
            await services.revoke_token(db_session, request.state[TOKEN_ID])
        return go("/?msg=signed-out", [session_cookie(request, settings, None)])

    @get("/profile")
    async def profile(
        self,
        request: Req,
        viewer: m.Account | None,
        db_session: AsyncSession,
        settings: Settings,
        msg: str | None = None,
    ) -> Template:
        account = signed_in(request, viewer)
        me = await services.profile(db_session, settings, account)
        form = {"languages": ", ".join(me.languages), "display_name": me.display_name or ""}
        return page("profile.html", account, me=me, form=form, notice=notice(msg))

    @post("/profile")
    async def update_profile(
        self,
        request: Req,
        data: Form,
        viewer: m.Account | None,
        db_session: AsyncSession,
        settings: Settings,
    ) -> Template | Redirect:
        account = signed_in(request, viewer)
        form = {name: field(data, name) for name in ("languages", "display_name")}
        try:
            update = msgspec.convert(
                {
                    "languages": split_list(form["languages"], ", "),
                    "display_name": form["display_name"].strip() or None,
                },
                schemas.ProfileUpdate,
            )
            await services.update_profile(db_session, account, update)
        except (DomainError, msgspec.ValidationError) as exc:
            error, status = _problem(exc)
            me = await services.profile(db_session, settings, account)
            return page("profile.html", account, status_code=status, me=me, form=form, error=error)
        return go("/profile?msg=saved")
