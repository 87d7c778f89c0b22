"""audit entries: overrides and corrections of decisions

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 08:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from tasks_service.db.models.base import BigId, JSONType, UTCDateTime

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "audit_entries",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("job_id", BigId, nullable=False),
        sa.Column("task_id", BigId, nullable=False),
        sa.Column("actor_id", BigId, nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("old_state", sa.String(length=16), nullable=False),
        sa.Column("old_submission_id", BigId, nullable=True),
        sa.Column("new_submission_id", BigId, nullable=True),
        sa.Column("old_answer", JSONType, nullable=True),
        sa.Column("new_answer", JSONType, nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("checks", JSONType, nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["accounts.id"],
            name=op.f("fk_audit_entries_actor_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["job_id"], ["jobs.id"], name=op.f("fk_audit_entries_job_id_jobs"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["task_id"],
            ["tasks.id"],
            name=op.f("fk_audit_entries_task_id_tasks"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_entries")),
    )
    with op.batch_alter_table("audit_entries", schema=None) as batch_op:
        batch_op.create_index("ix_audit_entries_job_id_id", ["job_id", "id"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_entries_task_id"), ["task_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("audit_entries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_entries_task_id"))
        batch_op.drop_index("ix_audit_entries_job_id_id")
    op.drop_table("audit_entries")
