"""The web client's router, templates and static files, mounted at ``/`` beside the API."""

from __future__ import annotations

from pathlib import Path

from litestar import Router
from litestar.config.csrf import CSRFConfig
from litestar.di import Provide
from litestar.middleware import DefineMiddleware
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.static_files import create_static_files_router
from litestar.template import TemplateConfig

from tasks_service.settings import Settings
from tasks_service.web.auth import AuthPages
from tasks_service.web.csrf import TlsAwareCSRFMiddleware
from tasks_service.web.errors import web_exception_handlers
from tasks_service.web.owner import OwnerPages
from tasks_service.web.public import PublicPages
from tasks_service.web.reviewing import ReviewPages
from tasks_service.web.session import provide_viewer
from tasks_service.web.submissions import SubmissionPages
from tasks_service.web.volunteer import VolunteerPages

HERE = Path(__file__).parent
CSRF_COOKIE = "ts_csrf"
CSRF_HEADER = "x-csrf-token"


def template_config() -> TemplateConfig[JinjaTemplateEngine]:
    """Jinja2 with autoescaping on: every user text is escaped unless a template says not."""
    return TemplateConfig(directory=HERE / "templates", engine=JinjaTemplateEngine)


def web_router(settings: Settings) -> Router:
    """Every page, behind CSRF checks on every POST (the double-submit cookie of Litestar's
    CSRF middleware, keyed by SECRET_KEY, ``Secure`` over HTTPS like the session cookie). It
    sits on this router only, so the bearer-token API under /api/v1 is untouched."""
    csrf = CSRFConfig(
        secret=settings.secret_key,
        cookie_name=CSRF_COOKIE,
        header_name=CSRF_HEADER,
        cookie_httponly=True,
        cookie_samesite="lax",
    )
    static = create_static_files_router(
        path="/static", directories=[HERE / "static"], include_in_schema=False
    )
    return Router(
        path="/",
        route_handlers=[
            AuthPages,
            VolunteerPages,
            ReviewPages,
            SubmissionPages,
            OwnerPages,
            PublicPages,
            static,
        ],
        dependencies={"viewer": Provide(provide_viewer)},
        exception_handlers=web_exception_handlers,
        middleware=[DefineMiddleware(TlsAwareCSRFMiddleware, config=csrf, settings=settings)],
        include_in_schema=False,
    )
