"""Build small worlds (notes, accounts, events) and run the real signal expressions and scoring
on them, so indicator tests exercise the same code as the daily job."""

from __future__ import annotations


from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pyarrow as pa

from redline.events.schema import EVENT_SCHEMA
from redline.pipeline.scoring import score_day
from redline.pipeline.signals import compute_signals, events_side, store_side
from redline.signals.expressions import Window
from redline.store.health import COMMENT_TYPES, INTEREST_TYPES, NOTE_TYPES, account_details
from redline.store.note_keys import NoteKeys

DAY = date(2026, 11, 20)
ZONE = ZoneInfo("Asia/Shanghai")


def at(hour: int = 12, minute: int = 0, second: int = 0, day: date = DAY) -> datetime:
    return datetime.combine(day, time(hour, minute, second), ZONE).astimezone(timezone.utc)


@dataclass
class World:
    notes: list[dict] = field(default_factory=list)
    accounts: list[dict] = field(default_factory=list)
    events: list[dict] = field(default_factory=list)
    comments: list[dict] = field(default_factory=list)
    interests: list[dict] = field(default_factory=list)
    counter: int = 0

    def account(self, account_id: str = "a1", followers: int | None = 1000, interests: dict | None = None) -> None:
        self.accounts.append({"account_id": account_id, "followers": followers})
        for interest, share in (interests or {}).items():
            self.interests.append({"account_id": account_id, "interest": interest, "share": share})

    def note(self, note_id: str = "n1", account_id: str = "a1", category: str = "美妆", video_seconds: float | None = None,
             liked_count: int | None = None, text: dict | None = None, published: datetime | None = None, brand: str | None = None) -> None:
        row = {name: None for name in NOTE_TYPES}
        row.update(note_id=note_id, account_id=account_id, category=category, note_type="video" if video_seconds else "normal",
                   video_seconds=video_seconds, published_epoch=int((published or at(8, day=DAY - timedelta(days=1))).timestamp()),
                   liked_count=liked_count, brand_account_id=brand, dynamic_cover=False, has_check=text is not None)
        if text is not None:
            row.update(text_chars=text.get("chars", 300), originality=text.get("originality"))
            for key in ("text_q2", "text_q3", "text_c1", "text_c2", "text_c3"):
                row[key] = float(text.get(key, 0.0))
        self.notes.append(row)

    def event(self, kind: str, user: str = "u", when: datetime | None = None, n: int = 1, **fields) -> None:
        for i in range(n):
            self.counter += 1
            row = {name: None for name in EVENT_SCHEMA.names}
            row.update(event_id=f"e{self.counter}", event_type=kind, ts=when or at(), user_id=f"{user}{i}" if n > 1 else user)
            if kind not in ("follow", "unfollow", "login"):
                row["note_id"] = "n1"
            row.update(fields)
            self.events.append(row)

    def comment(self, note_id: str = "n1", negative: bool = False, question: bool = False, n: int = 1) -> None:
        for _ in range(n):
            self.comments.append({"note_id": note_id, "negative": int(negative), "question": int(question)})

    def tables(self) -> dict[str, pa.Table]:
        return {
            "notes": pa.Table.from_pylist(self.notes, schema=pa.schema([(k, v) for k, v in NOTE_TYPES.items()])),
            "accounts": pa.Table.from_pylist(self.accounts, schema=pa.schema([("account_id", pa.string()), ("followers", pa.int64())])),
            "fan_interests": pa.Table.from_pylist(self.interests, schema=pa.schema([(k, v) for k, v in INTEREST_TYPES.items()])),
            "comments": pa.Table.from_pylist(self.comments, schema=pa.schema([(k, v) for k, v in COMMENT_TYPES.items()])),
            "events": pa.Table.from_pylist(self.events, schema=EVENT_SCHEMA),
        }


@dataclass
class Outcome:
    notes: dict[str, dict]
    accounts: dict[str, dict]
    note_metrics: pa.Table
    account_metrics: pa.Table


def run(world: World, policy, engine=None, day: date = DAY, deductions: dict | None = None) -> Outcome:
    from redline.signals.engines import DuckDBEngine

    engine = engine or DuckDBEngine()
    t = world.tables()
    window = Window.for_day(day, policy)
    events = engine.table(t["events"])
    inputs = {name: t[name] for name in ("notes", "accounts", "fan_interests", "comments")}
    keys = NoteKeys()  # in memory
    signals = compute_signals(engine, events_side(engine, events, window, policy, keys), store_side(inputs, keys), keys, window, policy)
    scores = score_day(signals, engine.name, window, policy, deductions or {}, datetime.now(timezone.utc))
    note_table, account_table = scores.note_table(), scores.account_results()
    account_rows = [{**row, "details": account_details(row)} for row in account_table.to_pylist()]
    return Outcome(
        notes={row["note_id"]: row for row in note_table.to_pylist()},
        accounts={row["account_id"]: row for row in account_rows},
        note_metrics=signals.note_metrics(),
        account_metrics=signals.accounts,
    )
