"""Split and assemble benchmark: units per second and peak memory, on PostgreSQL.

Each measurement runs in a child process of its own, so its peak resident memory is its own:
`.venv/bin/python bench/split.py`. The insert rate of the split job is compared with a plain
COPY of the same rows into the same table, in the same run.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import subprocess
import sys
import time
import uuid
from typing import Any

import asyncpg
import sqlalchemy as sa
from documents import markdown_document, po_document

from tasks_service.db import models as m
from tasks_service.db.engine import create_engine, create_sessionmaker
from tasks_service.db.migrate import upgrade_to_head
from tasks_service.jobs.assembly import build_document
from tasks_service.jobs.formats import SplitOptions, get_format
from tasks_service.jobs.splitting import BATCH, _insert, _row, split_job
from tasks_service.settings import Settings

ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/test"
MB = 1_000_000
CASES = {
    "markdown 1 MB": ("markdown", lambda: markdown_document(1 * MB)),
    "markdown 50 MB": ("markdown", lambda: markdown_document(50 * MB)),
    "PO 5,000 messages": ("po", lambda: po_document(5000)),
}


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def child(url: str, case: str, step: str) -> dict[str, Any]:
    """One measurement; prints a JSON line for the parent."""
    fmt_name, make = CASES[case]
    # The split runs in a process that never held the generated document, as a worker would.
    data = b"" if step.startswith("split:") else make()
    base = peak_mb()
    if step == "parse":
        started = time.perf_counter()
        units = sum(1 for _ in get_format(fmt_name).split(data, SplitOptions("en", "fr")).units)
        return {"units": units, "seconds": time.perf_counter() - started, "base": base}
    engine = create_engine(url, pool_size=2)
    sessions = create_sessionmaker(engine)
    settings = Settings(database_url=url)
    try:
        if step == "upload":
            async with sessions.begin() as session:
                return {"job": await _job(session, fmt_name, data)}
        if step.startswith("split:"):
            job_id = int(step.split(":")[1])
            started = time.perf_counter()
            async with sessions.begin() as session:
                await split_job(session, settings, job_id)
            seconds = time.perf_counter() - started
            async with sessions() as session:
                job = await session.get(m.Job, job_id)
                assert job is not None and job.status == "open", job and job.error
                return {"job": job_id, "tasks": job.tasks_total, "seconds": seconds, "base": base}
        if step == "insert":  # the split job's own insert path alone: rows built, then written
            units = list(get_format(fmt_name).split(data, SplitOptions("en", "fr")).units)
            async with sessions.begin() as session:
                job_id = await _job(session, fmt_name, b"")
                job = await session.get(m.Job, job_id)
                assert job is not None
                started = time.perf_counter()
                for first in range(0, len(units), BATCH):
                    batch = units[first : first + BATCH]
                    await _insert(session, [_row(job, first + i, u) for i, u in enumerate(batch)])
                seconds = time.perf_counter() - started
            return {"rows": len(units), "seconds": seconds, "base": base}
        job_id = int(step.split(":")[1])
        async with sessions.begin() as session:
            await session.execute(
                sa.update(m.Task)
                .where(m.Task.job_id == job_id)
                .values(
                    state="accepted",
                    accepted_answer=sa.case(
                        (m.Task.source_plural.is_(None), sa.func.to_jsonb(m.Task.source)),
                        else_=sa.func.jsonb_build_array(m.Task.source, m.Task.source_plural),
                    ),
                )
            )
        del data
        started = time.perf_counter()
        async with sessions() as session:
            job = await session.get(m.Job, job_id)
            assert job is not None
            document = await build_document(session, job)
        return {"bytes": len(document), "seconds": time.perf_counter() - started, "base": base}
    finally:
        await engine.dispose()


async def _job(session: Any, fmt_name: str, data: bytes) -> int:
    account = m.Account(username=f"bench-{uuid.uuid4().hex[:8]}", password_hash="x")
    session.add(account)
    await session.flush()
    project = m.Project(slug=account.username, name="bench", created_by=account.id)
    session.add(project)
    await session.flush()
    job = m.Job(
        project_id=project.id,
        title="bench",
        kind="translate",
        format=fmt_name,
        source_language="en",
        target_language="fr",
        work_language="fr",
        lease_seconds=600,
        upload=data,
        created_by=account.id,
    )
    session.add(job)
    await session.flush()
    return job.id


async def copy_baseline(url: str, job_id: int) -> tuple[int, float]:
    """COPY the job's own rows, as plain records, into the same table under another job."""
    connection = await asyncpg.connect(url.replace("+asyncpg", ""))
    try:
        columns = [c.name for c in m.Task.__table__.columns if c.name != "id"]
        rows = await connection.fetch(
            f"SELECT {', '.join(columns)} FROM tasks WHERE job_id = $1", job_id
        )
        other = await connection.fetchval(
            "INSERT INTO jobs (project_id, title, kind, format, source_language, target_language,"
            " work_language, segmentation, status, redundancy, reviews_required, lease_seconds,"
            " min_level, priority, ordering, gold_share, meta, tasks_total, upload, created_by,"
            " created_at) SELECT project_id, title, kind, format, source_language,"
            " target_language, work_language, segmentation, 'cancelled', redundancy,"
            " reviews_required, lease_seconds, min_level, priority, ordering, gold_share, meta,"
            " 0, '', created_by, now() FROM jobs WHERE id = $1 RETURNING id",
            job_id,
        )
        records = [(other, *tuple(r)[1:]) for r in rows]
        started = time.perf_counter()
        await connection.copy_records_to_table("tasks", records=records, columns=columns)
        return len(records), time.perf_counter() - started
    finally:
        await connection.close()


