"""Read products and product attachments (挂车/撤车) from JSON Lines files into the store.

Products are validated and upserted by id like the other entities (a file with any bad record is
rejected whole). Attachment records — `{"note_id", "product_id" (null = detach), "at"}` — are
applied in time order through `store.product_links`, which keeps the note's pool history; a
record already in that history is skipped, so loading the same file twice changes nothing.
"""

from __future__ import annotations

import math
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from redline.errors import InputError, RedlineError
from redline.ingest.entities import LoadReport, RecordError, _id, _missing, _read_all, _same, _text, _time
from redline.io.jsonl import iter_json_lines, open_binary
from redline.policy import Policy
from redline.store.database import Database
from redline.store.entities import Account, Note, Product
from redline.store.product_links import attach_product, detach_product, product_history

MAX_PRICE = 10_000_000.0


def parse_product(raw: dict, zone: ZoneInfo) -> dict[str, Any]:
    price = raw.get("price")
    if price is None or isinstance(price, bool) or not isinstance(price, (int, float)) or not math.isfinite(price):
        raise RecordError("字段 price 应为数字（元）")
    if not 0 <= price <= MAX_PRICE:
        raise RecordError(f"字段 price 应在 0 到 {MAX_PRICE:,.0f} 元之间（收到 {price}）")
    return {
        "id": _id(raw, "id"),
        "account_id": _id(raw, "account_id"),
        "title": _text(raw, "title", 1_000),
        "description": _text(raw, "description", 20_000),
        "category": _text(raw, "category", 64),
        "price": float(price),
        "created_at": _time(raw, "created_at", zone),
    }


def load_products_file(database: Database, path: Path, policy: Policy) -> LoadReport:
    zone = ZoneInfo(policy.signals.timezone)
    records = _read_all(Path(path), parse_product, zone)

    def check_refs(session: Any, rows: list[dict]) -> None:
        missing = _missing(session, Account, {r["account_id"] for r in rows})
        if missing:
            raise InputError(f"{path} 引用了未知账号：{', '.join(sorted(missing)[:5])}；请先导入账号，未写入任何商品")

    report = LoadReport("products", read=len(records))
    with database.session() as session:
        check_refs(session, records)
        for record in records:
            row = session.get(Product, record["id"])
            if row is None:
                session.add(Product(**record))
                report.inserted += 1
            elif _same(row, record):
                report.unchanged += 1
                continue
            else:
                if row.account_id != record["account_id"]:
                    raise InputError(f"{path}：商品 {record['id']} 已属于账号 {row.account_id}，不能改到 {record['account_id']}；未写入任何商品")
                for key, value in record.items():
                    setattr(row, key, value)
                report.updated += 1
            report.ids.append(record["id"])
    return report


def _parse_link(raw: dict, zone: ZoneInfo) -> tuple[str, str | None, datetime]:
    return _id(raw, "note_id"), _id(raw, "product_id", required=False), _time(raw, "at", zone, required=True)  # type: ignore[return-value]


def _read_links(path: Path, zone: ZoneInfo) -> list[tuple[int, str, str | None, datetime]]:
    rows: list[tuple[int, str, str | None, datetime]] = []
    errors: list[str] = []
    with open_binary(path) as stream:
        for line in iter_json_lines(stream):
            if line.value is None:
                errors.append(f"第 {line.number} 行：{line.error}")
                continue
            try:
                rows.append((line.number, *_parse_link(line.value, zone)))
            except RecordError as exc:
                errors.append(f"第 {line.number} 行：{exc}")
    if errors:
        more = f"（另有 {len(errors) - 5} 处）" if len(errors) > 5 else ""
        raise InputError(f"{path} 有 {len(errors)} 条记录无效，未写入任何内容：{'；'.join(errors[:5])}{more}")
    return rows


def load_product_links_file(database: Database, path: Path, policy: Policy) -> LoadReport:
    """Apply attach/detach records; any bad record (unknown note or product, a time before the
    note's publication or its last recorded change) rejects the whole file."""
    zone = ZoneInfo(policy.signals.timezone)
    rows = _read_links(Path(path), zone)
    report = LoadReport("product_links", read=len(rows))
    with database.session() as session:
        missing_notes = _missing(session, Note, {r[1] for r in rows})
        missing_products = _missing(session, Product, {r[2] for r in rows if r[2]})
        if missing_notes or missing_products:
            parts = []
            if missing_notes:
                parts.append(f"未知笔记：{', '.join(sorted(missing_notes)[:5])}")
            if missing_products:
                parts.append(f"未知商品：{', '.join(sorted(missing_products)[:5])}")
            raise InputError(f"{path} 引用了{'；'.join(parts)}；请先导入笔记和商品，未写入任何挂车记录")
        for number, note_id, product_id, at in sorted(rows, key=lambda r: (r[3], r[0])):
            note = session.get(Note, note_id)
            if any(e.at == at and e.product_id == product_id for e in product_history(session, note)):
                report.unchanged += 1
                continue
            try:
                if product_id is None:
                    detach_product(session, note_id, at)
                else:
                    attach_product(session, note_id, product_id, at)
            except RedlineError as exc:  # the whole file is rolled back with the session
                raise InputError(f"{path} 第 {number} 行（笔记 {note_id}）：{exc}；未写入任何挂车记录") from exc
            session.flush()
            report.inserted += 1
            report.ids.append(note_id)
    return report

