"""Tables of the traffic part: the history of products attached to and detached from notes."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from redline.store.base import Base


class NoteProductLink(Base):
    """One attach (product_id set) or detach (product_id None) event; rows are only appended."""

    __tablename__ = "note_product_links"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    note_id: Mapped[str] = mapped_column(ForeignKey("notes.id"), index=True)
    product_id: Mapped[str | None] = mapped_column(ForeignKey("products.id"), nullable=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
