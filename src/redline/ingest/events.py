"""Read engagement events from JSON Lines or CSV files into the event lake.

Each line is validated on its own: a bad one is rejected with its line number and reason, the
others are accepted (or, with `strict=True`, one bad line rejects the whole file and nothing is
written). Accepted events are written in batches; each batch is atomic in the lake, and event ids
the lake already holds are skipped, so re-ingesting a file adds nothing.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from redline.errors import InputError
from redline.events.schema import EventBatch, EventError, parse_event
from redline.io.jsonl import iter_json_lines, open_binary
from redline.policy import Policy
from redline.store.lake import EventLake

BATCH_ROWS = 250_000
MAX_REJECTS_KEPT = 1_000


@dataclass
class IngestReport:
    read: int = 0
    written: int = 0
    duplicates: int = 0
    rejected: int = 0
    rejects: list[tuple[int, str]] = field(default_factory=list)  # (line, reason), first ones
    days: set = field(default_factory=set)

    def reject(self, line: int, reason: str) -> None:
        self.rejected += 1
        if len(self.rejects) < MAX_REJECTS_KEPT:
            self.rejects.append((line, reason))

    def to_dict(self) -> dict[str, Any]:
        return {
            "read": self.read,
            "written": self.written,
            "duplicates": self.duplicates,
            "rejected": self.rejected,
            "rejects": [{"line": line, "reason": reason} for line, reason in self.rejects],
            "days": sorted(day.isoformat() for day in self.days),
        }


def _csv_rows(path: Path) -> Iterator[tuple[int, dict[str, Any] | None, str]]:
    with open_binary(path) as stream:
        raw = stream.read()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"{path} 不是 UTF-8 编码（第 {exc.start} 字节）") from exc
    reader = csv.DictReader(io.StringIO(text, newline=""))
    if not reader.fieldnames:
        return
    try:
        for row in reader:
            line = reader.line_num
            if None in row:
                yield line, None, "列数多于表头"
                continue
            yield line, {key: value for key, value in row.items() if value not in (None, "")}, ""
    except csv.Error as exc:
        raise InputError(f"{path} 不是有效的 CSV：{exc}") from exc


def _json_rows(path: Path) -> Iterator[tuple[int, dict[str, Any] | None, str]]:
    with open_binary(path) as stream:
        for line in iter_json_lines(stream):
            yield line.number, line.value, line.error


def iter_raw_events(path: Path) -> Iterator[tuple[int, dict[str, Any] | None, str]]:
    """(line number, raw mapping or None, reason when None) for every record of the file."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return _csv_rows(path)
    if suffix in (".jsonl", ".ndjson", ".json", ".txt"):
        return _json_rows(path)
    raise InputError(f"不支持的事件文件格式 {path.suffix or '（无扩展名）'}：请使用 .jsonl 或 .csv")


def ingest_event_file(path: Path, lake: EventLake, policy: Policy, strict: bool = False) -> IngestReport:
    path = Path(path)
    if not path.exists():
        raise InputError(f"找不到文件：{path}")
    zone = ZoneInfo(policy.signals.timezone)
    report = IngestReport()
    batch = EventBatch()
    pending: list[EventBatch] = []
    for line, raw, error in iter_raw_events(path):
        report.read += 1
        if raw is None:
            report.reject(line, error)
            continue
        try:
            event = parse_event(raw, zone)
        except EventError as exc:
            report.reject(line, str(exc))
            continue
        batch.add(event, event.day(zone))
        if len(batch) >= BATCH_ROWS:
            if strict:
                pending.append(batch)
            else:
                _flush(batch, lake, report)
            batch = EventBatch()
    if strict and report.rejected:
        first_line, first_reason = report.rejects[0]
        raise InputError(f"{path} 有 {report.rejected} 条事件无效（第一条：第 {first_line} 行，{first_reason}）；严格模式下未写入任何事件")
    for earlier in pending:
        _flush(earlier, lake, report)
    _flush(batch, lake, report)
    return report


def _flush(batch: EventBatch, lake: EventLake, report: IngestReport) -> None:
    if not len(batch):
        return
    result = lake.write(batch.to_table(), batch.days)
    report.written += result.written
    report.duplicates += result.duplicates
    report.days.update(batch.days)
