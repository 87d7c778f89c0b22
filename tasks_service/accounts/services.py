"""Accounts, passwords and bearer tokens."""

from __future__ import annotations

from datetime import timedelta

import msgspec
from sqlalchemy import bindparam, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from tasks_service.accounts import schemas, security
from tasks_service.credit.ladder import missing_for, rule_for
from tasks_service.credit.services import account_stats, ladder, recompute_level
from tasks_service.db import models as m
from tasks_service.errors import Conflict, Invalid, NotFound, Unauthorized
from tasks_service.settings import Settings


async def get_by_username(session: AsyncSession, username: str) -> m.Account | None:
    stmt = select(m.Account).where(func.lower(m.Account.username) == username.lower())
    return (await session.scalars(stmt)).first()


async def register(session: AsyncSession, data: schemas.AccountCreate) -> m.Account:
    if problems := security.password_problems(data.password, data.username):
        raise Invalid("weak password: " + "; ".join(problems), extra={"field": "password"})
    if await get_by_username(session, data.username) is not None:
        raise Conflict(f"the username {data.username!r} is taken")
    account = m.Account(
        username=data.username,
        password_hash=await security.hash_password(data.password),
        email=data.email,
        languages=normalise_languages(data.languages),
    )
    session.add(account)
    try:
        async with session.begin_nested():
            await session.flush()
    except IntegrityError as exc:  # a concurrent registration of the same name
        raise Conflict(f"the username {data.username!r} is taken") from exc
    return account


def normalise_languages(languages: list[str]) -> list[str]:
    """Lower-case, '-' separated, without duplicates, in the order given."""
    seen: dict[str, None] = {}
    for code in languages:
        seen.setdefault(code.replace("_", "-").lower(), None)
    return list(seen)


async def issue_token(
    session: AsyncSession, settings: Settings, data: schemas.TokenCreate
) -> tuple[str, m.Token]:
    account = await get_by_username(session, data.username)
    valid = await security.verify_password(
        account.password_hash if account else None, data.password
    )
    if account is None or not valid:
        raise Unauthorized("wrong username or password")
    token = security.new_token()
    row = m.Token(
        account_id=account.id,
        token_hash=security.token_digest(token, settings.secret_key),
        expires_at=m.utcnow() + timedelta(seconds=settings.token_ttl_seconds),
    )
    session.add(row)
    await session.flush()
    return token, row


# Built once: every request with a token runs it, and building it anew each time cost a claim
# more CPU than the query's own round trip. Only the token's id is loaded (to revoke it).
_TOKEN_OWNER = (
    select(m.Account, m.Token.id)
    .join(m.Token, m.Token.account_id == m.Account.id)
    .where(
        m.Token.token_hash == bindparam("digest"),
        m.Token.revoked_at.is_(None),
        m.Token.expires_at > bindparam("now"),
    )
)


BAD_TOKEN = "the token is missing, expired or revoked"  # noqa: S105 - a message, not a secret


async def authenticate(
    session: AsyncSession, settings: Settings, token: str
) -> tuple[m.Account, int]:
    """The token's account and the token's id."""
    digest = security.token_digest(token, settings.secret_key)
    row = (await session.execute(_TOKEN_OWNER, {"digest": digest, "now": m.utcnow()})).first()
    if row is None:
        raise Unauthorized(BAD_TOKEN)
    return row[0], row[1]


async def revoke_token(session: AsyncSession, token_id: int) -> None:
    await session.execute(
        update(m.Token)
        .where(m.Token.id == token_id, m.Token.revoked_at.is_(None))
        .values(revoked_at=m.utcnow())
    )


async def update_profile(
    session: AsyncSession, account: m.Account, data: schemas.ProfileUpdate
) -> m.Account:
    if not isinstance(data.languages, msgspec.UnsetType):
        account.languages = normalise_languages(data.languages)
    if not isinstance(data.display_name, msgspec.UnsetType):
        account.display_name = data.display_name
    await session.flush()
    return account


async def profile(session: AsyncSession, settings: Settings, account: m.Account) -> schemas.Profile:
    now = m.utcnow()
    stats = await account_stats(session, account, settings, now)
    rules = ladder(settings.levels_file)
    next_level = None
    if account.level + 1 < len(rules):
        rule = rules[account.level + 1]
        next_level = schemas.NextLevel(rule.level, rule.name, missing_for(rule, stats, now))
    return schemas.Profile(
        id=account.id,
        username=account.username,
        display_name=account.display_name,
        email=account.email,
        languages=list(account.languages),
        level=account.level,
        level_name=rule_for(rules, account.level).name,
        is_admin=account.is_admin,
        credit=stats.credit,
        accepted=stats.accepted,
        rejected=stats.rejected,
        reviews=stats.reviews,
        accuracy=stats.accuracy,
        next_level=next_level,
    )


async def make_admin(session: AsyncSession, settings: Settings, username: str) -> m.Account:
    account = await get_by_username(session, username)
    if account is None:
        raise NotFound(f"no account named {username!r}")
    account.is_admin = True
    await recompute_level(session, settings, account.id)
    return account
