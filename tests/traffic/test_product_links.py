"""Attach/detach history on SQLite and PostgreSQL: pools follow it, bad requests change nothing."""

from datetime import datetime, timedelta, timezone

import pytest

from redline.errors import ConflictError, InputError, NotFoundError
from redline.store.entities import Account, Note, Product
from redline.store.product_links import attach_product, detach_product, product_history
from redline.traffic.pools import pool_at

T0 = datetime(2026, 11, 1, 10, tzinfo=timezone.utc)


@pytest.fixture
def seeded(database):
    with database.session() as session:
        session.add(Account(id="a", categories=[], credentials=[], fan_interests={}))
        session.add(Product(id="p", account_id="a", price=59.0))
        session.add(Note(id="n", account_id="a", published_at=T0))
    return database


def test_attach_later_then_detach(seeded):
    with seeded.session() as session:
        attach_product(session, "n", "p", T0 + timedelta(days=2))
    with seeded.session() as session:
        detach_product(session, "n", T0 + timedelta(days=5))
    with seeded.session() as session:
        history = product_history(session, session.get(Note, "n"))
    assert pool_at(history, T0 + timedelta(days=1)) == "community"
    assert pool_at(history, T0 + timedelta(days=3)) == "commerce"
    assert pool_at(history, T0 + timedelta(days=6)) == "community"


def test_bad_requests_change_nothing(seeded):
    with pytest.raises(NotFoundError):
        with seeded.session() as session:
            attach_product(session, "missing", "p")
    with pytest.raises(NotFoundError):
        with seeded.session() as session:
            attach_product(session, "n", "missing")
    with pytest.raises(InputError):
        with seeded.session() as session:
            attach_product(session, "n", "p", T0 - timedelta(days=1))
    with pytest.raises(ConflictError):
        with seeded.session() as session:
            detach_product(session, "n")
    with seeded.session() as session:
        assert product_history(session, session.get(Note, "n")) == []
        assert session.get(Note, "n").product_id is None