def run_child(url: str, case: str, step: str) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, __file__, "--child", url, case, step],
        check=True,
        capture_output=True,
        text=True,
        timeout=1800,
    )
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    parser.add_argument("--quick", action="store_true", help="skip the 50 MB case")
    args = parser.parse_args()
    if args.child:
        result = asyncio.run(child(*args.child))
        print(json.dumps({**result, "peak_mb": peak_mb()}))
        return
    name = f"bench_split_{uuid.uuid4().hex[:8]}"
    asyncio.run(_admin(f'CREATE DATABASE "{name}"'))
    url = ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://") + f"/{name}"
    try:
        upgrade_to_head(url)
        rows = []
        for case in CASES:
            if args.quick and "50 MB" in case:
                continue
            parse = run_child(url, case, "parse")
            uploaded = run_child(url, case, "upload")
            split = run_child(url, case, f"split:{uploaded['job']}")
            assembled = run_child(url, case, f"assemble:{split['job']}")
            inserted = run_child(url, case, "insert")
            copied, copy_seconds = asyncio.run(copy_baseline(url, split["job"]))
            insert_rate = inserted["rows"] / inserted["seconds"]
            rows.append((case, parse, split, assembled, copied / copy_seconds, insert_rate))
        print_table(rows)
    finally:
        asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def print_table(
    rows: list[tuple[str, dict[str, Any], dict[str, Any], dict[str, Any], float, float]],
) -> None:
    head = (
        "document",
        "units",
        "tasks",
        "parse units/s",
        "split units/s",
        "split peak MB",
        "assemble units/s",
        "assemble peak MB",
        "insert rows/s",
        "COPY rows/s",
        "insert/COPY",
    )
    print("  ".join(f"{h:>16}" for h in head))
    for case, parse, split, assembled, copy_rate, insert_rate in rows:
        units = parse["units"]
        cells = (
            case,
            units,
            split["tasks"],
            f"{units / parse['seconds']:,.0f}",
            f"{units / split['seconds']:,.0f}",
            f"{split['peak_mb']:.0f}",
            f"{units / assembled['seconds']:,.0f}",
            f"{assembled['peak_mb']:.0f}",
            f"{insert_rate:,.0f}",
            f"{copy_rate:,.0f}",
            f"{insert_rate / copy_rate:.2f}",
        )
        print("  ".join(f"{c:>16}" for c in cells))
    print(
        "split = the whole split job (parse, insert, fold repeated units, open the job); "
        "insert = the job's row building and writing alone;\npeak MB is the whole process, "
        f"interpreter and libraries included ({rows[0][1]['base']:.0f} MB before any work)"
    )


async def _admin(statement: str) -> None:
    connection = await asyncpg.connect(ADMIN_URL)
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


if __name__ == "__main__":
    main()
