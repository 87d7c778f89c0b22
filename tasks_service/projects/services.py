"""Projects and who may see and run them.

Every "may this account see / own this" question is answered here, so handlers and other
services never repeat the rules.
"""

from __future__ import annotations

import re
import unicodedata

from sqlalchemy import ColumnElement, and_, exists, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from tasks_service.accounts.services import get_by_username
from tasks_service.db import models as m
from tasks_service.errors import Conflict, Forbidden, NotFound
from tasks_service.projects import schemas


def visible_to(account: m.Account | None) -> ColumnElement[bool]:
    """A filter on ``m.Project``: public projects, and private ones the account belongs to."""
    public = m.Project.visibility == m.Visibility.PUBLIC
    if account is None:
        return public
    if account.is_admin:
        return m.Project.id.is_not(None)
    member = exists().where(
        m.ProjectMember.project_id == m.Project.id, m.ProjectMember.account_id == account.id
    )
    return or_(public, member)


def owned_by(account: m.Account) -> ColumnElement[bool]:
    """A filter on ``m.Project``: the projects this account owns."""
    return _member_with(account, m.MemberRole.OWNER)


def reviewable_by(account: m.Account) -> ColumnElement[bool]:
    """A filter on ``m.Project``: projects whose work this account reviews as owner or reviewer."""
    return _member_with(account, m.MemberRole.OWNER, m.MemberRole.REVIEWER)


def _member_with(account: m.Account, *roles: str) -> ColumnElement[bool]:
    return exists().where(
        and_(
            m.ProjectMember.project_id == m.Project.id,
            m.ProjectMember.account_id == account.id,
            m.ProjectMember.role.in_(roles),
        )
    )


async def get_visible(session: AsyncSession, account: m.Account, project_id: int) -> m.Project:
    stmt = select(m.Project).where(m.Project.id == project_id, visible_to(account))
    project = (await session.scalars(stmt)).first()
    if project is None:
        raise NotFound(f"no project {project_id}")
    return project


async def is_owner(session: AsyncSession, account: m.Account, project_id: int) -> bool:
    if account.is_admin:
        return True
    stmt = select(m.Project.id).where(m.Project.id == project_id, owned_by(account))
    return (await session.scalar(stmt)) is not None


async def require_owner(session: AsyncSession, account: m.Account, project_id: int) -> m.Project:
    project = await get_visible(session, account, project_id)
    if not await is_owner(session, account, project_id):
        raise Forbidden(f"only an owner of project {project_id} may do this")
    return project


def slugify(name: str) -> str:
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")[:60] or "project"


async def create(
    session: AsyncSession, account: m.Account, data: schemas.ProjectCreate
) -> m.Project:
    base = slugify(data.name)
    taken = set(
        (await session.scalars(select(m.Project.slug).where(m.Project.slug.startswith(base)))).all()
    )
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    project = m.Project(
        slug=slug,
        name=data.name,
        description=data.description,
        visibility=data.visibility,
        created_by=account.id,
    )
    session.add(project)
    await session.flush()
    session.add(
        m.ProjectMember(project_id=project.id, account_id=account.id, role=m.MemberRole.OWNER)
    )
    await session.flush()
    return project


async def list_visible(
    session: AsyncSession, account: m.Account, *, limit: int, after_id: int | None
) -> list[tuple[m.Project, str | None]]:
    role = (
        select(m.ProjectMember.role)
        .where(m.ProjectMember.project_id == m.Project.id, m.ProjectMember.account_id == account.id)
        .scalar_subquery()
    )
    stmt = select(m.Project, role).where(visible_to(account)).order_by(m.Project.id).limit(limit)
    if after_id is not None:
        stmt = stmt.where(m.Project.id > after_id)
    return [(row[0], row[1]) for row in await session.execute(stmt)]


async def reviewers(
    session: AsyncSession, account: m.Account, project_id: int
) -> list[tuple[m.Account, m.ProjectMember]]:
    """The project's reviewers, oldest first; only an owner may see the list."""
    await require_owner(session, account, project_id)
    stmt = (
        select(m.Account, m.ProjectMember)
        .join(m.ProjectMember, m.ProjectMember.account_id == m.Account.id)
        .where(
            m.ProjectMember.project_id == project_id,
            m.ProjectMember.role == m.MemberRole.REVIEWER,
        )
        .order_by(m.ProjectMember.created_at, m.Account.id)
    )
    return [(row[0], row[1]) for row in await session.execute(stmt)]


async def add_reviewer(
    session: AsyncSession, account: m.Account, project_id: int, username: str
) -> tuple[m.Account, m.ProjectMember]:
    """Make ``username`` a reviewer of the project (an owner's decision). Adding someone who
    reviews already changes nothing; a volunteer member becomes a reviewer; an owner stays one."""
    await require_owner(session, account, project_id)
    person = await get_by_username(session, username.strip())
    if person is None:
        raise NotFound(f"there is no account called {username.strip()!r}")
    member = await session.get(m.ProjectMember, (project_id, person.id))
    if member is None:
        member = m.ProjectMember(
            project_id=project_id, account_id=person.id, role=m.MemberRole.REVIEWER
        )
        session.add(member)
    elif member.role == m.MemberRole.OWNER:
        raise Conflict(f"{person.username} owns project {project_id} and reviews it already")
    else:
        member.role = m.MemberRole.REVIEWER
    await session.flush()
    return person, member


async def remove_reviewer(
    session: AsyncSession, account: m.Account, project_id: int, username: str
) -> None:
    """Stop ``username`` reviewing the project; leases they hold run out as usual."""
    await require_owner(session, account, project_id)
    person = await get_by_username(session, username)
    member = await session.get(m.ProjectMember, (project_id, person.id)) if person else None
    if member is None or member.role != m.MemberRole.REVIEWER:
        raise NotFound(f"{username} is not a reviewer of project {project_id}")
    await session.delete(member)
    await session.flush()


def reviewer_schema(person: m.Account, member: m.ProjectMember) -> schemas.Reviewer:
    return schemas.Reviewer(
        username=person.username, display_name=person.display_name, added_at=member.created_at
    )


def to_schema(project: m.Project, role: str | None) -> schemas.Project:
    return schemas.Project(
        id=project.id,
        slug=project.slug,
        name=project.name,
        description=project.description,
        visibility=project.visibility,
        role=role,
        created_at=project.created_at,
    )
