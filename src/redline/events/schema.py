"""The engagement-event schema (SPEC R-SIG) and the validation of one raw event.

An event is one user action: seeing a note in a feed (impression), opening it (read), liking,
saving, commenting, sharing, following or unfollowing an account, reporting a note (with a
reason), watching a video (seconds watched of `duration`), staying on a note (dwell seconds),
ordering (amount), or logging in (for fan activity). Every event has an id; the lake keeps each
id once, so a batch sent twice counts once.

`parse_event` turns one raw mapping (a JSON line, a CSV row) into a typed row or a Chinese reason
it was rejected. `EventBatch` collects accepted rows column by column for the lake.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, datetime, timezone, tzinfo
from typing import Any

import pyarrow as pa

NOTE_EVENTS = frozenset({"impression", "read", "like", "save", "comment", "share", "report", "watch", "dwell", "order"})
ACCOUNT_EVENTS = frozenset({"follow", "unfollow"})
EVENT_TYPES: tuple[str, ...] = (
    "impression", "read", "like", "save", "comment", "share", "follow", "unfollow",
    "report", "watch", "dwell", "order", "login",
)
EVENT_TYPE_NAMES = {
    "impression": "曝光", "read": "阅读", "like": "点赞", "save": "收藏", "comment": "评论",
    "share": "分享", "follow": "关注", "unfollow": "取关", "report": "举报", "watch": "观看",
    "dwell": "停留", "order": "下单", "login": "登录",
}

MAX_ID_CHARS = 128
MAX_REASON_CHARS = 200
# Bounds that catch unit mistakes (milliseconds sent as seconds) rather than policy choices.
MAX_SECONDS = 86_400.0
MAX_AMOUNT = 10_000_000.0
_EPOCH_MS_FROM = 1e11  # an epoch number above this is milliseconds

EVENT_SCHEMA = pa.schema(
    [
        pa.field("event_id", pa.string(), nullable=False),
        pa.field("event_type", pa.string(), nullable=False),
        # UTC, stored without a zone: engines compare and bucket it without per-row conversion.
        pa.field("ts", pa.timestamp("us"), nullable=False),
        pa.field("user_id", pa.string(), nullable=False),
        pa.field("note_id", pa.string()),
        pa.field("account_id", pa.string()),
        pa.field("seconds", pa.float64()),
        pa.field("duration", pa.float64()),
        pa.field("amount", pa.float64()),
        pa.field("reason", pa.string()),
        pa.field("user_created_at", pa.timestamp("us")),
    ]
)


@dataclass(frozen=True, slots=True)
class ParsedEvent:
    event_id: str
    event_type: str
    ts: datetime
    user_id: str
    note_id: str | None
    account_id: str | None
    seconds: float | None
    duration: float | None
    amount: float | None
    reason: str | None
    user_created_at: datetime | None

    def day(self, zone: tzinfo) -> date:
        """The calendar day of the event in the policy's time zone (the lake partition)."""
        return self.ts.astimezone(zone).date()


class EventError(ValueError):
    """Why one raw event was rejected (Chinese)."""


def _text(raw: dict[str, Any], *names: str, required: bool = False, limit: int = MAX_ID_CHARS) -> str | None:
    for name in names:
        value = raw.get(name)
        if value is None or value == "":
            continue
        if type(value) is not str:
            if isinstance(value, bool) or not isinstance(value, (str, int)):
                raise EventError(f"字段 {name} 应为字符串")
            value = str(value)
        if value[0].isspace() or value[-1].isspace():
            value = value.strip()
            if not value:
                continue
        if len(value) > limit:
            raise EventError(f"字段 {name} 过长（{len(value)} 字符，上限 {limit}）")
        return value
    if required:
        raise EventError(f"缺少字段 {names[0]}")
    return None


def _number(raw: dict[str, Any], name: str, required: bool, upper: float) -> float | None:
    value = raw.get(name)
    if value is None or value == "":
        if required:
            raise EventError(f"缺少字段 {name}")
        return None
    if isinstance(value, bool):
        raise EventError(f"字段 {name} 应为数字")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise EventError(f"字段 {name} 不是数字：{str(value)[:40]!r}") from None
    if math.isnan(number) or math.isinf(number):
        raise EventError(f"字段 {name} 不是有限数字")
    if number < 0:
        raise EventError(f"字段 {name} 不能为负数（{number:g}）")
    if number > upper:
        raise EventError(f"字段 {name} 超出合理范围（{number:g} > {upper:g}）")
    return number


