"""assignments by account and job: continuity and gold mixing read a volunteer's leases per job

Revision ID: 0003
Revises: 0001
Create Date: 2026-11-23 07:55:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("assignments", schema=None) as batch_op:
        batch_op.create_index(
            "ix_assignments_account_id_job_id", ["account_id", "job_id", "id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("assignments", schema=None) as batch_op:
        batch_op.drop_index("ix_assignments_account_id_job_id")
