"""Initial service schema: workspaces, API keys, datasets, model versions, jobs, advice audit log.

Revision ID: 0001
Revises:
Create Date: 2025-11-27
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TIME = sa.DateTime(timezone=True)
JSON = sa.JSON(none_as_null=True)


def upgrade() -> None:
    op.create_table(
        "workspaces",
        sa.Column("name", sa.String(63), nullable=False),
        sa.Column("created_at", TIME, nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_workspaces"),
    )
    op.create_table(
        "api_keys",
        sa.Column("id", sa.String(12), nullable=False),
        sa.Column("workspace", sa.String(63), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("secret_sha256", sa.String(64), nullable=False),
        sa.Column("created_at", TIME, nullable=False),
        sa.Column("last_used_at", TIME, nullable=True),
        sa.Column("revoked_at", TIME, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_api_keys"),
        sa.ForeignKeyConstraint(["workspace"], ["workspaces.name"], name="fk_api_keys_workspace_workspaces"),
    )
    op.create_index("ix_api_keys_workspace", "api_keys", ["workspace"])
    op.create_table(
        "datasets",
        sa.Column("workspace", sa.String(63), nullable=False),
        sa.Column("id", sa.String(100), nullable=False),
        sa.Column("path", sa.Text(), nullable=False),
        sa.Column("fingerprint", sa.String(128), nullable=False),
        sa.Column("tables", JSON, nullable=False),
        sa.Column("report", JSON, nullable=False),
        sa.Column("created_at", TIME, nullable=False),
        sa.PrimaryKeyConstraint("workspace", "id", name="pk_datasets"),
        sa.ForeignKeyConstraint(["workspace"], ["workspaces.name"], name="fk_datasets_workspace_workspaces"),
    )
    op.create_table(
        "model_versions",
        sa.Column("workspace", sa.String(63), nullable=False),
        sa.Column("version", sa.String(64), nullable=False),
        sa.Column("registry_root", sa.Text(), nullable=False),
        sa.Column("dataset_id", sa.String(100), nullable=True),
        sa.Column("fingerprint", sa.String(128), nullable=True),
        sa.Column("metrics", JSON, nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", TIME, nullable=False),
        sa.Column("activated_at", TIME, nullable=True),
        sa.PrimaryKeyConstraint("workspace", "version", name="pk_model_versions"),
        sa.ForeignKeyConstraint(["workspace"], ["workspaces.name"], name="fk_model_versions_workspace_workspaces"),
    )
    active = sa.text("active")
    op.create_index("uq_model_versions_active", "model_versions", ["workspace"], unique=True,
                    sqlite_where=active, postgresql_where=active)
    op.create_table(
        "jobs",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("workspace", sa.String(63), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("progress", sa.Float(), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("params", JSON, nullable=False),
        sa.Column("result", JSON, nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created_at", TIME, nullable=False),
        sa.Column("started_at", TIME, nullable=True),
        sa.Column("finished_at", TIME, nullable=True),
        sa.Column("heartbeat_at", TIME, nullable=True),
        sa.Column("worker_id", sa.String(200), nullable=True),
        sa.Column("cancel_requested", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_jobs"),
        sa.ForeignKeyConstraint(["workspace"], ["workspaces.name"], name="fk_jobs_workspace_workspaces"),
    )
    op.create_index("ix_jobs_status_created_at", "jobs", ["status", "created_at"])
    op.create_index("ix_jobs_workspace_created_at", "jobs", ["workspace", "created_at"])
    op.create_table(
        "advice_log",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("workspace", sa.String(63), nullable=False),
        sa.Column("key_id", sa.String(12), nullable=True),
        sa.Column("route", sa.String(200), nullable=False),
        sa.Column("request", JSON, nullable=False),
        sa.Column("response", JSON, nullable=False),
        sa.Column("model_version", sa.String(64), nullable=True),
        sa.Column("dataset_id", sa.String(100), nullable=True),
        sa.Column("created_at", TIME, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_advice_log"),
        sa.ForeignKeyConstraint(["workspace"], ["workspaces.name"], name="fk_advice_log_workspace_workspaces"),
    )
    op.create_index("ix_advice_log_workspace_created_at", "advice_log", ["workspace", "created_at"])


def downgrade() -> None:
    for index, table in (("ix_advice_log_workspace_created_at", "advice_log"),
                         ("ix_jobs_workspace_created_at", "jobs"), ("ix_jobs_status_created_at", "jobs"),
                         ("uq_model_versions_active", "model_versions"), ("ix_api_keys_workspace", "api_keys")):
        op.drop_index(index, table_name=table)
    for table in ("advice_log", "jobs", "model_versions", "datasets", "api_keys", "workspaces"):
        op.drop_table(table)
