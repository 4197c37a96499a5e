"""Check the text of stored notes and comments once, keep the summary the index reads.

A note is (re)checked when it has no summary, when its text changed (hash), or when the policy
changed (version); the daily recompute then reads five numbers per note instead of re-running
the detectors over every text.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timezone
from typing import Any

import xxhash
from sqlalchemy import delete, insert, select, text

from redline.checks import CheckRequest, check
from redline.health.text import comment_label, text_points
from redline.pipeline.originality import OriginalityLookup
from redline.policy import Policy
from redline.store.database import Database
from redline.store.entities import Account, Comment, Note
from redline.store.health_tables import CommentLabelRow, NoteCheck

CHUNK = 2_000


def text_hash(*parts: str) -> str:
    return xxhash.xxh3_128_hexdigest("\x1f".join(parts).encode("utf-8"))


def _stale_note_ids(database: Database, policy: Policy) -> list[str]:
    sql = text(
        "SELECT n.id FROM notes n LEFT JOIN note_checks c ON c.note_id = n.id "
        "WHERE c.note_id IS NULL OR c.policy_version <> :version"
    )
    with database.engine.connect() as connection:
        return [row[0] for row in connection.execute(sql, {"version": policy.version})]


def refresh_note_checks(database: Database, policy: Policy, note_ids: Iterable[str] | None = None, home: Any = None) -> int:
    """Check the given notes (default: those never checked or checked under another policy);
    notes whose text and policy are unchanged are skipped. Returns how many were checked.
    With a data home that has a corpus index, originality (Q1) is measured too."""
    ids = list(note_ids) if note_ids is not None else _stale_note_ids(database, policy)
    lookup = OriginalityLookup(home, policy) if ids else None
    checked = 0
    now = datetime.now(timezone.utc)
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start:start + CHUNK]
        with database.session() as session:
            notes = session.execute(
                select(Note, Account.credentials).join(Account, Account.id == Note.account_id).where(Note.id.in_(chunk))
            ).all()
            existing = {row.note_id: row for row in session.scalars(select(NoteCheck).where(NoteCheck.note_id.in_(chunk)))}
            rows = []
            todo = []
            for note, credentials in notes:
                digest = text_hash(note.title or "", note.body or "", note.category or "", str(note.disclosed), str(note.product_id))
                old = existing.get(note.id)
                if old is not None and old.text_hash == digest and old.policy_version == policy.version:
                    continue
                todo.append(note)
                result = check(
                    CheckRequest(
                        text=note.body or "",
                        kind="note",
                        title=note.title or "",
                        category=note.category or None,
                        credentials=frozenset(credentials or ()),
                        disclosed=bool(note.disclosed),
                        product_attached=note.product_id is not None,
                    ),
                    policy,
                )
                points = text_points(result.findings, policy)
                rows.append(
                    {
                        "note_id": note.id,
                        "text_hash": digest,
                        "policy_version": policy.version,
                        "checked_at": now,
                        "verdict": result.verdict,
                        "text_chars": len(note.body or ""),
                        "text_q2": points["Q2"],
                        "text_q3": points["Q3"],
                        "text_c1": points["C1"],
                        "text_c2": points["C2"],
                        "text_c3": points["C3"],
                        "originality": None,
                        "findings": [
                            {k: f.to_dict()[k] for k in ("rule", "family", "severity", "excerpt", "advice", "field", "points")}
                            for f in result.findings
                        ],
                    }
                )
            if rows and lookup is not None and lookup.available:
                values = lookup.originality([n.id for n in todo], [n.body or "" for n in todo], [n.account_id for n in todo])
                for row, value in zip(rows, values):
                    row["originality"] = value
            if rows:
                session.execute(delete(NoteCheck).where(NoteCheck.note_id.in_([r["note_id"] for r in rows])))
                session.execute(insert(NoteCheck), rows)
                checked += len(rows)
    return checked


def refresh_comment_labels(database: Database, policy: Policy, comment_ids: Iterable[str] | None = None) -> int:
    """Label comments (negative, specific question) that have no current label."""
    if comment_ids is None:
        sql = text(
            "SELECT c.id FROM comments c LEFT JOIN comment_labels l ON l.comment_id = c.id "
            "WHERE l.comment_id IS NULL OR l.policy_version <> :version"
        )
        with database.engine.connect() as connection:
            ids = [row[0] for row in connection.execute(sql, {"version": policy.version})]
    else:
        ids = list(comment_ids)
    labelled = 0
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start:start + CHUNK]
        with database.session() as session:
            comments = list(session.scalars(select(Comment).where(Comment.id.in_(chunk))))
            rows = []
            for comment in comments:
                label = comment_label(check(CheckRequest(text=comment.content or "", kind="comment"), policy), policy)
                rows.append(
                    {
                        "comment_id": comment.id,
                        "note_id": comment.note_id,
                        "text_hash": text_hash(comment.content or ""),
                        "policy_version": policy.version,
                        "negative": label.negative,
                        "question": label.question,
                    }
                )
            if rows:
                session.execute(delete(CommentLabelRow).where(CommentLabelRow.comment_id.in_([r["comment_id"] for r in rows])))
                session.execute(insert(CommentLabelRow), rows)
                labelled += len(rows)
    return labelled
