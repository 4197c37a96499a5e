"""Seeding the entity tables for ledger storage tests."""

from __future__ import annotations

from redline.store.entities import Account, Note

from .helpers import T0


def seed(database, accounts=("a1",), notes=(), brand_notes=()) -> None:
    """accounts: ids; notes: (note_id, account_id); brand_notes: (note_id, account_id, brand_id)."""
    with database.session() as session:
        for account_id in accounts:
            session.add(Account(id=account_id, categories=[], credentials=[], fan_interests={}))
        session.flush()
        for note_id, account_id in notes:
            session.add(Note(id=note_id, account_id=account_id, published_at=T0))
        for note_id, account_id, brand_id in brand_notes:
            session.add(Note(id=note_id, account_id=account_id, published_at=T0, brand_account_id=brand_id))
