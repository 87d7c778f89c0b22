"""claim_tasks: the claim on PostgreSQL as a function, so that many claims go in one round trip;
open leases indexed by volunteer

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 12:40:00

The function takes, for each request in turn, the decision ``queue/selection.py`` takes on
SQLite, step by step: a lock on the volunteer's row, the open-lease count, then job by job the
pick. Each step has its own snapshot, so the count sees every lease taken before the lock, and
a later request of the batch sees the slots an earlier one took. The numbers in
it are ``queue/gold.py``'s, ``selection.CANDIDATE_JOBS`` and ``task_view.CONTEXT_UNITS``; a
change to them or to the rules is a new migration replacing the function (the tests run every
rule on SQLite and PostgreSQL, so a function left behind fails them).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Request i of the batch is the volunteer volunteers[i] or, when that is NULL, the owner of the
# bearer token whose digest is token_hashes[i] (NULL in ``volunteer`` and ``held`` when it is
# missing, expired or revoked); its scope is job_ids[i] and project_ids[i] (NULL: none).
CLAIM_TASKS = """
CREATE OR REPLACE FUNCTION claim_tasks(
    volunteers bigint[], token_hashes text[], job_ids bigint[], project_ids bigint[],
    at timestamptz, cap bigint
) RETURNS TABLE (
    request integer, volunteer bigint, held bigint, assignment_id bigint, expires_at timestamptz,
    id bigint, job_id bigint, seq bigint, source text, source_plural text, placeholders jsonb,
    note text, kind varchar, instructions text, source_language varchar,
    target_language varchar, meta jsonb, choices jsonb, neighbours jsonb
) LANGUAGE plpgsql VOLATILE
-- Every look-up here is an index probe. The plans are made once per connection, maybe while
-- the tables were still small: a sequential scan chosen then would stay, and grow with them.
SET enable_seqscan = off
AS $claim$
#variable_conflict use_column
DECLARE
    r record;
    i integer;
    me bigint;
    lvl bigint;
    langs text[];
    admin boolean;
    last_active timestamptz;
    factor double precision;
    c record;
    wanted boolean;
    gold boolean;
    after_seq bigint;
    slots bigint;
    chosen bigint;
    chosen_job bigint;
    chosen_lease bigint;
    chosen_seq bigint;
