"""titles: title experiments, arms, batches, decisions, fitted priors.

Revision ID: titles_0001
Revises:
Create Date: 2026-11-21
"""

import sqlalchemy as sa
from alembic import op

revision = "titles_0001"
down_revision = None
branch_labels = ("titles",)
depends_on = "core_0002"  # experiments belong to notes

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "title_experiments",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("note_id", sa.String(64), sa.ForeignKey("notes.id", name="fk_title_experiments_note_id_notes"), nullable=False),
        sa.Column("original_title", sa.Text, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("horizon", sa.Integer, nullable=False),
        sa.Column("expected_ctr", sa.Float, nullable=False),
        sa.Column("seed", sa.Integer, nullable=False),
        sa.Column("winner_arm", sa.Integer, nullable=True),
        sa.Column("prompt", sa.Text, nullable=True),
        sa.Column("prior_source", sa.String(64), nullable=False),
        sa.Column("policy_version", sa.String(64), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("closed_at", TS, nullable=True),
    )
    op.create_index("ix_title_experiments_note_id", "title_experiments", ["note_id"])
    op.create_table(
        "title_arms",
        sa.Column("experiment_id", sa.String(32), sa.ForeignKey("title_experiments.id", name="fk_title_arms_experiment_id"), primary_key=True),
        sa.Column("arm", sa.Integer, primary_key=True),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("prior_lift", sa.Float, nullable=False),
        sa.Column("impressions", sa.Integer, nullable=False),
        sa.Column("clicks", sa.Integer, nullable=False),
        sa.Column("intended", sa.Float, nullable=False),
    )
    op.create_table(
        "title_batches",
        sa.Column("experiment_id", sa.String(32), sa.ForeignKey("title_experiments.id", name="fk_title_batches_experiment_id"), primary_key=True),
        sa.Column("seq", sa.Integer, primary_key=True),
        sa.Column("size", sa.Integer, nullable=False),
        sa.Column("shares", sa.JSON, nullable=False),
        sa.Column("counts", sa.JSON, nullable=False),
        sa.Column("results", sa.JSON, nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("recorded_at", TS, nullable=True),
    )
    op.create_table(
        "title_decisions",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("experiment_id", sa.String(32), sa.ForeignKey("title_experiments.id", name="fk_title_decisions_experiment_id"), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("arm", sa.Integer, nullable=True),
        sa.Column("old_title", sa.Text, nullable=True),
        sa.Column("new_title", sa.Text, nullable=True),
        sa.Column("details", sa.JSON, nullable=False),
        sa.Column("policy_version", sa.String(64), nullable=False),
        sa.Column("created_at", TS, nullable=False),
    )
    op.create_index("ix_title_decisions_experiment_id", "title_decisions", ["experiment_id"])
    op.create_table(
        "title_priors",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("weights", sa.JSON, nullable=False),
        sa.Column("training_arms", sa.Integer, nullable=False),
        sa.Column("policy_version", sa.String(64), nullable=False),
        sa.Column("created_at", TS, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("title_priors")
    op.drop_table("title_decisions")
    op.drop_table("title_batches")
    op.drop_table("title_arms")
    op.drop_table("title_experiments")
