"""Fetch what `explain` needs from storage: the stored result, its history, the note's text
findings, an account's weakest notes."""

from __future__ import annotations

from datetime import date
from typing import Any

import pyarrow.compute as pc

from redline.errors import NotFoundError
from redline.health.explain import explain_account, explain_note
from redline.home import DataHome
from redline.policy import Policy
from redline.store.database import Database
from redline.store.entities import Account, Note
from redline.store.health import account_history, note_result_days, note_results_file, read_account_details, read_note_history, read_note_results
from redline.store.health_tables import NoteCheck


def note_explanation(database: Database, home: DataHome, note_id: str, policy: Policy, day: date | None = None) -> dict[str, Any]:
    with database.session() as session:
        if session.get(Note, note_id) is None:
            raise NotFoundError(f"找不到笔记 {note_id}")
        check = session.get(NoteCheck, note_id)
        findings = list(check.findings) if check is not None else []
    history = read_note_history(home.root, note_id, until=day)
    if not history:
        when = f"在 {day.isoformat()} 及之前" if day else ""
        raise NotFoundError(f"笔记 {note_id} {when}还没有健康度结果：请先运行 redline recompute --date 日期")
    row = history[-1]
    return explain_note(row, policy, findings=findings, history=history)


def weakest_notes(home: DataHome, account_id: str, day: date, limit: int = 3) -> list[dict[str, Any]]:
    path = note_results_file(home.root, day)
    if path is None:
        return []
    table = read_note_results(path, columns=["note_id", "index", "coverage"], filter=pc.field("account_id") == account_id)
    rows = [r for r in table.to_pylist() if r["index"] is not None]
    rows.sort(key=lambda r: r["index"])
    return [{"note_id": r["note_id"], "index": round(r["index"], 1), "coverage": round(r["coverage"], 3)} for r in rows[:limit]]


def account_explanation(database: Database, home: DataHome, account_id: str, policy: Policy, day: date | None = None) -> dict[str, Any]:
    with database.session() as session:
        if session.get(Account, account_id) is None:
            raise NotFoundError(f"找不到账号 {account_id}")
    rows = account_history(database, account_id, until=day)
    if not rows:
        when = f"在 {day.isoformat()} 及之前" if day else ""
        raise NotFoundError(f"账号 {account_id} {when}还没有健康度结果：请先运行 redline recompute --date 日期")
    latest = rows[-1]
    row = {column: getattr(latest, column) for column in (
        "account_id", "day", "health_index", "index_before_deductions", "deductions", "quality", "compliance",
        "feedback", "coverage", "notes", "policy_version", "engine")}
    row["details"] = read_account_details(home.root, account_id, latest.day) or latest.details or {}
    history = [{"day": r.day, "index": r.health_index} for r in rows]
    weakest = weakest_notes(home, account_id, latest.day)
    advice: list[dict[str, Any]] = []
    if weakest:
        note_rows = read_note_history(home.root, weakest[0]["note_id"], until=latest.day)
        if note_rows:
            # A note's possible gain is in note-index points; its share of the account index is
            # smaller, so it is listed after the account's own advice of similar size.
            for item in explain_note(note_rows[-1], policy)["improve"]:
                advice.append({**item, "note_id": weakest[0]["note_id"]})
    return explain_account(row, policy, history=history, weakest_notes=weakest, note_advice=advice)


def last_computed_day(home: DataHome) -> date | None:
    days = note_result_days(home.root)
    return days[-1] if days else None


__all__ = ["account_explanation", "last_computed_day", "note_explanation"]
