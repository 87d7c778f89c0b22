"""The ``tasks-service`` command: serve, worker, migrate, seed, make-admin."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import shutil
import sys
import tempfile
import time

from tasks_service.logs import configure_logging
from tasks_service.settings import Settings, load_settings

METRICS_DIR_ENV = "PROMETHEUS_MULTIPROC_DIR"
REDIS_PAUSE_SECONDS = 1.0
log = logging.getLogger("tasks_service.cli")


def _serve(settings: Settings, args: argparse.Namespace) -> None:
    import uvicorn

    from tasks_service.db.migrate import upgrade_to_head
    from tasks_service.logs import logging_config

    if settings.uses_dev_secret_on_a_server:
        sys.exit(
            "tasks-service: refusing to serve a shared database with the development SECRET_KEY "
            "(anyone could forge token digests); set SECRET_KEY, or ALLOW_DEV_SECRET=1 to insist"
        )
    metrics_dir = _metrics_dir()
    if settings.is_sqlite or settings.auto_migrate:
        upgrade_to_head(settings.effective_database_url)
    shown = "127.0.0.1" if args.host in ("0.0.0.0", "::") else args.host  # noqa: S104
    print(
        f"Tasks service: open http://{shown}:{args.port}/ (API under /api/v1, docs at /schema)",
        flush=True,
    )
    try:
        uvicorn.run(
            "tasks_service.app:create_app",
            factory=True,
            host=args.host,
            port=args.port,
            workers=args.workers,
            log_level=args.log_level,
            log_config=logging_config(settings.log_format, args.log_level),
            access_log=False,  # each request is logged once, with its id, by access_log.py
            proxy_headers=True,
        )
    finally:
        if metrics_dir is not None:
            shutil.rmtree(metrics_dir, ignore_errors=True)


def _metrics_dir() -> str | None:
    """Point every API process at one Prometheus multiprocess directory, so a scrape of any of
    them counts all; returns the directory made here (to remove on exit), or None when the
    environment names one already (shared with workers on this host; wipe it before starting)."""
    # Set before anything imports prometheus_client: it picks its value store at import.
    if os.environ.get(METRICS_DIR_ENV):
        return None
    made = tempfile.mkdtemp(prefix="tasks-service-metrics-")
    os.environ[METRICS_DIR_ENV] = made
    return made


def _worker(settings: Settings, args: argparse.Namespace) -> None:
    """Run an arq worker until it is told to stop; a lost Redis (restarted, unreachable) only
    pauses it: arq gives up on a dropped connection, so a fresh worker starts once it answers.
    Jobs lost with Redis wait in the outbox and are dispatched again."""
    from arq.worker import run_worker
    from redis.exceptions import ConnectionError as RedisConnectionError
    from redis.exceptions import TimeoutError as RedisTimeoutError

    from workers.settings import worker_settings

    while True:
        try:
            run_worker(worker_settings(settings))
        except (RedisConnectionError, RedisTimeoutError, ConnectionError) as exc:
            log.warning("worker lost Redis (%s); starting again in %s s", exc, REDIS_PAUSE_SECONDS)
            time.sleep(REDIS_PAUSE_SECONDS)
        else:
            return


def _migrate(settings: Settings, args: argparse.Namespace) -> None:
    from tasks_service.db.migrate import upgrade_to_head

    upgrade_to_head(settings.effective_database_url)
    print("database is at the latest schema")


def _seed(settings: Settings, args: argparse.Namespace) -> None:
    from seeds.loader import load

    for line in asyncio.run(load(settings)):
        print(line)


def _make_admin(settings: Settings, args: argparse.Namespace) -> None:
    from tasks_service.accounts.services import make_admin
    from tasks_service.db.engine import create_engine, create_sessionmaker

    async def run() -> None:
        engine = create_engine(settings.effective_database_url)
        try:
            async with create_sessionmaker(engine).begin() as session:
                await make_admin(session, settings, args.username)
        finally:
            await engine.dispose()

    asyncio.run(run())
    print(f"{args.username} is now an admin")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="tasks-service", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="run the HTTP API")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=1, help="number of API processes")
    serve.add_argument("--log-level", default="info")
    serve.set_defaults(run=_serve)
    commands.add_parser("worker", help="run an arq worker (needs REDIS_URL)").set_defaults(
        run=_worker
    )
    commands.add_parser("migrate", help="upgrade the database to the latest schema").set_defaults(
        run=_migrate
    )
    commands.add_parser("seed", help="load the demo accounts, project and jobs").set_defaults(
        run=_seed
    )
    admin = commands.add_parser("make-admin", help="give an account the admin role")
    admin.add_argument("username")
    admin.set_defaults(run=_make_admin)
    return parser


def main(argv: list[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    try:
        settings = load_settings()
    except Exception as exc:  # a bad environment variable: say which, don't trace back
        sys.exit(f"tasks-service: invalid settings: {exc}")
    if not logging.getLogger().handlers:  # as basicConfig: an embedding program's setup wins
        configure_logging(settings.log_format)
    args.run(settings, args)
