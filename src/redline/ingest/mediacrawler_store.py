"""Put MediaCrawler exports (notes, comments, creators) into the relational store.

Records come from `redline.ingest.mediacrawler` (typed, counts parsed, old and new schemas
reconciled by the creator hash). Accounts are keyed by that hash, so an old and a new export of
the same creator land on one account. Rows the reader skipped are reported with their line; rows
that cannot be stored (a note without a publication time, a comment on a note that was not
imported) are reported too and skipped. Everything a file contributes is written in one
transaction; importing the same files again changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from sqlalchemy import select

from redline.ingest.mediacrawler import ImportedComment, ImportedCreator, ImportedNote, read_export
from redline.store.database import Database
from redline.store.entities import Account, Comment, Note

SOURCE = "mediacrawler"
KIND_ORDER = {"creators": 0, "notes": 1, "comments": 2}


@dataclass
class FileReport:
    path: str
    kind: str
    schema: str
    exporter: str
    read: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: list[str] = field(default_factory=list)
    note_ids: list[str] = field(default_factory=list)
    comment_ids: list[str] = field(default_factory=list)
    latest: datetime | None = None  # the newest crawl (or publication) time in the file

    def to_dict(self) -> dict[str, Any]:
        return {
            "file": self.path, "kind": self.kind, "schema": self.schema, "exporter": self.exporter,
            "read": self.read, "inserted": self.inserted, "updated": self.updated, "unchanged": self.unchanged,
            "skipped": self.skipped,
        }


def _utc(moment: datetime | None) -> datetime | None:
    """Times are stored in UTC (SQLite keeps only the wall clock of what it is given)."""
    return None if moment is None else moment.astimezone(timezone.utc)


def _same(current: Any, value: Any) -> bool:
    """Equal, with times compared as instants (SQLite gives back naive UTC times)."""
    if isinstance(current, datetime) and isinstance(value, datetime):
        if current.tzinfo is None:
            current = current.replace(tzinfo=timezone.utc)
        if value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
    return current == value


def _apply(row: Any, values: dict[str, Any], report: FileReport) -> bool:
    changed = False
    for key, value in values.items():
        if not _same(getattr(row, key), value):
            setattr(row, key, value)
            changed = True
    if changed:
        report.updated += 1
    else:
        report.unchanged += 1
    return changed


def _ensure_account(session: Any, key: str, nickname: str, masked: bool) -> None:
    account = session.get(Account, key)
    if account is None:
        session.add(Account(id=key, nickname=nickname, source=SOURCE, categories=[], credentials=[], fan_interests={}))
    elif nickname and not masked and account.nickname != nickname:
        account.nickname = nickname  # a clear nickname (old schema) beats a masked one


def _category(note: ImportedNote) -> str:
    return (note.source_keyword or (note.tags[0] if note.tags else ""))[:64]


def _store_creators(session: Any, records: tuple[ImportedCreator, ...], report: FileReport) -> None:
    for creator in records:
        values = {"nickname": creator.nickname, "followers": creator.fans}
        account = session.get(Account, creator.account_key)
        if account is None:
            session.add(Account(id=creator.account_key, source=SOURCE, categories=list(creator.tags), credentials=[], fan_interests={}, **values))
            report.inserted += 1
        else:
            _apply(account, values, report)


def _store_notes(session: Any, records: tuple[ImportedNote, ...], report: FileReport) -> None:
    for note in records:
        published = _utc(note.published_at or note.crawled_at)
        seen = note.crawled_at or published
        if seen is not None and (report.latest is None or seen > report.latest):
            report.latest = seen
        if published is None:
            report.skipped.append(f"第 {note.row} 行：笔记 {note.note_id} 没有发布时间，未导入")
            continue
        _ensure_account(session, note.account_key, note.nickname, note.nickname_masked)
        values = {
            "account_id": note.account_key, "title": note.title, "body": note.body, "category": _category(note),
            "note_type": note.note_type, "published_at": published, "liked_count": note.liked_count,
            "collected_count": note.collected_count, "comment_count": note.comment_count, "share_count": note.share_count,
        }
        row = session.get(Note, note.note_id)
        if row is None:
            session.add(Note(id=note.note_id, source=SOURCE, **values))
            report.inserted += 1
            report.note_ids.append(note.note_id)
        else:
            if _apply(row, values, report):
                report.note_ids.append(note.note_id)


def _store_comments(session: Any, records: tuple[ImportedComment, ...], report: FileReport) -> None:
    wanted = sorted({c.note_id for c in records})
    known: set[str] = set()
    for start in range(0, len(wanted), 1000):
        known.update(session.scalars(select(Note.id).where(Note.id.in_(wanted[start:start + 1000]))))
    for comment in records:
        if comment.note_id not in known:
            report.skipped.append(f"第 {comment.row} 行：评论 {comment.comment_id} 所属笔记 {comment.note_id} 未导入（请同时导入笔记文件）")
            continue
        values = {
            "note_id": comment.note_id, "account_id": comment.account_key, "parent_id": comment.parent_id,
            "content": comment.content, "created_at": _utc(comment.created_at), "like_count": comment.like_count,
        }
        row = session.get(Comment, comment.comment_id)
        if row is None:
            session.add(Comment(id=comment.comment_id, source=SOURCE, **values))
            report.inserted += 1
            report.comment_ids.append(comment.comment_id)
        else:
            if _apply(row, values, report):
                report.comment_ids.append(comment.comment_id)


def import_files(database: Database, paths: list[Path]) -> list[FileReport]:
    """Import every file (creators first, then notes, then comments, whatever the order given)."""
    results = [(Path(path), read_export(path)) for path in paths]
    results.sort(key=lambda item: KIND_ORDER[item[1].info.kind])
    reports = []
    for path, result in results:
        info = result.info
        report = FileReport(str(path), info.kind, info.schema, info.exporter, read=len(result.records))
        report.skipped.extend(str(error) for error in result.errors)
        with database.session() as session:
            if info.kind == "creators":
                _store_creators(session, result.records, report)
            elif info.kind == "notes":
                _store_notes(session, result.records, report)
            else:
                _store_comments(session, result.records, report)
        reports.append(report)
    return reports