BEGIN
    -- In the order of the volunteers: two calls lock the ones they share in the same order.
    FOR r IN
        SELECT q.i, coalesce(q.volunteer, t.account_id) AS me
        FROM unnest(volunteers, token_hashes) WITH ORDINALITY AS q(volunteer, token_hash, i)
        LEFT JOIN tokens t ON q.volunteer IS NULL AND t.token_hash = q.token_hash
            AND t.revoked_at IS NULL AND t.expires_at > at
        ORDER BY 2, 1
    LOOP
        i := r.i;
        me := r.me;
        request := i;
        volunteer := NULL;
        held := NULL;
        assignment_id := NULL; expires_at := NULL; id := NULL; job_id := NULL; seq := NULL;
        source := NULL; source_plural := NULL; placeholders := NULL; note := NULL; kind := NULL;
        instructions := NULL; source_language := NULL; target_language := NULL; meta := NULL;
        choices := NULL; neighbours := NULL;
        chosen := NULL;
        factor := NULL;
        -- Two claims of one volunteer at once must not both pass the cap: the count below
        -- is a later statement, so it sees every lease committed before this lock.
        SELECT a.id, a.level, a.is_admin, a.last_active_at,
            ARRAY(SELECT DISTINCT split_part(code, '-', 1)
                FROM jsonb_array_elements_text(a.languages) code)
        INTO volunteer, lvl, admin, last_active, langs
        FROM accounts a WHERE a.id = me
        FOR NO KEY UPDATE;
        IF volunteer IS NULL THEN  -- an unknown token
            RETURN NEXT;
            CONTINUE;
        END IF;
        SELECT count(*) INTO held FROM assignments a
        WHERE a.account_id = me AND a.state = 'active' AND a.expires_at > at;
        IF held < cap THEN
            <<jobs>>
            FOR c IN
                SELECT j.id, j.ordering, j.gold_share, j.lease_seconds
                FROM jobs j JOIN projects pr ON pr.id = j.project_id
                WHERE j.status = 'open' AND j.min_level <= lvl
                    AND j.work_language = ANY(langs)
                    AND (pr.visibility = 'public' OR admin OR EXISTS (
                        SELECT 1 FROM project_members pm
                        WHERE pm.project_id = pr.id AND pm.account_id = me
                    ))
                    AND (job_ids[i] IS NULL OR j.id = job_ids[i])
                    AND (project_ids[i] IS NULL OR j.project_id = project_ids[i])
                ORDER BY j.priority DESC, pr.priority DESC, j.id
                LIMIT 50
            LOOP
                wanted := NULL;
                IF c.gold_share > 0 THEN
                    IF factor IS NULL THEN
                        SELECT CASE
                            WHEN count(*) FILTER (WHERE g.answer = g.gold_answer) >= 10
                                AND count(*) FILTER (WHERE g.answer = g.gold_answer)
                                    >= 0.8 * count(*) THEN 0.5
                            WHEN lvl = 0 THEN 2.0
                            ELSE 1.0
                        END INTO factor
                        FROM (
                            SELECT s.answer, t.gold_answer
                            FROM (
                                SELECT s.id, s.task_id, s.answer FROM submissions s
                                WHERE s.account_id = me ORDER BY s.id DESC LIMIT 1000
                            ) s
                            JOIN tasks t ON t.id = s.task_id
                            WHERE t.gold_answer IS NOT NULL
                            ORDER BY s.id DESC LIMIT 50
                        ) g;
                    END IF;
                    SELECT ceil((count(*) + 1) * least(c.gold_share * factor, 0.5) - 1e-9)
                        > count(ta.gold_answer)
                    INTO wanted
                    FROM assignments a JOIN tasks ta ON ta.id = a.task_id
                    WHERE a.account_id = me AND a.job_id = c.id;
                END IF;
                SELECT l.seq + 1 INTO after_seq
                FROM assignments la JOIN tasks l ON l.id = la.task_id
                WHERE la.account_id = me AND la.job_id = c.id AND la.state = 'submitted'
                ORDER BY la.id DESC LIMIT 1;
                -- The preferred kind (gold or not) first; then, when it has nothing, any task.
                FOREACH gold IN ARRAY CASE WHEN wanted IS NULL THEN ARRAY[NULL::boolean]
                    ELSE ARRAY[wanted, NULL] END
                LOOP
                    -- Continuity: the unit after the one last finished, when it is as good.
                    IF after_seq IS NOT NULL THEN
                        SELECT t.id INTO chosen FROM tasks t
                        WHERE t.job_id = c.id AND t.seq = after_seq
                            AND t.state = 'open' AND t.open_slots > 0
                            AND (gold IS NULL OR (t.gold_answer IS NOT NULL) = gold)
                            AND NOT EXISTS (
                                SELECT 1 FROM assignments h
                                WHERE h.task_id = t.id AND h.account_id = me
                            )
                            AND NOT (c.ordering <> 'breadth_first' AND EXISTS (
                                SELECT 1 FROM tasks b WHERE b.job_id = c.id AND b.state = 'open'
                                    AND b.open_slots > 0 AND b.open_slots < t.open_slots
                            ))
                            AND NOT (c.ordering = 'breadth_first' AND EXISTS (
                                SELECT 1 FROM tasks b WHERE b.job_id = c.id AND b.state = 'open'
                                    AND b.open_slots > t.open_slots
                            ))
                        FOR NO KEY UPDATE OF t SKIP LOCKED;
                    END IF;
                    IF chosen IS NULL AND c.ordering <> 'breadth_first' THEN
                        SELECT t.id INTO chosen FROM tasks t
                        WHERE t.job_id = c.id AND t.state = 'open' AND t.open_slots > 0
                            AND (gold IS NULL OR (t.gold_answer IS NOT NULL) = gold)
                            AND NOT EXISTS (
                                SELECT 1 FROM assignments h
                                WHERE h.task_id = t.id AND h.account_id = me
                            )
                        ORDER BY t.open_slots, t.seq LIMIT 1
                        FOR NO KEY UPDATE OF t SKIP LOCKED;
                    ELSIF chosen IS NULL THEN
                        -- Breadth-first walks the slot counts from the most down, each in
                        -- document order, so every step is an index range.
                        FOR slots IN
                            SELECT generate_series(max(mx.open_slots), 1, -1) FROM tasks mx
                            WHERE mx.job_id = c.id AND mx.state = 'open' AND mx.open_slots > 0
                        LOOP
                            SELECT t.id INTO chosen FROM tasks t
                            WHERE t.job_id = c.id AND t.state = 'open' AND t.open_slots = slots
                                AND (gold IS NULL OR (t.gold_answer IS NOT NULL) = gold)
                                AND NOT EXISTS (
                                    SELECT 1 FROM assignments h
                                    WHERE h.task_id = t.id AND h.account_id = me
                                )
                            ORDER BY t.seq LIMIT 1
                            FOR NO KEY UPDATE OF t SKIP LOCKED;
                            EXIT WHEN chosen IS NOT NULL;
                        END LOOP;
                    END IF;
                    EXIT WHEN chosen IS NOT NULL;
                END LOOP;
                IF chosen IS NOT NULL THEN
                    chosen_job := c.id;
                    chosen_lease := c.lease_seconds;
                    EXIT jobs;
                END IF;
            END LOOP;
        END IF;
        IF chosen IS NOT NULL THEN
            UPDATE tasks t SET open_slots = t.open_slots - 1, updated_at = at
            WHERE t.id = chosen
            RETURNING t.id, t.job_id, t.seq, t.source, t.source_plural, t.placeholders, t.note
            INTO id, job_id, seq, source, source_plural, placeholders, note;
            chosen_seq := seq;
            INSERT INTO assignments (task_id, account_id, job_id, state, created_at, expires_at)
            VALUES (chosen, me, chosen_job, 'active', at, at + chosen_lease * interval '1 second')
            RETURNING assignments.id, assignments.expires_at INTO assignment_id, expires_at;
            -- Activity at most once a minute: a write on every claim would be a hot row.
            IF last_active IS NULL OR last_active < at - interval '1 minute' THEN
                UPDATE accounts a SET last_active_at = at WHERE a.id = me;
            END IF;
            SELECT j.kind, j.instructions, j.source_language, j.target_language, j.meta,
                j.choices
            INTO kind, instructions, source_language, target_language, meta, choices
            FROM jobs j WHERE j.id = chosen_job;
            SELECT coalesce(jsonb_agg(jsonb_build_array(n.seq, n.source, n.accepted_answer)
                ORDER BY n.seq), '[]')
            INTO neighbours
            FROM tasks n
            WHERE n.job_id = chosen_job AND n.seq <> chosen_seq
                AND n.seq BETWEEN chosen_seq - 2 AND chosen_seq + 2;
        END IF;
        RETURN NEXT;
    END LOOP;
END
$claim$
"""


def upgrade() -> None:
    # The open-lease count reads only open leases: one index entry per lease held.
    with op.batch_alter_table("assignments", schema=None) as batch_op:
        batch_op.create_index(
            "ix_assignments_active_by_account",
            ["account_id", "expires_at"],
            unique=False,
            postgresql_where=sa.text("state = 'active'"),
            sqlite_where=sa.text("state = 'active'"),
        )
        batch_op.drop_index("ix_assignments_account_id_state")
    if op.get_context().dialect.name == "postgresql":
        op.execute(CLAIM_TASKS)


def downgrade() -> None:
    if op.get_context().dialect.name == "postgresql":
        op.execute("DROP FUNCTION claim_tasks")
    with op.batch_alter_table("assignments", schema=None) as batch_op:
        batch_op.create_index(
            "ix_assignments_account_id_state", ["account_id", "state"], unique=False
        )
        batch_op.drop_index("ix_assignments_active_by_account")