def parse_time(value: Any, zone: tzinfo, name: str = "ts") -> datetime:
    """ISO 8601 (a time without offset is read in the policy's zone) or epoch seconds/ms."""
    if isinstance(value, str):
        text = value.strip()
        try:
            moment = datetime.fromisoformat(text[:-1] + "+00:00" if text[-1:] in ("Z", "z") else text)
        except ValueError:
            try:
                value = float(text)
            except ValueError:
                raise EventError(f"字段 {name} 不是有效时间：{value[:40]!r}") from None
        else:
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=zone)
            return moment.astimezone(timezone.utc)
    if isinstance(value, bool) or value is None:
        raise EventError(f"缺少字段 {name}")
    if not isinstance(value, (int, float)):
        raise EventError(f"字段 {name} 应为 ISO 8601 时间或时间戳")
    number = float(value)
    if math.isnan(number) or math.isinf(number) or number < 0:
        raise EventError(f"字段 {name} 不是有效的时间戳")
    if number > _EPOCH_MS_FROM:
        number /= 1000.0
    try:
        return datetime.fromtimestamp(number, tz=timezone.utc)
    except (OverflowError, OSError, ValueError):
        raise EventError(f"字段 {name} 的时间戳超出范围") from None


def parse_event(raw: dict[str, Any], zone: tzinfo) -> ParsedEvent:
    """Validate one raw event; raises `EventError` with the reason in Chinese."""
    if not isinstance(raw, dict):
        raise EventError("事件应是一个 JSON 对象")
    event_id = _text(raw, "event_id", "id", required=True)
    event_type = _text(raw, "event_type", "type", required=True)
    assert event_id is not None and event_type is not None
    event_type = event_type.lower()
    if event_type not in EVENT_TYPES:
        raise EventError(f"未知事件类型 {event_type!r}（可用：{', '.join(EVENT_TYPES)}）")
    raw_ts = raw.get("ts")
    if raw_ts is None or raw_ts == "":
        raw_ts = raw.get("time")
    if raw_ts is None or raw_ts == "":
        raise EventError("缺少字段 ts")
    ts = parse_time(raw_ts, zone)
    user_id = _text(raw, "user_id", "user", required=True)
    note_id = _text(raw, "note_id", required=event_type in NOTE_EVENTS)
    account_id = _text(raw, "account_id", required=event_type in ACCOUNT_EVENTS)
    seconds = _number(raw, "seconds", event_type in ("watch", "dwell"), MAX_SECONDS)
    duration = _number(raw, "duration", event_type == "watch", MAX_SECONDS)
    if duration is not None and duration == 0 and event_type == "watch":
        raise EventError("观看事件的视频时长 duration 必须大于 0")
    amount = _number(raw, "amount", event_type == "order", MAX_AMOUNT)
    reason = _text(raw, "reason", required=event_type == "report", limit=MAX_REASON_CHARS)
    created_raw = raw.get("user_created_at")
    user_created_at = None if created_raw in (None, "") else parse_time(created_raw, zone, "user_created_at")
    if user_created_at is not None and user_created_at > ts:
        raise EventError("user_created_at 晚于事件时间")
    return ParsedEvent(event_id, event_type, ts, user_id, note_id, account_id, seconds, duration, amount, reason, user_created_at)


@dataclass
class EventBatch:
    """Accepted events, column by column, ready to become one Arrow table per day."""

    columns: dict[str, list] = field(default_factory=lambda: {name: [] for name in EVENT_SCHEMA.names})
    days: list[date] = field(default_factory=list)

    def add(self, event: ParsedEvent, day: date) -> None:
        columns = self.columns
        columns["event_id"].append(event.event_id)
        columns["event_type"].append(event.event_type)
        columns["ts"].append(event.ts)
        columns["user_id"].append(event.user_id)
        columns["note_id"].append(event.note_id)
        columns["account_id"].append(event.account_id)
        columns["seconds"].append(event.seconds)
        columns["duration"].append(event.duration)
        columns["amount"].append(event.amount)
        columns["reason"].append(event.reason)
        columns["user_created_at"].append(event.user_created_at)
        self.days.append(day)

    def __len__(self) -> int:
        return len(self.days)

    def to_table(self) -> pa.Table:
        return pa.table({name: pa.array(values, EVENT_SCHEMA.field(name).type) for name, values in self.columns.items()}, schema=EVENT_SCHEMA)
