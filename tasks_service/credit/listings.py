"""Read-only views of the ladder and of contributors, shared by the API and the web client."""

from __future__ import annotations

from datetime import timedelta
from typing import Literal

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from tasks_service.accounts.services import get_by_username
from tasks_service.credit import schemas
from tasks_service.credit.ladder import LevelRule, rule_for
from tasks_service.credit.services import account_stats, job_credits, ladder
from tasks_service.db import models as m
from tasks_service.errors import NotFound
from tasks_service.jobs.schemas import Credit
from tasks_service.projects.services import visible_to
from tasks_service.settings import Settings

Period = Literal["week", "month", "all"]
PERIODS = {"week": timedelta(days=7), "month": timedelta(days=30)}


def requirements(rule: LevelRule) -> list[str]:
    """What reaching a level takes, in words."""
    needs = []
    if rule.accepted:
        needs.append(f"{rule.accepted} accepted answers")
    if rule.accuracy is not None:
        needs.append(f"accuracy of at least {rule.accuracy:.0%}")
    if rule.credit:
        needs.append(f"{rule.credit} credit")
    if rule.reviews_agreeing:
        needs.append(f"{rule.reviews_agreeing} reviews agreeing with the final outcome")
    if rule.review_agreement is not None:
        needs.append(f"review agreement of at least {rule.review_agreement:.0%}")
    if rule.active_within_days is not None:
        needs.append(f"active in the last {rule.active_within_days} days")
    needs = needs or ["an account"]
    if rule.review_accuracy is not None:
        needs.append(
            f"to keep reviewing: at least {rule.review_accuracy:.0%} of measured verdicts "
            "agreeing with the final outcome"
        )
    return needs


def levels(settings: Settings) -> list[schemas.Level]:
    return [
        schemas.Level(r.level, r.name, requirements(r), list(r.privileges))
        for r in ladder(settings.levels_file)
    ]


async def contributor(
    session: AsyncSession, settings: Settings, username: str
) -> schemas.Contributor:
    """A public profile; only jobs of public projects are listed."""
    account = await get_by_username(session, username)
    if account is None:
        raise NotFound(f"no contributor named {username!r}")
    stats = await account_stats(session, account, settings, m.utcnow())
    jobs = (
        await session.scalars(
            select(m.Job.id)
            .distinct()
            .join(m.Submission, m.Submission.job_id == m.Job.id)
            .join(m.Project, m.Project.id == m.Job.project_id)
            .where(
                m.Submission.account_id == account.id,
                m.Submission.status == m.SubmissionStatus.ACCEPTED,
                visible_to(None),
            )
            .order_by(m.Job.id)
        )
    ).all()
    return schemas.Contributor(
        username=account.username,
        level=account.level,
        level_name=rule_for(ladder(settings.levels_file), account.level).name,
        credit=stats.credit,
        accepted=stats.accepted,
        reviews=stats.reviews,
        jobs=list(jobs),
    )


async def work_of(session: AsyncSession, account: m.Account, limit: int) -> list[schemas.WorkItem]:
    """Where the account's work went: jobs with their accepted pieces, finished ones first."""
    pieces = func.count(m.Submission.id)
    stmt = (
        select(m.Job.id, m.Job.title, m.Project.name, m.Job.status, pieces, m.Job.finished_at)
        .join(m.Submission, m.Submission.job_id == m.Job.id)
        .join(m.Project, m.Project.id == m.Job.project_id)
        .where(
            m.Submission.account_id == account.id,
            m.Submission.status == m.SubmissionStatus.ACCEPTED,
        )
        .group_by(m.Job.id, m.Job.title, m.Project.name, m.Job.status, m.Job.finished_at)
        .order_by(m.Job.finished_at.desc().nulls_last(), m.Job.id.desc())
        .limit(limit)
    )
    return [
        schemas.WorkItem(job_id, title, project, status, int(n), finished)
        for job_id, title, project, status, n, finished in await session.execute(stmt)
    ]


async def leaderboard(
    session: AsyncSession,
    settings: Settings,
    *,
    period: Period,
    project_id: int | None,
    limit: int,
) -> list[schemas.LeaderboardEntry]:
    """Top contributors by credit earned on public projects."""
    total = func.sum(m.CreditEntry.amount)
    stmt = (
        select(m.Account.username, m.Account.level, total)
        .join(m.Account, m.Account.id == m.CreditEntry.account_id)
        .join(m.Job, m.Job.id == m.CreditEntry.job_id)
        .join(m.Project, m.Project.id == m.Job.project_id)
        .where(visible_to(None))
        .group_by(m.Account.id, m.Account.username, m.Account.level)
        .order_by(total.desc(), m.Account.username)
        .limit(limit)
    )
    if period in PERIODS:
        stmt = stmt.where(m.CreditEntry.created_at >= m.utcnow() - PERIODS[period])
    if project_id is not None:
        stmt = stmt.where(m.Job.project_id == project_id)
    rules = ladder(settings.levels_file)
    return [
        schemas.LeaderboardEntry(rank, name, rule_for(rules, level).name, int(credit))
        for rank, (name, level, credit) in enumerate(await session.execute(stmt), start=1)
    ]


async def job_credit_list(session: AsyncSession, settings: Settings, job_id: int) -> list[Credit]:
    """Everyone whose work is in one job, with their level's name."""
    rules = ladder(settings.levels_file)
    return [
        Credit(username=u, level_name=rule_for(rules, lvl).name, accepted=a, credit=c)
        for u, lvl, a, c in await job_credits(session, job_id)
    ]
