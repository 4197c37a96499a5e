"""Routing detector findings into the ledger (SQLite and PostgreSQL): deduct or queue, once."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from redline.errors import InputError, NotFoundError
from redline.store.entities import Note
from redline.store.ledger import load_entries
from redline.store.ledger_findings import check_stored_note, route_findings

from .helpers import T0, day
from .store_helpers import seed

FINDINGS = [
    {"rule": "diversion.wechat", "severity": "violation", "start": 2, "end": 13, "excerpt": "微信 abc12345"},
    {"rule": "claim.medical", "severity": "violation", "start": 22, "end": 24, "excerpt": "治疗"},
    {"rule": "substance.short", "severity": "info", "start": 0, "end": 31, "excerpt": "…"},
    {"rule": "values.clickbait", "severity": "warning", "start": 0, "end": 2, "excerpt": "震惊"},
]


@pytest.fixture
def db(database):
    seed(database, accounts=("a1",), notes=(("n1", "a1"),))
    return database


def count(db, table):
    with db.engine.connect() as connection:
        return connection.execute(text(f"SELECT COUNT(*) FROM {table}")).scalar_one()


def test_violations_are_deducted_or_queued_as_the_policy_says_and_only_once(db, policy):
    routed = route_findings(db, policy, FINDINGS, note_id="n1", at=day(0))
    assert [e.rule for e in routed.entries] == ["diversion.wechat"]  # immediate
    assert routed.entries[0].source == "algorithm"
    assert [i.rule for i in routed.queued] == ["claim.medical"]  # policy: human review first
    assert sorted(routed.ignored) == ["substance.short", "values.clickbait"]
    again = route_findings(db, policy, FINDINGS, note_id="n1", at=day(1))
    assert again.entries == () and again.already == (routed.entries[0].id,)
    assert [i.id for i in again.queued] == [routed.queued[0].id]
    assert count(db, "ledger_entries") == 1 and count(db, "review_items") == 1


def test_bad_findings_or_unknown_notes_write_nothing(db, policy):
    with pytest.raises(NotFoundError):
        route_findings(db, policy, FINDINGS, note_id="ghost")
    with pytest.raises(InputError):
        route_findings(db, policy, [FINDINGS[0], {"no": "rule"}], note_id="n1")
    assert count(db, "ledger_entries") == 0 and count(db, "review_items") == 0


def test_a_stored_note_is_checked_with_what_the_store_knows(db, policy):
    with db.session() as session:
        session.add(Note(id="n2", account_id="a1", published_at=T0, title="好物", body="加我微信 abc12345 详聊"))
    result = check_stored_note(db, policy, "n2")
    assert "diversion.wechat" in {f.rule for f in result.findings}
    routed = route_findings(db, policy, result.findings, note_id="n2", at=day(0))
    assert [e.rule for e in load_entries(db, "a1")] == [e.rule for e in routed.entries] == ["diversion.wechat"]
