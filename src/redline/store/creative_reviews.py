"""Decisions on ad creatives (SPEC R-LED): an append-only table, the latest row per creative is
the decision in force. The texts are also kept in a near-duplicate index in the corpus directory
(`redline.store.corpus`, `creatives/`), which can be rebuilt from this table."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timezone

from sqlalchemy import DateTime, Integer, String, Text, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from redline.store.base import Base

DECISIONS = ("approved", "rejected")


class CreativeReview(Base):
    __tablename__ = "creative_reviews"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    creative_id: Mapped[str] = mapped_column(String(128))
    decision: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(Text, default="")
    reviewer: Mapped[str] = mapped_column(String(64), default="")
    text: Mapped[str] = mapped_column(Text)
    decided_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    policy_version: Mapped[str] = mapped_column(String(64))

    def as_dict(self) -> dict:
        return {
            "creative_id": self.creative_id,
            "decision": self.decision,
            "reason": self.reason,
            "reviewer": self.reviewer,
            "decided_at": self.decided_at.isoformat() if self.decided_at else None,
            "policy_version": self.policy_version,
        }


def record_review(session: Session, creative_id: str, decision: str, reason: str, text: str,
                  policy_version: str, reviewer: str = "") -> CreativeReview:
    row = CreativeReview(creative_id=creative_id, decision=decision, reason=reason, reviewer=reviewer, text=text,
                         decided_at=datetime.now(timezone.utc), policy_version=policy_version)
    session.add(row)
    session.flush()
    return row


def latest_reviews(session: Session, creative_ids: Iterable[str]) -> dict[str, CreativeReview]:
    """The decision in force (latest row) for each of `creative_ids` that has one."""
    ids = list(dict.fromkeys(creative_ids))
    if not ids:
        return {}
    latest = (
        select(CreativeReview.creative_id, func.max(CreativeReview.id).label("id"))
        .where(CreativeReview.creative_id.in_(ids))
        .group_by(CreativeReview.creative_id)
        .subquery()
    )
    rows = session.scalars(select(CreativeReview).join(latest, CreativeReview.id == latest.c.id))
    return {row.creative_id: row for row in rows}


def all_latest_reviews(session: Session) -> list[CreativeReview]:
    latest = select(func.max(CreativeReview.id)).group_by(CreativeReview.creative_id)
    return list(session.scalars(select(CreativeReview).where(CreativeReview.id.in_(latest)).order_by(CreativeReview.id)))
