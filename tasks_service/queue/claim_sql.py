"""The claim on PostgreSQL in one statement: pick, lease, count down the slot, return the task.

The same rules as ``selection.py`` (which SQLite runs statement by statement) in one round
trip instead of eight to a dozen: the candidate jobs best first, then, job by job, the task as
``selection`` picks it, locked with SKIP LOCKED; the assignment inserted and ``open_slots``
decremented by data-modifying CTEs; the row carries what the volunteer's view needs (task, job
and the neighbouring units). The open-lease count reads a snapshot taken after ``claim``
locked the volunteer's row in the statement before, so two claims of one volunteer cannot both
pass the cap (a lock taken inside the same statement would leave the count on the snapshot
from before the wait).

``candidates`` is MATERIALIZED with its ORDER BY and ``picked`` stops at its first row, so the
nested loops run lazily: jobs after the first one with work are never looked at, and no task is
locked in them.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from types import SimpleNamespace
from typing import Any

import asyncpg
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from tasks_service.db import models as m
from tasks_service.queue import gold
from tasks_service.queue.selection import CANDIDATE_JOBS, primary_languages
from tasks_service.queue.task_view import CONTEXT_UNITS

# A task of job c, as selection._claimable builds it; :gold_filter narrows it by the pass.
_CLAIMABLE = """
    t.job_id = c.id AND t.state = 'open' AND t.open_slots > 0
    AND (p.gold IS NULL OR (t.gold_answer IS NOT NULL) = p.gold)
    AND NOT EXISTS (SELECT 1 FROM assignments h WHERE h.task_id = t.id AND h.account_id = :me)
"""

# SKIP LOCKED on every pick below: concurrent claimers each take a different task instead of
# queueing on (or double-leasing) the same row.
PARAMETERS = ("me", "now", "level", "languages", "is_admin", "job_id", "project_id", "cap")
_NAMED = re.compile(r":(" + "|".join(PARAMETERS) + r")\b")
CLAIM = _NAMED.sub(
    lambda found: f"${PARAMETERS.index(found.group(1)) + 1}",  # asyncpg numbers parameters
    f"""
WITH held AS (
    SELECT count(*) AS n FROM assignments
    WHERE account_id = :me AND state = 'active' AND expires_at > :now
),
standing AS (
    SELECT count(*) FILTER (WHERE g.answer = g.gold_answer) AS right_answers, count(*) AS answered
    FROM (
        SELECT s.answer, t.gold_answer
        FROM (
            SELECT id, task_id, answer FROM submissions WHERE account_id = :me
            ORDER BY id DESC LIMIT {gold.SCAN}
        ) s
        JOIN tasks t ON t.id = s.task_id
        WHERE t.gold_answer IS NOT NULL
        ORDER BY s.id DESC LIMIT {gold.WINDOW}
    ) g
),
factor AS (
    SELECT CASE
        WHEN right_answers >= {gold.PROVEN_RIGHT}
            AND right_answers >= {gold.PROVEN_ACCURACY} * answered THEN {gold.PROVEN_FACTOR}
        WHEN :level = 0 THEN {gold.NEWCOMER_FACTOR}
        ELSE 1.0
    END AS f
    FROM standing
),
candidates AS MATERIALIZED (
    SELECT j.id, j.ordering, j.gold_share, j.lease_seconds
    FROM jobs j JOIN projects pr ON pr.id = j.project_id
    WHERE j.status = 'open' AND j.min_level <= :level
        AND j.work_language = ANY(CAST(:languages AS text[]))
        AND (pr.visibility = 'public' OR :is_admin OR EXISTS (
            SELECT 1 FROM project_members pm WHERE pm.project_id = pr.id AND pm.account_id = :me
        ))
        AND (CAST(:job_id AS bigint) IS NULL OR j.id = :job_id)
        AND (CAST(:project_id AS bigint) IS NULL OR j.project_id = :project_id)
        AND (SELECT n FROM held) < :cap
    ORDER BY j.priority DESC, pr.priority DESC, j.id
    LIMIT {CANDIDATE_JOBS}
),
picked AS MATERIALIZED (
    SELECT c.id AS job_id, c.lease_seconds, x.id
    FROM candidates c
    CROSS JOIN LATERAL (
        SELECT CASE WHEN c.gold_share > 0 THEN (
            SELECT ceil(
                (count(*) + 1) * least(c.gold_share * (SELECT f FROM factor), {gold.SHARE_CAP})
                - {gold.EPSILON}
            ) > count(ta.gold_answer)
            FROM assignments a JOIN tasks ta ON ta.id = a.task_id
            WHERE a.account_id = :me AND a.job_id = c.id
        ) END AS wanted
        OFFSET 0  -- a fence: decided once per job, not again for every task row looked at
    ) w
    CROSS JOIN LATERAL (
        SELECT w.wanted AS gold UNION ALL SELECT NULL WHERE w.wanted IS NOT NULL
    ) p
    CROSS JOIN LATERAL (
        SELECT id FROM (
            SELECT t.id FROM tasks t
            WHERE {_CLAIMABLE}
                AND t.seq = (
                    SELECT l.seq + 1 FROM assignments la JOIN tasks l ON l.id = la.task_id
                    WHERE la.account_id = :me AND la.job_id = c.id AND la.state = 'submitted'
                    ORDER BY la.id DESC LIMIT 1
                )
                AND NOT (c.ordering <> 'breadth_first' AND EXISTS (
                    SELECT 1 FROM tasks b WHERE b.job_id = c.id AND b.state = 'open'
                        AND b.open_slots > 0 AND b.open_slots < t.open_slots
                ))
                AND NOT (c.ordering = 'breadth_first' AND EXISTS (
                    SELECT 1 FROM tasks b WHERE b.job_id = c.id AND b.state = 'open'
                        AND b.open_slots > t.open_slots
                ))
            FOR NO KEY UPDATE OF t SKIP LOCKED
        ) follow
        UNION ALL
        SELECT id FROM (
            SELECT t.id FROM tasks t
            WHERE c.ordering <> 'breadth_first' AND {_CLAIMABLE}
            ORDER BY t.open_slots, t.seq LIMIT 1
            FOR NO KEY UPDATE OF t SKIP LOCKED
        ) depth
        UNION ALL
        -- Breadth-first walks the slot counts from the most down, each in document order, so
        -- every step is an index range: ORDER BY open_slots DESC, seq would sort the job.
        SELECT id FROM (
            SELECT s.slots, (
                SELECT t.id FROM tasks t
                WHERE t.open_slots = s.slots AND {_CLAIMABLE}
                ORDER BY t.seq LIMIT 1
                FOR NO KEY UPDATE OF t SKIP LOCKED
            ) AS id
            FROM generate_series((
                SELECT max(mx.open_slots) FROM tasks mx
                WHERE mx.job_id = c.id AND mx.state = 'open' AND mx.open_slots > 0
            ), 1, -1) s(slots)
            WHERE c.ordering = 'breadth_first'
        ) breadth
        WHERE id IS NOT NULL
        LIMIT 1
    ) x
    LIMIT 1
),
taken AS (
    UPDATE tasks t SET open_slots = t.open_slots - 1, updated_at = :now
    FROM picked WHERE t.id = picked.id
    RETURNING t.id, t.job_id, t.seq, t.source, t.source_plural, t.placeholders, t.note
),
lease AS (
    INSERT INTO assignments (task_id, account_id, job_id, state, created_at, expires_at)
    SELECT id, :me, job_id, 'active', :now, :now + lease_seconds * interval '1 second'
    FROM picked
    RETURNING id, expires_at
),
touched AS (
    UPDATE accounts SET last_active_at = :now
    WHERE id = :me AND EXISTS (SELECT 1 FROM picked)
        AND (last_active_at IS NULL OR last_active_at < :now - interval '1 minute')
)
SELECT held.n AS held, lease.id AS assignment_id, lease.expires_at,
    taken.id, taken.job_id, taken.seq, taken.source, taken.source_plural, taken.placeholders,
    taken.note, j.kind, j.instructions, j.source_language, j.target_language, j.meta, j.choices,
    (
        SELECT coalesce(jsonb_agg(jsonb_build_array(n.seq, n.source, n.accepted_answer)
            ORDER BY n.seq), '[]')
        FROM tasks n
        WHERE n.job_id = taken.job_id AND n.seq <> taken.seq
            AND n.seq BETWEEN taken.seq - {CONTEXT_UNITS} AND taken.seq + {CONTEXT_UNITS}
    ) AS neighbours
