"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-23 05:14:41.184596
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from tasks_service.db.models.base import BigId, JSONType, UTCDateTime

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "accounts",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("username", sa.String(length=40), nullable=False),
        sa.Column("password_hash", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=True),
        sa.Column("display_name", sa.String(length=80), nullable=True),
        sa.Column("languages", JSONType, nullable=False),
        sa.Column("level", BigId, nullable=False),
        sa.Column("is_admin", sa.Boolean(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("last_active_at", UTCDateTime(), nullable=True),
        sa.Column("level_changed_at", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_accounts")),
    )
    op.create_index(
        "uq_accounts_username_lower", "accounts", [sa.text("lower(username)")], unique=True
    )
    op.create_table(
        "outbox",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("topic", sa.String(length=40), nullable=False),
        sa.Column("payload", JSONType, nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("available_at", UTCDateTime(), nullable=False),
        sa.Column("attempts", BigId, nullable=False),
        sa.Column("done_at", UTCDateTime(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox")),
    )
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.create_index(
            "ix_outbox_pending",
            ["available_at"],
            unique=False,
            postgresql_where=sa.text("done_at IS NULL"),
            sqlite_where=sa.text("done_at IS NULL"),
        )

    op.create_table(
        "projects",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("slug", sa.String(length=80), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("visibility", sa.String(length=16), nullable=False),
        sa.Column("priority", BigId, nullable=False),
        sa.Column("created_by", BigId, nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by"], ["accounts.id"], name=op.f("fk_projects_created_by_accounts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_projects")),
        sa.UniqueConstraint("slug", name=op.f("uq_projects_slug")),
    )
    op.create_table(
        "tokens",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("account_id", BigId, nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.Column("revoked_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_tokens_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_tokens_token_hash")),
    )
    with op.batch_alter_table("tokens", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_tokens_account_id"), ["account_id"], unique=False)

    op.create_table(
        "jobs",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("project_id", BigId, nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("format", sa.String(length=20), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=True),
        sa.Column("source_language", sa.String(length=20), nullable=False),
        sa.Column("target_language", sa.String(length=20), nullable=True),
        sa.Column("work_language", sa.String(length=20), nullable=False),
        sa.Column("segmentation", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("redundancy", BigId, nullable=False),
        sa.Column("reviews_required", BigId, nullable=False),
        sa.Column("lease_seconds", BigId, nullable=False),
        sa.Column("min_level", BigId, nullable=False),
        sa.Column("priority", BigId, nullable=False),
        sa.Column("ordering", sa.String(length=16), nullable=False),
        sa.Column("gold_share", sa.Double(), nullable=False),
        sa.Column("instructions", sa.Text(), nullable=True),
        sa.Column("choices", JSONType, nullable=True),
        sa.Column("template", sa.Text(), nullable=True),
        sa.Column("meta", JSONType, nullable=False),
        sa.Column("tasks_total", BigId, nullable=False),
        sa.Column("upload", sa.LargeBinary(), nullable=True),
        sa.Column("result", sa.LargeBinary(), nullable=True),
        sa.Column("created_by", BigId, nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("finished_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by"], ["accounts.id"], name=op.f("fk_jobs_created_by_accounts")
        ),
        sa.ForeignKeyConstraint(
            ["project_id"], ["projects.id"], name=op.f("fk_jobs_project_id_projects")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_jobs")),
    )
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_jobs_project_id"), ["project_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_jobs_work_language"), ["work_language"], unique=False)

    op.create_table(
        "project_members",
        sa.Column("project_id", BigId, nullable=False),
        sa.Column("account_id", BigId, nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_project_members_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_project_members_project_id_projects"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("project_id", "account_id", name=op.f("pk_project_members")),
    )
    with op.batch_alter_table("project_members", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_project_members_account_id"), ["account_id"], unique=False
        )

    op.create_table(
        "credit_entries",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("account_id", BigId, nullable=False),
        sa.Column("reason", sa.String(length=20), nullable=False),
        sa.Column("subject_id", BigId, nullable=False),
        sa.Column("job_id", BigId, nullable=False),
        sa.Column("amount", BigId, nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_credit_entries_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["job_id"], ["jobs.id"], name=op.f("fk_credit_entries_job_id_jobs"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credit_entries")),
        sa.UniqueConstraint(
            "reason", "subject_id", name=op.f("uq_credit_entries_reason_subject_id")
        ),
    )
    with op.batch_alter_table("credit_entries", schema=None) as batch_op:
        batch_op.create_index(
            "ix_credit_entries_account_id_created_at", ["account_id", "created_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_credit_entries_job_id"), ["job_id"], unique=False)

    op.create_table(
        "tasks",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("job_id", BigId, nullable=False),
        sa.Column("seq", BigId, nullable=False),
        sa.Column("key", sa.Text(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("source_plural", sa.Text(), nullable=True),
        sa.Column("placeholders", JSONType, nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("locator", JSONType, nullable=False),
        sa.Column("words", BigId, nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("open_slots", BigId, nullable=False),
        sa.Column("answers", BigId, nullable=False),
        sa.Column("accepted_submission_id", BigId, nullable=True),
        sa.Column("accepted_answer", JSONType, nullable=True),
        sa.Column("gold_answer", JSONType, nullable=True),
        sa.Column("copies", BigId, nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["job_id"], ["jobs.id"], name=op.f("fk_tasks_job_id_jobs"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tasks")),
        sa.UniqueConstraint("job_id", "seq", name=op.f("uq_tasks_job_id_seq")),
    )
    with op.batch_alter_table("tasks", schema=None) as batch_op:
        batch_op.create_index(
            "ix_tasks_claimable",
            ["job_id", "open_slots", "seq"],
            unique=False,
            postgresql_where=sa.text("state = 'open' AND open_slots > 0"),
            sqlite_where=sa.text("state = 'open' AND open_slots > 0"),
        )
        batch_op.create_index("ix_tasks_job_id_state", ["job_id", "state"], unique=False)

    op.create_table(
        "assignments",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("task_id", BigId, nullable=False),
        sa.Column("account_id", BigId, nullable=False),
        sa.Column("job_id", BigId, nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.Column("ended_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_assignments_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["job_id"], ["jobs.id"], name=op.f("fk_assignments_job_id_jobs"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["task_id"], ["tasks.id"], name=op.f("fk_assignments_task_id_tasks"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assignments")),
        sa.UniqueConstraint(
            "task_id", "account_id", name=op.f("uq_assignments_task_id_account_id")
        ),
    )
    with op.batch_alter_table("assignments", schema=None) as batch_op:
        batch_op.create_index(
            "ix_assignments_account_id_state", ["account_id", "state"], unique=False
        )
        batch_op.create_index(
            "ix_assignments_active_expiry",
            ["expires_at"],
            unique=False,
            postgresql_where=sa.text("state = 'active'"),
            sqlite_where=sa.text("state = 'active'"),
        )

    op.create_table(
        "review_assignments",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("task_id", BigId, nullable=False),
        sa.Column("reviewer_id", BigId, nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["reviewer_id"],
            ["accounts.id"],
            name=op.f("fk_review_assignments_reviewer_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["task_id"],
            ["tasks.id"],
            name=op.f("fk_review_assignments_task_id_tasks"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_assignments")),
    )
    with op.batch_alter_table("review_assignments", schema=None) as batch_op:
        batch_op.create_index(
            "ix_review_assignments_reviewer_id_state", ["reviewer_id", "state"], unique=False
        )
        batch_op.create_index(
            "uq_review_assignments_active_task",
            ["task_id"],
            unique=True,
            postgresql_where=sa.text("state = 'active'"),
            sqlite_where=sa.text("state = 'active'"),
        )

    op.create_table(
        "task_copies",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("job_id", BigId, nullable=False),
        sa.Column("task_id", BigId, nullable=False),
        sa.Column("seq", BigId, nullable=False),
        sa.Column("locator", JSONType, nullable=False),
        sa.Column("placeholders", JSONType, nullable=False),
        sa.ForeignKeyConstraint(
            ["job_id"], ["jobs.id"], name=op.f("fk_task_copies_job_id_jobs"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["task_id"], ["tasks.id"], name=op.f("fk_task_copies_task_id_tasks"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_task_copies")),
        sa.UniqueConstraint("job_id", "seq", name=op.f("uq_task_copies_job_id_seq")),
    )
    with op.batch_alter_table("task_copies", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_task_copies_task_id"), ["task_id"], unique=False)

    op.create_table(
        "submissions",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("assignment_id", BigId, nullable=False),
        sa.Column("task_id", BigId, nullable=False),
        sa.Column("job_id", BigId, nullable=False),
        sa.Column("account_id", BigId, nullable=False),
        sa.Column("answer", JSONType, nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("checks", JSONType, nullable=False),
        sa.Column("idempotency_key", sa.String(length=200), nullable=True),
        sa.Column("late", sa.Boolean(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("decided_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_submissions_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["assignment_id"],
            ["assignments.id"],
            name=op.f("fk_submissions_assignment_id_assignments"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["job_id"], ["jobs.id"], name=op.f("fk_submissions_job_id_jobs"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["task_id"], ["tasks.id"], name=op.f("fk_submissions_task_id_tasks"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_submissions")),
        sa.UniqueConstraint(
            "account_id", "idempotency_key", name=op.f("uq_submissions_account_id_idempotency_key")
        ),
        sa.UniqueConstraint("assignment_id", name=op.f("uq_submissions_assignment_id")),
    )
    with op.batch_alter_table("submissions", schema=None) as batch_op:
        batch_op.create_index("ix_submissions_account_id_id", ["account_id", "id"], unique=False)
        batch_op.create_index(batch_op.f("ix_submissions_job_id"), ["job_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_submissions_task_id"), ["task_id"], unique=False)

    op.create_table(
        "reviews",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("review_assignment_id", BigId, nullable=False),
        sa.Column("task_id", BigId, nullable=False),
        sa.Column("submission_id", BigId, nullable=False),
        sa.Column("reviewer_id", BigId, nullable=False),
        sa.Column("verdict", sa.String(length=16), nullable=False),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("decisive", sa.Boolean(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["review_assignment_id"],
            ["review_assignments.id"],
            name=op.f("fk_reviews_review_assignment_id_review_assignments"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["reviewer_id"],
            ["accounts.id"],
            name=op.f("fk_reviews_reviewer_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["submission_id"],
            ["submissions.id"],
            name=op.f("fk_reviews_submission_id_submissions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["task_id"], ["tasks.id"], name=op.f("fk_reviews_task_id_tasks"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reviews")),
        sa.UniqueConstraint("review_assignment_id", name=op.f("uq_reviews_review_assignment_id")),
    )
    with op.batch_alter_table("reviews", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_reviews_submission_id"), ["submission_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_reviews_task_id"), ["task_id"], unique=False)


def downgrade() -> None:
    op.drop_index("uq_accounts_username_lower", table_name="accounts")
    with op.batch_alter_table("reviews", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_reviews_task_id"))
        batch_op.drop_index(batch_op.f("ix_reviews_submission_id"))

    op.drop_table("reviews")
    with op.batch_alter_table("submissions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_submissions_task_id"))
        batch_op.drop_index(batch_op.f("ix_submissions_job_id"))
        batch_op.drop_index("ix_submissions_account_id_id")

    op.drop_table("submissions")
    with op.batch_alter_table("task_copies", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_task_copies_task_id"))

    op.drop_table("task_copies")
    with op.batch_alter_table("review_assignments", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_review_assignments_active_task",
            postgresql_where=sa.text("state = 'active'"),
            sqlite_where=sa.text("state = 'active'"),
        )
        batch_op.drop_index("ix_review_assignments_reviewer_id_state")

    op.drop_table("review_assignments")
    with op.batch_alter_table("assignments", schema=None) as batch_op:
        batch_op.drop_index(
            "ix_assignments_active_expiry",
            postgresql_where=sa.text("state = 'active'"),
            sqlite_where=sa.text("state = 'active'"),
        )
        batch_op.drop_index("ix_assignments_account_id_state")

    op.drop_table("assignments")
    with op.batch_alter_table("tasks", schema=None) as batch_op:
        batch_op.drop_index("ix_tasks_job_id_state")
        batch_op.drop_index(
            "ix_tasks_claimable",
            postgresql_where=sa.text("state = 'open' AND open_slots > 0"),
            sqlite_where=sa.text("state = 'open' AND open_slots > 0"),
        )

    op.drop_table("tasks")
    with op.batch_alter_table("credit_entries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_credit_entries_job_id"))
        batch_op.drop_index("ix_credit_entries_account_id_created_at")

    op.drop_table("credit_entries")
    with op.batch_alter_table("project_members", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_project_members_account_id"))

    op.drop_table("project_members")
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_jobs_work_language"))
        batch_op.drop_index(batch_op.f("ix_jobs_project_id"))

    op.drop_table("jobs")
    with op.batch_alter_table("tokens", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tokens_account_id"))

    op.drop_table("tokens")
    op.drop_table("projects")
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index(
            "ix_outbox_pending",
            postgresql_where=sa.text("done_at IS NULL"),
            sqlite_where=sa.text("done_at IS NULL"),
        )

    op.drop_table("outbox")
    op.drop_table("accounts")
