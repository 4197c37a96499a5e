"""Attach and detach products on notes, keeping the history the traffic pools are read from."""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import select
from sqlalchemy.orm import Session

from redline.errors import ConflictError, InputError, NotFoundError
from redline.store.entities import Note, Product
from redline.store.traffic_tables import NoteProductLink
from redline.traffic.pools import ProductLinkEvent


def _aware(at: datetime | None) -> datetime:
    at = at or datetime.now(timezone.utc)
    return at if at.tzinfo else at.replace(tzinfo=timezone.utc)


def product_history(session: Session, note: Note) -> list[ProductLinkEvent]:
    """The note's attach/detach events; a note attached before any history was kept (e.g. at
    publication, from an import) contributes its `product_attached_at` as the first event."""
    rows = session.scalars(select(NoteProductLink).where(NoteProductLink.note_id == note.id).order_by(NoteProductLink.at, NoteProductLink.id)).all()
    events = [ProductLinkEvent(_aware(row.at), row.product_id) for row in rows]
    if not events and note.product_id:
        events.append(ProductLinkEvent(_aware(note.product_attached_at or note.published_at), note.product_id))
    return events


def attach_product(session: Session, note_id: str, product_id: str, at: datetime | None = None) -> None:
    note = session.get(Note, note_id)
    if note is None:
        raise NotFoundError(f"没有这篇笔记：{note_id}")
    if session.get(Product, product_id) is None:
        raise NotFoundError(f"没有这个商品：{product_id}")
    at = _aware(at)
    if at < _aware(note.published_at):
        raise InputError("挂车时间早于笔记发布时间")
    history = product_history(session, note)
    if history and at < history[-1].at:
        raise InputError("挂车时间早于上一次挂车/撤车记录，记录必须按时间顺序追加")
    if not history and note.product_id:  # materialise the implicit first event before appending
        session.add(NoteProductLink(note_id=note.id, product_id=note.product_id, at=_aware(note.product_attached_at or note.published_at)))
    session.add(NoteProductLink(note_id=note_id, product_id=product_id, at=at))
    note.product_id = product_id
    note.product_attached_at = at


def detach_product(session: Session, note_id: str, at: datetime | None = None) -> None:
    note = session.get(Note, note_id)
    if note is None:
        raise NotFoundError(f"没有这篇笔记：{note_id}")
    if not note.product_id:
        raise ConflictError(f"笔记 {note_id} 没有挂商品")
    at = _aware(at)
    history = product_history(session, note)
    if history and at < history[-1].at:
        raise InputError("撤车时间早于上一次挂车记录")
    if not session.scalars(select(NoteProductLink.id).where(NoteProductLink.note_id == note_id)).first():
        session.add(NoteProductLink(note_id=note.id, product_id=note.product_id, at=_aware(note.product_attached_at or note.published_at)))
    session.add(NoteProductLink(note_id=note_id, product_id=None, at=at))
    note.product_id = None
    note.product_attached_at = None
