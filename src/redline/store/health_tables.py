"""Tables of the health index (Alembic branch `health`).

- `note_checks`: the text findings of each note, summarised into the points each text
  indicator loses, with the text hash and policy version they were computed under (a note is
  re-checked when either changes). The findings themselves are kept for `explain`.
- `comment_labels`: each comment's sentiment labels (negative, specific question).
- `health_runs`: one row per daily recompute (day, engine, policy version, counts, timing).
- `health_account_days`: the account index per day (history kept): the headline numbers, keyed
  by (day, account_id) so that a day's rows are appended (on SQLite the table is its key:
  WITHOUT ROWID); an account's days are found by walking the days (store/health.py).
  Everything `explain` shows (metrics, indicators and their parts) is kept per day in Parquet in
  the data home, for notes (`health/notes/`) and accounts (`health/accounts/`): millions of rows
  and a hundred numbers per row a day are a column store's job.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, DateTime, Float, Integer, PrimaryKeyConstraint, String
from sqlalchemy.orm import Mapped, mapped_column

from redline.store.base import Base


class NoteCheck(Base):
    __tablename__ = "note_checks"

    note_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    text_hash: Mapped[str] = mapped_column(String(32))
    policy_version: Mapped[str] = mapped_column(String(64))
    checked_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    verdict: Mapped[str] = mapped_column(String(16))
    text_chars: Mapped[int] = mapped_column(Integer)
    text_q2: Mapped[float] = mapped_column(Float)
    text_q3: Mapped[float] = mapped_column(Float)
    text_c1: Mapped[float] = mapped_column(Float)
    text_c2: Mapped[float] = mapped_column(Float)
    text_c3: Mapped[float] = mapped_column(Float)
    originality: Mapped[float | None] = mapped_column(Float, nullable=True)
    findings: Mapped[list] = mapped_column(JSON, default=list)


class CommentLabelRow(Base):
    __tablename__ = "comment_labels"

    comment_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    note_id: Mapped[str] = mapped_column(String(64), index=True)
    text_hash: Mapped[str] = mapped_column(String(32))
    policy_version: Mapped[str] = mapped_column(String(64))
    negative: Mapped[bool] = mapped_column(Boolean)
    question: Mapped[bool] = mapped_column(Boolean)


class HealthRun(Base):
    __tablename__ = "health_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    day: Mapped[date] = mapped_column(Date, index=True)
    engine: Mapped[str] = mapped_column(String(16))
    policy_version: Mapped[str] = mapped_column(String(64))
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    notes: Mapped[int] = mapped_column(Integer)
    accounts: Mapped[int] = mapped_column(Integer)
    events: Mapped[int] = mapped_column(Integer)
    timings: Mapped[dict] = mapped_column(JSON, default=dict)


class AccountHealthDay(Base):
    __tablename__ = "health_account_days"
    __table_args__ = (PrimaryKeyConstraint("day", "account_id"), {"sqlite_with_rowid": False})

    account_id: Mapped[str] = mapped_column(String(64))
    day: Mapped[date] = mapped_column(Date)
    health_index: Mapped[float | None] = mapped_column(Float, nullable=True)
    index_before_deductions: Mapped[float | None] = mapped_column(Float, nullable=True)
    deductions: Mapped[float] = mapped_column(Float, default=0.0)
    quality: Mapped[float | None] = mapped_column(Float, nullable=True)
    compliance: Mapped[float | None] = mapped_column(Float, nullable=True)
    feedback: Mapped[float | None] = mapped_column(Float, nullable=True)
    coverage: Mapped[float] = mapped_column(Float)
    notes: Mapped[int] = mapped_column(Integer, default=0)
    policy_version: Mapped[str] = mapped_column(String(64))
    engine: Mapped[str] = mapped_column(String(16))
    computed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # Details of days computed before migration health_0003; later days keep them in Parquet.
    details: Mapped[dict | None] = mapped_column(JSON, nullable=True)
