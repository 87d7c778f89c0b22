"""Demo data: accounts, a project and two jobs. Loading twice changes nothing."""

from __future__ import annotations

from pathlib import Path

import msgspec
from sqlalchemy import select

from tasks_service.accounts import schemas as account_schemas
from tasks_service.accounts.services import get_by_username, register
from tasks_service.db import models as m
from tasks_service.db.engine import create_engine, create_sessionmaker
from tasks_service.db.migrate import upgrade_to_head_async
from tasks_service.jobs import services as jobs
from tasks_service.projects import schemas as project_schemas
from tasks_service.projects import services as projects
from tasks_service.settings import Settings
from workers.context import WorkerContext
from workers.dispatch import Background

HERE = Path(__file__).parent
PROJECT_SLUG = "demo-project"
# Demo credentials, printed by the loader; never use them outside a demo.
ACCOUNTS = {
    "demo-owner": ("open-sesame-owner", ["en", "fr"]),
    "demo-volunteer": ("open-sesame-volunteer", ["en", "fr"]),
    "demo-reviewer": ("open-sesame-reviewer", ["en", "fr"]),
}
JOBS = (
    ("Demo: app messages (PO)", "demo.po", "translate"),
    ("Demo: welcome text", "demo.txt", "translate"),
)


async def load(settings: Settings) -> list[str]:
    if settings.is_sqlite or settings.auto_migrate:
        await upgrade_to_head_async(settings.effective_database_url)
    engine = create_engine(settings.effective_database_url)
    sessionmaker = create_sessionmaker(engine)
    report = []
    try:
        async with sessionmaker.begin() as session:
            owner = None
            for username, (password, languages) in ACCOUNTS.items():
                account = await get_by_username(session, username)
                if account is None:
                    data = account_schemas.AccountCreate(username, password, languages)
                    account = await register(session, data)
                    report.append(f"account {username} / password {password}")
                owner = owner or account
            assert owner is not None
            project = (
                await session.scalars(select(m.Project).where(m.Project.slug == PROJECT_SLUG))
            ).first()
            if project is None:
                data_p = project_schemas.ProjectCreate(name="Demo project")
                project = await projects.create(session, owner, data_p)
                await projects.add_reviewer(session, owner, project.id, "demo-reviewer")
                report.append(f"project {project.slug} (id {project.id})")
            for title, filename, kind in JOBS:
                exists = await session.scalar(
                    select(m.Job.id).where(m.Job.project_id == project.id, m.Job.title == title)
                )
                if exists is None:
                    spec = jobs.parse_spec(
                        msgspec.json.encode(
                            {
                                "title": title,
                                "kind": kind,
                                "source_language": "en",
                                "target_language": "fr",
                            }
                        )
                    )
                    content = (HERE / filename).read_bytes()
                    job = await jobs.create(
                        session, settings, owner, project.id, spec, filename, content
                    )
                    report.append(f"job {title!r} (id {job.id})")
        if not settings.redis_url:  # no workers to split the jobs: do it here
            await Background(WorkerContext(settings, engine, sessionmaker)).drain()
    finally:
        await engine.dispose()
    return report or ["demo data already loaded; nothing changed"]
