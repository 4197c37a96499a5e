"""Tables of the ledger and the review queue (Alembic branch `ledger`).

`ledger_entries`, `ledger_appeals` and `review_decisions` are append-only: the code has no
UPDATE or DELETE path for them and database triggers reject both. `ledger_accounts` holds one
row per account that writers lock to serialise appends (the per-account sequence number), and
`review_items` carries the claim of the reviewer working on an item.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, DateTime, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from redline.store.base import Base

TS = DateTime(timezone=True)


class LedgerAccount(Base):
    __tablename__ = "ledger_accounts"

    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id"), primary_key=True)
    entry_count: Mapped[int] = mapped_column(Integer, default=0)
    last_created: Mapped[datetime | None] = mapped_column(TS, nullable=True)


class LedgerEntry(Base):
    __tablename__ = "ledger_entries"
    __table_args__ = (
        UniqueConstraint("account_id", "seq", name="uq_ledger_entries_account_seq"),
        Index("ix_ledger_entries_account_created", "account_id", "created"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id"))
    seq: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16))  # deduction | reversal | credit
    rule: Mapped[str] = mapped_column(String(64))
    points: Mapped[float] = mapped_column(Float)
    note_id: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    # An entry is reversed at most once: the unique constraint makes a second reversal fail.
    reverses: Mapped[int | None] = mapped_column(ForeignKey("ledger_entries.id"), nullable=True, unique=True)
    source: Mapped[str] = mapped_column(String(32))
    reason: Mapped[str] = mapped_column(Text, default="")
    evidence: Mapped[dict] = mapped_column(JSON, default=dict)
    policy_version: Mapped[str] = mapped_column(String(80))
    actor: Mapped[str] = mapped_column(String(64), default="")
    created: Mapped[datetime] = mapped_column(TS)  # when the violation counts from
    recorded: Mapped[datetime] = mapped_column(TS)  # wall-clock time of the append
    # Set when the same fact may be routed more than once (a detector finding on a note).
    dedupe_key: Mapped[str | None] = mapped_column(String(300), nullable=True)


class LedgerAppeal(Base):
    __tablename__ = "ledger_appeals"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("ledger_entries.id"), unique=True)
    decision: Mapped[str] = mapped_column(String(16))  # uphold | reverse
    reason: Mapped[str] = mapped_column(Text, default="")
    reviewer: Mapped[str] = mapped_column(String(64), default="")
    decided_at: Mapped[datetime] = mapped_column(TS)
    reversal_entry_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_entries.id"), nullable=True)


class ReviewItem(Base):
    __tablename__ = "review_items"
    __table_args__ = (Index("ix_review_items_stage", "stage", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    # Makes enqueueing idempotent: the same report trigger or finding never queues twice.
    dedupe_key: Mapped[str] = mapped_column(String(300), unique=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id"), index=True)
    note_id: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    rule: Mapped[str | None] = mapped_column(String(64), nullable=True)  # suggested rule
    origin: Mapped[str] = mapped_column(String(16))  # reports | algorithm | manual
    reason: Mapped[str] = mapped_column(Text, default="")
    evidence: Mapped[dict] = mapped_column(JSON, default=dict)
    created: Mapped[datetime] = mapped_column(TS)
    stage: Mapped[str] = mapped_column(String(16))  # first | second | done
    second_review: Mapped[bool] = mapped_column(Boolean, default=False)
    first_reviewer: Mapped[str | None] = mapped_column(String(64), nullable=True)
    claimed_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    claimed_until: Mapped[datetime | None] = mapped_column(TS, nullable=True)
    policy_version: Mapped[str] = mapped_column(String(80))


class ReviewDecision(Base):
    __tablename__ = "review_decisions"
    # The same item is never decided twice in the same round (1 = decision, 2 = blind check).
    __table_args__ = (UniqueConstraint("item_id", "round", name="uq_review_decisions_item_round"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("review_items.id"))
    round: Mapped[int] = mapped_column(Integer)
    reviewer: Mapped[str] = mapped_column(String(64))
    verdict: Mapped[str] = mapped_column(String(16))  # violation | clear
    rule: Mapped[str | None] = mapped_column(String(64), nullable=True)
    reason: Mapped[str] = mapped_column(Text)
    decided_at: Mapped[datetime] = mapped_column(TS)
    entry_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_entries.id"), nullable=True)


class NoteReport(Base):
    __tablename__ = "note_reports"
    __table_args__ = (
        UniqueConstraint("note_id", "reporter", "reported_at", name="uq_note_reports_note_reporter_time"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    note_id: Mapped[str] = mapped_column(ForeignKey("notes.id"), index=True)
    reporter: Mapped[str] = mapped_column(String(64), default="")
    reported_at: Mapped[datetime] = mapped_column(TS)
    reason: Mapped[str] = mapped_column(Text, default="")
