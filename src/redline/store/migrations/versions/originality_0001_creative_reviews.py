"""originality: decisions on ad creatives (append-only; the latest per creative is in force).

Revision ID: originality_0001
Revises:
Create Date: 2026-11-21
"""

import sqlalchemy as sa
from alembic import op

revision = "originality_0001"
down_revision = None
branch_labels = ("originality",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "creative_reviews",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("creative_id", sa.String(128), nullable=False),
        sa.Column("decision", sa.String(16), nullable=False),
        sa.Column("reason", sa.Text, nullable=False, server_default=""),
        sa.Column("reviewer", sa.String(64), nullable=False, server_default=""),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("policy_version", sa.String(64), nullable=False),
        sa.CheckConstraint("decision IN ('approved', 'rejected')", name="ck_creative_reviews_decision"),
    )
    op.create_index("ix_creative_reviews_creative_id", "creative_reviews", ["creative_id", "id"])


def downgrade() -> None:
    op.drop_index("ix_creative_reviews_creative_id", table_name="creative_reviews")
    op.drop_table("creative_reviews")
