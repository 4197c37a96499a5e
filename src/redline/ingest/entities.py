"""Read accounts, notes and comments from JSON Lines files into the relational store.

Each record is validated; a file with any bad record is rejected whole with the line numbers and
reasons (nothing is written), so the store never holds half a file. Records are upserted by id:
loading the same file twice changes nothing, and a changed note is re-checked.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from redline.errors import InputError
from redline.events.schema import EventError, parse_time
from redline.io.jsonl import iter_json_lines, open_binary
from redline.policy import Policy
from redline.store.database import Database
from redline.store.entities import Account, Comment, Note

MAX_ID = 64
ACCOUNT_TYPES = ("personal", "professional", "brand", "merchant")
NOTE_TYPES = ("normal", "video")


class RecordError(ValueError):
    pass


def _id(raw: dict, name: str, required: bool = True) -> str | None:
    value = raw.get(name)
    if value is None or value == "":
        if required:
            raise RecordError(f"缺少字段 {name}")
        return None
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise RecordError(f"字段 {name} 应为字符串")
    value = str(value).strip()
    if not value or len(value) > MAX_ID:
        raise RecordError(f"字段 {name} 为空或超过 {MAX_ID} 字符")
    return value


def _text(raw: dict, name: str, limit: int) -> str:
    value = raw.get(name, "")
    if value is None:
        return ""
    if not isinstance(value, str):
        raise RecordError(f"字段 {name} 应为字符串")
    if len(value) > limit:
        raise RecordError(f"字段 {name} 过长（{len(value)} 字符，上限 {limit}）")
    return value


def _count(raw: dict, name: str) -> int | None:
    value = raw.get(name)
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or (isinstance(value, float) and not math.isfinite(value)):
        raise RecordError(f"字段 {name} 应为非负整数")
    if value < 0:
        raise RecordError(f"字段 {name} 不能为负数（{value}）")
    return int(value)


def _time(raw: dict, name: str, zone: ZoneInfo, required: bool = False) -> datetime | None:
    value = raw.get(name)
    if value is None or value == "":
        if required:
            raise RecordError(f"缺少字段 {name}")
        return None
    try:
        return parse_time(value, zone, name)
    except EventError as exc:
        raise RecordError(str(exc)) from None


def _strings(raw: dict, name: str) -> list[str]:
    value = raw.get(name) or []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise RecordError(f"字段 {name} 应为字符串列表")
    return value


def parse_account(raw: dict, zone: ZoneInfo) -> dict[str, Any]:
    account_type = raw.get("account_type", "personal") or "personal"
    if account_type not in ACCOUNT_TYPES:
        raise RecordError(f"未知账号类型 {account_type!r}（可用：{', '.join(ACCOUNT_TYPES)}）")
    interests = raw.get("fan_interests") or {}
    if not isinstance(interests, dict):
        raise RecordError("字段 fan_interests 应为 {兴趣: 占比} 对象")
    for key, share in interests.items():
        if isinstance(share, bool) or not isinstance(share, (int, float)) or not 0 <= share <= 1:
            raise RecordError(f"粉丝兴趣 {key!r} 的占比应在 0 到 1 之间")
    return {
        "id": _id(raw, "id"),
        "nickname": _text(raw, "nickname", 200),
        "account_type": account_type,
        "followers": _count(raw, "followers"),
        "categories": _strings(raw, "categories"),
        "credentials": _strings(raw, "credentials"),
        "fan_interests": {str(k): float(v) for k, v in interests.items()},
        "has_shop": bool(raw.get("has_shop", False)),
        "teen_audience": bool(raw.get("teen_audience", False)),
        "created_at": _time(raw, "created_at", zone),
    }


def parse_note(raw: dict, zone: ZoneInfo) -> dict[str, Any]:
    note_type = raw.get("note_type", "normal") or "normal"
    if note_type not in NOTE_TYPES:
        raise RecordError(f"未知笔记类型 {note_type!r}（可用：normal, video）")
    video_seconds = raw.get("video_seconds")
    if video_seconds is not None:
        if isinstance(video_seconds, bool) or not isinstance(video_seconds, (int, float)) or not 0 < video_seconds <= 86_400:
            raise RecordError("字段 video_seconds 应为 0 到 86400 之间的秒数")
    return {
        "id": _id(raw, "id"),
        "account_id": _id(raw, "account_id"),
        "title": _text(raw, "title", 1_000),
        "body": _text(raw, "body", 200_000),
        "category": _text(raw, "category", 64),
        "note_type": note_type,
        "video_seconds": float(video_seconds) if video_seconds is not None else None,
        "dynamic_cover": bool(raw.get("dynamic_cover", False)),
        "disclosed": bool(raw.get("disclosed", False)),
        "brand_account_id": _id(raw, "brand_account_id", required=False),
        "published_at": _time(raw, "published_at", zone, required=True),
        "liked_count": _count(raw, "liked_count"),
        "collected_count": _count(raw, "collected_count"),
        "comment_count": _count(raw, "comment_count"),
        "share_count": _count(raw, "share_count"),
    }


def parse_comment(raw: dict, zone: ZoneInfo) -> dict[str, Any]:
    return {
        "id": _id(raw, "id"),
        "note_id": _id(raw, "note_id"),
        "account_id": _id(raw, "account_id", required=False),
        "parent_id": _id(raw, "parent_id", required=False),
        "content": _text(raw, "content", 20_000),
        "created_at": _time(raw, "created_at", zone),
        "like_count": _count(raw, "like_count"),
    }


@dataclass
class LoadReport:
    kind: str
    read: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    ids: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "read": self.read, "inserted": self.inserted, "updated": self.updated, "unchanged": self.unchanged}


def _read_all(path: Path, parse: Callable[[dict, ZoneInfo], dict], zone: ZoneInfo) -> list[dict[str, Any]]:
    records: list[dict[str, Any]] = []
    errors: list[str] = []
    seen: set[str] = set()
    with open_binary(path) as stream:
        for line in iter_json_lines(stream):
            if line.value is None:
                errors.append(f"第 {line.number} 行：{line.error}")
                continue
            try:
                record = parse(line.value, zone)
            except RecordError as exc:
                errors.append(f"第 {line.number} 行：{exc}")
                continue
            if record["id"] in seen:
                errors.append(f"第 {line.number} 行：id {record['id']} 在文件中重复")
                continue
            seen.add(record["id"])
            records.append(record)
    if errors:
        shown = "；".join(errors[:5])
        more = f"（另有 {len(errors) - 5} 处）" if len(errors) > 5 else ""
        raise InputError(f"{path} 有 {len(errors)} 条记录无效，未写入任何内容：{shown}{more}")
    return records


def _same(row: Any, record: dict[str, Any]) -> bool:
    for key, value in record.items():
        current = getattr(row, key)
        if isinstance(current, datetime) and isinstance(value, datetime):
            if current.tzinfo is None:
                current = current.replace(tzinfo=timezone.utc)
            if current != value:
                return False
        elif current != value:
            return False
    return True


def _upsert(database: Database, model: type, records: list[dict[str, Any]], report: LoadReport, check_refs: Callable[[Any, list[dict]], None] | None = None, source: str = "api") -> LoadReport:
    with database.session() as session:
        if check_refs:
            check_refs(session, records)
        ids = [r["id"] for r in records]
        existing = {}
        for start in range(0, len(ids), 1000):
            for row in session.scalars(select(model).where(model.id.in_(ids[start:start + 1000]))):
                existing[row.id] = row
        for record in records:
            row = existing.get(record["id"])
            if row is None:
                session.add(model(**record, source=source))
                report.inserted += 1
                report.ids.append(record["id"])
            elif _same(row, record):
                report.unchanged += 1
            else:
                for key, value in record.items():
                    setattr(row, key, value)
                report.updated += 1
                report.ids.append(record["id"])
    return report


def _missing(session: Any, model: type, ids: set[str]) -> set[str]:
    found: set[str] = set()
    listed = sorted(ids)
    for start in range(0, len(listed), 1000):
        found.update(session.scalars(select(model.id).where(model.id.in_(listed[start:start + 1000]))))
    return ids - found


def load_accounts_file(database: Database, path: Path, policy: Policy, source: str = "api") -> LoadReport:
    zone = ZoneInfo(policy.signals.timezone)
    records = _read_all(Path(path), parse_account, zone)
    return _upsert(database, Account, records, LoadReport("accounts", read=len(records)), source=source)


def load_notes_file(database: Database, path: Path, policy: Policy, source: str = "api") -> LoadReport:
    zone = ZoneInfo(policy.signals.timezone)
    records = _read_all(Path(path), parse_note, zone)

    def check_refs(session: Any, rows: list[dict]) -> None:
        missing = _missing(session, Account, {r["account_id"] for r in rows})
        if missing:
            raise InputError(f"{path} 引用了未知账号：{', '.join(sorted(missing)[:5])}；请先导入账号，未写入任何笔记")

    return _upsert(database, Note, records, LoadReport("notes", read=len(records)), check_refs, source=source)


def load_comments_file(database: Database, path: Path, policy: Policy, source: str = "api") -> LoadReport:
    zone = ZoneInfo(policy.signals.timezone)
    records = _read_all(Path(path), parse_comment, zone)

    def check_refs(session: Any, rows: list[dict]) -> None:
        missing = _missing(session, Note, {r["note_id"] for r in rows})
        if missing:
            raise InputError(f"{path} 引用了未知笔记：{', '.join(sorted(missing)[:5])}；请先导入笔记，未写入任何评论")

    return _upsert(database, Comment, records, LoadReport("comments", read=len(records)), check_refs, source=source)
