from __future__ import annotations

from litestar import Controller, delete, get, post
from litestar.status_codes import HTTP_201_CREATED, HTTP_204_NO_CONTENT
from sqlalchemy.ext.asyncio import AsyncSession

from tasks_service.db import models as m
from tasks_service.pagination import Cursor, Limit, decode_cursor, next_cursor
from tasks_service.projects import schemas, services


class ProjectController(Controller):
    path = "/projects"
    tags = ["projects"]

    @post("/", status_code=HTTP_201_CREATED)
    async def create(
        self, data: schemas.ProjectCreate, account: m.Account, db_session: AsyncSession
    ) -> schemas.Project:
        project = await services.create(db_session, account, data)
        return services.to_schema(project, m.MemberRole.OWNER)

    @get("/")
    async def list_projects(
        self, account: m.Account, db_session: AsyncSession, limit: Limit = 50, cursor: Cursor = None
    ) -> schemas.ProjectPage:
        rows = await services.list_visible(
            db_session, account, limit=limit, after_id=decode_cursor(cursor)
        )
        items = [services.to_schema(project, role) for project, role in rows]
        last = rows[-1][0].id if rows else None
        return schemas.ProjectPage(items=items, next_cursor=next_cursor(last, len(rows), limit))

    @get("/{project_id:int}")
    async def get_project(
        self, project_id: int, account: m.Account, db_session: AsyncSession
    ) -> schemas.Project:
        project = await services.get_visible(db_session, account, project_id)
        owner = await services.is_owner(db_session, account, project_id)
        return services.to_schema(project, m.MemberRole.OWNER if owner else None)

    @get("/{project_id:int}/reviewers")
    async def list_reviewers(
        self, project_id: int, account: m.Account, db_session: AsyncSession
    ) -> list[schemas.Reviewer]:
        rows = await services.reviewers(db_session, account, project_id)
        return [services.reviewer_schema(person, member) for person, member in rows]

    @post("/{project_id:int}/reviewers", status_code=HTTP_201_CREATED)
    async def add_reviewer(
        self,
        project_id: int,
        data: schemas.ReviewerAdd,
        account: m.Account,
        db_session: AsyncSession,
    ) -> schemas.Reviewer:
        person, member = await services.add_reviewer(db_session, account, project_id, data.username)
        return services.reviewer_schema(person, member)

    @delete("/{project_id:int}/reviewers/{username:str}", status_code=HTTP_204_NO_CONTENT)
    async def remove_reviewer(
        self, project_id: int, username: str, account: m.Account, db_session: AsyncSession
    ) -> None:
        await services.remove_reviewer(db_session, account, project_id, username)
