"""The community's entities: accounts, notes, products, comments (relational store).

Shared by every part: the health index reads them, the ledger checks account ids against them,
traffic decisions look up products attached to notes. JSON columns hold small lists and maps
(categories, credentials, fans' interests) that are read whole.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, DateTime, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from redline.store.base import Base


class Account(Base):
    __tablename__ = "accounts"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    nickname: Mapped[str] = mapped_column(String(200), default="")
    # personal | professional (专业号/蓝V) | brand | merchant
    account_type: Mapped[str] = mapped_column(String(32), default="personal")
    followers: Mapped[int | None] = mapped_column(Integer, nullable=True)  # None = unknown
    categories: Mapped[list] = mapped_column(JSON, default=list)
    credentials: Mapped[list] = mapped_column(JSON, default=list)
    # Share of fans per interest tag, e.g. {"母婴": 0.8, "美妆": 0.1}; {} = unknown.
    fan_interests: Mapped[dict] = mapped_column(JSON, default=dict)
    has_shop: Mapped[bool] = mapped_column(Boolean, default=False)
    teen_audience: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    source: Mapped[str] = mapped_column(String(32), default="api")  # api | demo | mediacrawler


class Product(Base):
    __tablename__ = "products"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id"), index=True)
    title: Mapped[str] = mapped_column(Text, default="")
    description: Mapped[str] = mapped_column(Text, default="")
    category: Mapped[str] = mapped_column(String(64), default="")
    price: Mapped[float] = mapped_column(Float)
    created_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class Note(Base):
    __tablename__ = "notes"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id"), index=True)
    title: Mapped[str] = mapped_column(Text, default="")
    body: Mapped[str] = mapped_column(Text, default="")
    category: Mapped[str] = mapped_column(String(64), default="")
    note_type: Mapped[str] = mapped_column(String(16), default="normal")  # normal | video
    video_seconds: Mapped[float | None] = mapped_column(Float, nullable=True)
    dynamic_cover: Mapped[bool] = mapped_column(Boolean, default=False)
    disclosed: Mapped[bool] = mapped_column(Boolean, default=False)  # 蒲公英 cooperation reported
    brand_account_id: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    product_id: Mapped[str | None] = mapped_column(ForeignKey("products.id"), nullable=True)
    product_attached_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    published_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    status: Mapped[str] = mapped_column(String(16), default="active")  # active | removed
    # Display counts from imports (MediaCrawler); None = unknown. Events are the primary source.
    liked_count: Mapped[int | None] = mapped_column(Integer, nullable=True)
    collected_count: Mapped[int | None] = mapped_column(Integer, nullable=True)
    comment_count: Mapped[int | None] = mapped_column(Integer, nullable=True)
    share_count: Mapped[int | None] = mapped_column(Integer, nullable=True)
    source: Mapped[str] = mapped_column(String(32), default="api")


class Comment(Base):
    __tablename__ = "comments"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    note_id: Mapped[str] = mapped_column(ForeignKey("notes.id"), index=True)
    account_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    parent_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    content: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    like_count: Mapped[int | None] = mapped_column(Integer, nullable=True)
    source: Mapped[str] = mapped_column(String(32), default="api")
