"""The Litestar application: routes, dependencies, errors and the process's background loop."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from litestar import Litestar, Router
from litestar.di import Provide
from litestar.exceptions import NotFoundException
from litestar.openapi import OpenAPIConfig
from litestar.plugins.prometheus import PrometheusConfig

from tasks_service.access_log import access_log_middleware
from tasks_service.accounts.controllers import AccountController
from tasks_service.accounts.deps import provide_account
from tasks_service.credit.controllers import CreditController
from tasks_service.db.engine import create_engine, create_sessionmaker
from tasks_service.db.migrate import upgrade_to_head_async
from tasks_service.db.session import provide_db_session
from tasks_service.errors import exception_handlers
from tasks_service.jobs.controllers import JobController
from tasks_service.openapi import document_problems
from tasks_service.ops import OpsController
from tasks_service.projects.controllers import ProjectController
from tasks_service.queue.claim_sql import FLIGHTS, ClaimBatcher
from tasks_service.queue.controllers import QueueController
from tasks_service.ratelimit import RateLimits
from tasks_service.reviews.controllers import DecisionController, ReviewController
from tasks_service.settings import Settings, load_settings
from tasks_service.web.errors import not_found
from tasks_service.web.router import template_config, web_router
from workers.context import WorkerContext, connect_redis
from workers.dispatch import Background

API_PREFIX = "/api/v1"
MULTIPART_OVERHEAD = 1024 * 1024


def create_app(settings: Settings | None = None) -> Litestar:
    settings = settings or load_settings()

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        if settings.is_sqlite or settings.auto_migrate:
            await upgrade_to_head_async(settings.effective_database_url)
        engine = create_engine(settings.effective_database_url)
        redis = connect_redis(settings) if settings.redis_url else None
        worker = WorkerContext(settings, engine, create_sessionmaker(engine), redis)
        background = Background(worker)
        claims = None
        if not settings.is_sqlite:  # its own connections: requests wait on it holding theirs
            claims_engine = create_engine(settings.effective_database_url, pool_size=FLIGHTS)
            claims = ClaimBatcher(claims_engine, settings.max_open_leases)
        app.state.update(
            settings=settings,
            engine=engine,
            sessionmaker=worker.sessionmaker,
            redis=redis,
            background=background,
            rate_limits=RateLimits(settings, redis),
            claims=claims,
        )
        await background.start()
        try:
            yield
        finally:
            await background.stop()
            if redis is not None:
                await redis.aclose()
            await engine.dispose()
            if claims is not None:
                await claims.engine.dispose()

    api = Router(
        path=API_PREFIX,
        route_handlers=[
            AccountController,
            ProjectController,
            JobController,
            QueueController,
            ReviewController,
            DecisionController,
            CreditController,
        ],
    )
    prometheus = PrometheusConfig(app_name="tasks_service", group_path=True)
    app = Litestar(
        route_handlers=[api, OpsController, web_router(settings)],
        dependencies={
            "settings": Provide(lambda: settings, sync_to_thread=False, use_cache=True),
            "db_session": Provide(provide_db_session),
            "account": Provide(provide_account),
        },
        exception_handlers={**exception_handlers, NotFoundException: not_found},
        template_config=template_config(),
        lifespan=[lifespan],
        logging_config=None,  # the process configures logging (logs.py), not each app
        middleware=[access_log_middleware, prometheus.middleware],
        openapi_config=OpenAPIConfig(
            title="Tasks service",
            version="1",
            description="Volunteer micro-tasks: jobs, a leased queue, review and credit.",
            path="/schema",
        ),
        request_max_body_size=settings.upload_limit + MULTIPART_OVERHEAD,
    )
    document_problems(app)
    return app