FROM held
LEFT JOIN (lease CROSS JOIN taken JOIN jobs j ON j.id = taken.job_id) ON true
""",  # noqa: S608 - only module constants are formatted in; every value is a bound parameter
)
LOCK_VOLUNTEER = "SELECT 1 FROM accounts WHERE id = $1 FOR NO KEY UPDATE"


async def claim(
    session: AsyncSession,
    account: m.Account,
    now: datetime,
    cap: int,
    job_id: int | None,
    project_id: int | None,
) -> Any:
    """Lock the volunteer, then run the claim: its row has ``held`` (open leases before this
    claim) and, when a task was leased, the assignment, task and job fields; ``assignment_id``
    is None when none was.

    Both go straight to asyncpg on the session's connection, inside its transaction: through
    the ORM the same two statements cost the client three times the CPU (parameter and result
    processing), which on this hot path is most of a claim's cost.
    """
    connection = await session.connection()
    driver = (await connection.get_raw_connection()).driver_connection
    assert driver is not None
    # Lock the volunteer's row: two claims sent at once by one volunteer would otherwise both
    # pass the open-lease cap, which CLAIM counts in its own, later snapshot.
    async with _as_sqlalchemy_errors(connection, LOCK_VOLUNTEER):
        await driver.execute(LOCK_VOLUNTEER, account.id)
    values = {
        "me": account.id,
        "now": now,
        "level": account.level,
        "languages": primary_languages(account),
        "is_admin": account.is_admin,
        "job_id": job_id,
        "project_id": project_id,
        "cap": cap,
    }
    async with _as_sqlalchemy_errors(connection, CLAIM):
        row = await driver.fetchrow(CLAIM, *(values[name] for name in PARAMETERS))
    return SimpleNamespace(**row)


# The connection is gone or in a state no statement can follow (asyncpg's own words).
LOST_CONNECTION = (
    asyncpg.PostgresConnectionError,
    asyncpg.InterfaceError,
    asyncpg.InternalClientError,
    OSError,
)


@asynccontextmanager
async def _as_sqlalchemy_errors(connection: AsyncConnection, statement: str) -> AsyncIterator[None]:
    """The driver's errors as SQLAlchemy's, so the service answers them as it answers the
    ORM's: a lost connection is a 503 to retry, not a 500. SQLAlchemy did not see the
    connection die, so it is told, or the request's rollback would fail on it."""
    try:
        yield
    except LOST_CONNECTION as exc:
        await connection.invalidate(exc)
        raise OperationalError(statement, None, exc) from exc
    except asyncpg.PostgresError as exc:
        raise DBAPIError(statement, None, exc) from exc
