"""Helpers shared by the ledger, sanctions, appeal and review commands."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from redline.errors import InputError
from redline.ledger.entries import as_utc

FORMATS = ("text", "json")


def parse_time(value: str | None, option: str = "--at") -> datetime | None:
    """ISO 8601 date or date-time; without a zone it is taken as UTC."""
    if value is None:
        return None
    try:
        return as_utc(datetime.fromisoformat(value.strip()))
    except ValueError as exc:
        raise InputError(f"{option} 的时间格式不对：`{value}`（应为 ISO 8601，如 2026-05-01 或 2026-05-01T08:30:00+08:00）") from exc


# A mistyped year on an append-only ledger could never be taken back (later entries may not be
# older than it), so writes from the command line refuse times in the future beyond this slack.
FUTURE_SLACK = timedelta(minutes=5)


def parse_write_time(value: str | None, option: str = "--at") -> datetime | None:
    """Like `parse_time`, for times that will be written: not in the future."""
    moment = parse_time(value, option)
    if moment is not None and moment > datetime.now(UTC) + FUTURE_SLACK:
        raise InputError(f"{option} 的时间 {moment.isoformat()} 晚于当前时间；台账只记录已经发生的事")
    return moment


def check_format(value: str) -> str:
    if value not in FORMATS:
        raise InputError(f"--format 只能是 text 或 json，收到 `{value}`")
    return value


def short_time(moment: datetime | str | None) -> str:
    if moment is None:
        return "—"
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    return moment.strftime("%Y-%m-%d %H:%M")
