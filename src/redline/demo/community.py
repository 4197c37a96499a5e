"""Generate a realistic community: creators of several categories and sizes, and what happens
to their notes day by day.

Kinds of creators (each a share of the accounts):
- healthy: engaged fans, good completion, real reviews and sourced science notes;
- zombie: most fans never log in (bought or dead followers), weak interaction;
- buyer: buys likes — bursts of likes from days-old accounts within minutes — and posts an
  unreported soft ad;
- imbalanced: ten thousand fans or more but fewer than 200 likes per note;
- reported: the latest note sends readers to WeChat, collects five or more valid reports within
  hours and negative comments.

Events follow a day/night rhythm (quiet at 2–6 h, peaks at noon and in the evening) in the
policy's time zone. Everything is drawn from one seed, so the same arguments give the same
files, ids included (re-ingesting them adds nothing).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np

from redline.demo import commerce, texts

CATEGORIES = tuple(texts.TITLES)
KINDS = ("healthy", "zombie", "buyer", "imbalanced", "reported")
KIND_SHARES = (0.5, 0.15, 0.15, 0.1, 0.1)
KIND_NAMES = {"healthy": "健康", "zombie": "僵尸粉", "buyer": "刷赞", "imbalanced": "互动失衡", "reported": "被举报"}
KIND_NAMES.update(commerce.KIND_NAMES)  # merchants, 耗电一体 and teen-audience accounts
# Hour-of-day weights (local time): quiet at night, peaks at lunch and in the evening.
HOUR_WEIGHTS = np.array([3, 2, 1, 1, 1, 1, 2, 4, 6, 6, 6, 7, 9, 8, 6, 6, 6, 7, 8, 10, 12, 12, 9, 5], dtype=float)
HOUR_WEIGHTS /= HOUR_WEIGHTS.sum()
HOUR_CUMULATIVE = np.minimum(np.cumsum(HOUR_WEIGHTS)[:-1], 1.0)
REPORT_REASONS = ("导流", "虚假宣传", "广告")


@dataclass
class Profile:
    ctr: float
    interaction: float
    completion: float
    dwell_factor: float
    fan_active: float
    match: float


PROFILES = {
    "healthy": Profile(ctr=0.28, interaction=0.06, completion=0.62, dwell_factor=1.4, fan_active=0.5, match=0.85),
    "zombie": Profile(ctr=0.14, interaction=0.022, completion=0.38, dwell_factor=0.9, fan_active=0.06, match=0.35),
    "buyer": Profile(ctr=0.16, interaction=0.025, completion=0.25, dwell_factor=0.7, fan_active=0.25, match=0.5),
    "imbalanced": Profile(ctr=0.1, interaction=0.012, completion=0.3, dwell_factor=0.8, fan_active=0.2, match=0.4),
    "reported": Profile(ctr=0.2, interaction=0.03, completion=0.45, dwell_factor=1.0, fan_active=0.3, match=0.6),
}


@dataclass
class Community:
    first_day: date
    last_day: date
    accounts: list[dict[str, Any]] = field(default_factory=list)
    notes: list[dict[str, Any]] = field(default_factory=list)
    comments: list[dict[str, Any]] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)
    kinds: dict[str, str] = field(default_factory=dict)  # account id -> kind
    products: list[dict[str, Any]] = field(default_factory=list)  # see redline.demo.commerce
    product_links: list[dict[str, Any]] = field(default_factory=list)


class _Builder:
    """Draws events column by column (epoch seconds), vectorised per note and day."""

    COLUMNS = ("type", "ts", "user_id", "note_id", "account_id", "seconds", "duration", "amount", "reason", "user_created_at")

    def __init__(self, seed: int, zone: ZoneInfo):
        self.rng = np.random.default_rng(seed)
        self.zone = zone
        self.seed = seed
        self.columns: dict[str, list] = {name: [] for name in self.COLUMNS}

    def midnight(self, day: date) -> int:
        return int(datetime.combine(day, time(0), self.zone).timestamp())

    def moments(self, day: date, count: int) -> np.ndarray:
        """`count` epoch seconds on local `day`, drawn with the day/night rhythm."""
        if count <= 0:
            return np.empty(0, dtype=np.int64)
        hours = np.searchsorted(HOUR_CUMULATIVE, self.rng.random(count), side="right")
        return self.midnight(day) + hours * 3600 + self.rng.integers(0, 3600, size=count)

    def add(self, kind: str, ts, users, note_id=None, account_id=None, seconds=None, duration=None, amount=None, reason=None, user_created_at=None) -> None:
        ts = np.atleast_1d(np.asarray(ts, dtype=np.int64))
        n = len(ts)
        if n == 0:
            return
        c = self.columns

        def spread(value):
            if value is None or np.isscalar(value) or isinstance(value, str):
                return [value] * n
            return list(value)

        c["type"].extend([kind] * n)
        c["ts"].extend(ts.tolist())
        c["user_id"].extend(spread(users))
        c["note_id"].extend(spread(note_id))
        c["account_id"].extend(spread(account_id))
        c["seconds"].extend(spread(seconds))
        c["duration"].extend(spread(duration))
        c["amount"].extend(spread(amount))
        c["reason"].extend(spread(reason))
        c["user_created_at"].extend(spread(user_created_at))

    def records(self) -> list[dict[str, Any]]:
        """The events in time order as JSON-ready mappings (ISO 8601 UTC times, stable ids)."""
        c = self.columns
        order = np.argsort(np.asarray(c["ts"], dtype=np.int64), kind="stable")
        iso = np.datetime_as_string(np.asarray(c["ts"], dtype="datetime64[s]")[order], unit="s", timezone="UTC").tolist()
        created_raw = [c["user_created_at"][i] for i in order.tolist()]
        created_known = [v for v in created_raw if v is not None]
        created_iso = iter(np.datetime_as_string(np.asarray(created_known, dtype="datetime64[s]"), unit="s", timezone="UTC").tolist())
        created = [None if v is None else next(created_iso) for v in created_raw]
        optional = ("note_id", "account_id", "seconds", "duration", "amount", "reason")
        ordered = {name: [c[name][i] for i in order.tolist()] for name in ("type", "user_id", *optional)}
        out = []
        for number, row in enumerate(zip(ordered["type"], iso, ordered["user_id"], *(ordered[name] for name in optional), created), 1):
            record = {"id": f"demo{self.seed}-{number:08d}", "type": row[0], "ts": row[1], "user_id": row[2]}
            for name, value in zip(optional, row[3:9]):
                if value is not None:
                    record[name] = value
            if row[9] is not None:
                record["user_created_at"] = row[9]
            out.append(record)
        return out


def _kinds(n: int) -> list[str]:
    counts = [max(1, round(n * share)) for share in KIND_SHARES]
    counts[0] = max(1, n - sum(counts[1:])) if n >= len(KINDS) else n
    kinds = [kind for kind, c in zip(KINDS, counts) for _ in range(c)][:n] if n >= len(KINDS) else list(KINDS[:n])
    return kinds


def generate_community(accounts: int = 40, days: int = 14, seed: int = 7, last_day: date | None = None, timezone_name: str = "Asia/Shanghai",
                       merchants: int | None = None) -> Community:
    """`merchants` per category (None: `commerce.merchants_per_category(accounts)`) come on top of
    the `accounts` creators, with their products, product notes and orders."""
    if accounts < 1 or days < 1:
        raise ValueError("accounts and days must be positive")
    zone = ZoneInfo(timezone_name)
    last_day = last_day or (datetime.now(zone).date() - timedelta(days=1))
    first_day = last_day - timedelta(days=days - 1)
    b = _Builder(seed, zone)
    rng = b.rng
    community = Community(first_day, last_day)
    kinds = _kinds(accounts)
    rng.shuffle(kinds)
    fan_counter = 0
    note_counter = 0
    comment_counter = 0
    old_user_created = b.midnight(first_day - timedelta(days=400))
    for index, kind in enumerate(kinds):
        account_id = f"acct{index + 1:04d}"
        profile = PROFILES[kind]
        category = CATEGORIES[index % len(CATEGORIES)]
        # Simulated audiences are small; only the imbalanced creators have the 10k+ fans whose
        # notes the interaction-imbalance check looks at.
        if kind == "imbalanced":
            followers = int(rng.integers(12_000, 60_000))
        else:
            followers = int(np.clip(rng.lognormal(7.6, 1.0), 300, 9_500))
        others = [c for c in CATEGORIES if c != category]
        rest = 1.0 - profile.match
        interests = {category: round(profile.match, 2), others[index % len(others)]: round(rest * 0.6, 2), others[(index + 1) % len(others)]: round(rest * 0.4, 2)}
        community.accounts.append(
            {
                "id": account_id,
                "nickname": f"{category}{KIND_NAMES[kind]}博主{index + 1}",
                "account_type": "professional" if followers >= 10_000 else "personal",
                "followers": followers,
                "categories": [category],
                "credentials": [],
                "fan_interests": interests,
                "created_at": datetime.combine(first_day - timedelta(days=int(rng.integers(200, 900))), time(10), zone).astimezone(timezone.utc).isoformat(),
            }
        )
        community.kinds[account_id] = kind

        # Simulated fans: a sample of the followers; they follow before the window and log in
        # (or hardly ever) day by day.
        n_fans = int(min(max(followers // 40, 30), 100))
        fans = [f"fan{fan_counter + k + 1:06d}" for k in range(n_fans)]
        fan_counter += n_fans
        b.add("follow", b.moments(first_day - timedelta(days=30), n_fans), fans, account_id=account_id, user_created_at=old_user_created)
        active = rng.random(n_fans) < profile.fan_active
        chance = np.where(active, 0.45, 0.02)
        fans_array = np.asarray(fans, dtype=object)
        for day_offset in range(-28, days):
            who = fans_array[rng.random(n_fans) < chance]
            b.add("login", b.moments(first_day + timedelta(days=day_offset), len(who)), who.tolist())

        # Notes: one every few days, at least two.
        note_days = sorted({int(d) for d in rng.integers(0, days, size=max(2, days // 3))} | {0})
        for position, offset in enumerate(note_days):
            note_counter += 1
            note_id = f"note{note_counter:05d}"
            published = int(b.moments(first_day + timedelta(days=offset), 1)[0])
            title = texts.TITLES[category][position % len(texts.TITLES[category])]
            body, disclosed = _body(kind, category, position, len(note_days), title, rng)
            video = rng.random() < 0.4
            seconds = None
            if video:
                seconds = float(rng.integers(15, 31)) if rng.random() < 0.6 else float(rng.integers(120, 301))
            community.notes.append(
                {
                    "id": note_id,
                    "account_id": account_id,
                    "title": title,
                    "body": body,
                    "category": category,
                    "note_type": "video" if video else "normal",
                    "video_seconds": seconds,
                    "dynamic_cover": bool(video and rng.random() < 0.3),
                    "disclosed": disclosed,
                    "published_at": datetime.fromtimestamp(published, timezone.utc).isoformat(),
                }
            )
            latest = position == len(note_days) - 1
            comment_counter = _note_life(b, community, kind, profile, note_id, account_id, category, published, seconds, fans_array, last_day, comment_counter, latest)
    commerce.add_commerce(b, community, commerce.merchants_per_category(accounts) if merchants is None else merchants)
    community.events = b.records()
    return community


def _body(kind: str, category: str, position: int, count: int, title: str, rng: np.random.Generator) -> tuple[str, bool]:
    days = int(rng.integers(3, 30))
    if category == "科普":
        template = texts.SCIENCE_WITH_SOURCE if (kind == "healthy" or position % 2 == 0) else texts.SCIENCE_NO_SOURCE
        return template.format(topic=title), False
    if kind == "buyer" and position == count - 1:
        return texts.SOFT_AD_BODY.format(topic=title), False
    if kind == "reported" and position == count - 1:
        return texts.DIVERSION_BODY.format(topic=title), False
    if category == "美妆":
        return texts.REVIEW_BODY.format(days=days), False
    return texts.PLAIN_BODY.format(topic=title, days=days), False


def _note_life(b: _Builder, community: Community, kind: str, profile: Profile, note_id: str, account_id: str, category: str,
               published: int, video_seconds: float | None, fans: np.ndarray, last_day: date, comment_counter: int, latest: bool) -> int:
    rng = b.rng
    publish_day = datetime.fromtimestamp(published, b.zone).date()
    base = 60 if kind != "imbalanced" else 45
    for age in range((last_day - publish_day).days + 1):
        day = publish_day + timedelta(days=age)
        n = int(rng.poisson(base * (0.75 ** age) + 4))
        ts = b.moments(day, n)
        ts = np.where(ts < published, published + (published - ts) // 10 + 1, ts)
        from_fans = rng.random(n) < 0.3
        viewers = np.where(from_fans, fans[rng.integers(len(fans), size=n)], np.asarray([f"viewer-{note_id}-{age}-{j}" for j in range(n)], dtype=object))
        b.add("impression", ts, viewers.tolist(), note_id=note_id)
        reads = rng.random(n) < profile.ctr
        r_ts, r_users = ts[reads] + rng.integers(1, 30, size=reads.sum()), viewers[reads]
        m = len(r_ts)
        b.add("read", r_ts, r_users.tolist(), note_id=note_id)
        if video_seconds:
            complete = rng.random(m) < profile.completion
            watched = np.where(complete, video_seconds, rng.uniform(1, video_seconds * 0.9, size=m)).round(1)
            b.add("watch", r_ts + 1, r_users.tolist(), note_id=note_id, seconds=watched.tolist(), duration=video_seconds)
        else:
            baseline = 45.0 if category == "美妆" else 35.0
            dwell = np.minimum(rng.gamma(4.0, baseline * profile.dwell_factor / 4.0, size=m), 1800.0).round(1)
            b.add("dwell", r_ts + 2, r_users.tolist(), note_id=note_id, seconds=dwell.tolist())
        for kind_of, share in (("like", 0.55), ("save", 0.3), ("comment", 0.15)):
            hit = rng.random(m) < profile.interaction * share
            at = r_ts[hit] + rng.integers(5, 120, size=hit.sum())
            users = r_users[hit].tolist()
            b.add(kind_of, at, users, note_id=note_id)
            if kind_of == "comment":
                for user, moment in zip(users, at.tolist()):
                    comment_counter += 1
                    community.comments.append(_comment(rng, kind, note_id, user, moment, comment_counter))
        for kind_of, chance, delay in (("share", 0.01, 30), ("order", 0.005, 60), ("follow", 0.004, 40)):
            hit = rng.random(m) < chance
            if kind_of == "order":
                b.add("order", r_ts[hit] + delay, r_users[hit].tolist(), note_id=note_id, amount=rng.integers(20, 300, size=hit.sum()).astype(float).tolist())
            elif kind_of == "follow":
                b.add("follow", r_ts[hit] + delay, r_users[hit].tolist(), account_id=account_id)
            else:
                b.add(kind_of, r_ts[hit] + delay, r_users[hit].tolist(), note_id=note_id)
        # Bought likes and follows: dozens within half an hour at 3 a.m. from days-old accounts.
        if kind == "buyer" and age == min(1, (last_day - publish_day).days):
            start = b.midnight(day) + 3 * 3600 + 600
            k = int(rng.integers(80, 160))
            at = start + rng.integers(0, 1800, size=k)
            b.add("like", at, [f"bot-{note_id}-{i}" for i in range(k)], note_id=note_id, user_created_at=(at - 2 * 86400).tolist())
            k = int(rng.integers(60, 90))
            at = start + rng.integers(0, 1800, size=k)
            b.add("follow", at, [f"botf-{note_id}-{i}" for i in range(k)], account_id=account_id, user_created_at=(at - 86400).tolist())
        # Reports: six valid reports within three hours of publication, and angry comments.
        if kind == "reported" and latest and age == 0:
            at = published + 1200 + 1500 * np.arange(6)
            b.add("report", at, [f"reporter-{note_id}-{i}" for i in range(6)], note_id=note_id, reason=[REPORT_REASONS[i % 3] for i in range(6)])
            for i in range(5):
                comment_counter += 1
                moment = published + 1800 + 600 * i
                community.comments.append(
                    {"id": f"c{comment_counter:07d}", "note_id": note_id, "account_id": f"angry-{i}",
                     "content": texts.NEGATIVE_COMMENTS[i % len(texts.NEGATIVE_COMMENTS)], "created_at": datetime.fromtimestamp(moment, timezone.utc).isoformat()}
                )
                b.add("comment", moment, f"angry-{i}", note_id=note_id)
    return comment_counter


def _comment(rng: np.random.Generator, kind: str, note_id: str, user: str, at: int, number: int) -> dict[str, Any]:
    draw = rng.random()
    if kind == "reported" and draw < 0.4:
        pool = texts.NEGATIVE_COMMENTS
    elif draw < 0.35:
        pool = texts.QUESTION_COMMENTS
    else:
        pool = texts.POSITIVE_COMMENTS
    return {"id": f"c{number:07d}", "note_id": note_id, "account_id": user, "content": pool[int(rng.integers(len(pool)))],
            "created_at": datetime.fromtimestamp(at, timezone.utc).isoformat()}


def _write_jsonl(path: Path, rows: list[dict[str, Any]]) -> None:
    with open(path, "w", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(row, ensure_ascii=False))
            handle.write("\n")


def write_community(community: Community, out: Path) -> dict[str, Path]:
    """Write accounts/notes/comments/events as JSON Lines files in `out`."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    paths = {name: out / f"{name}.jsonl" for name in ("accounts", "notes", "comments", "events")}
    _write_jsonl(paths["accounts"], community.accounts)
    _write_jsonl(paths["notes"], community.notes)
    _write_jsonl(paths["comments"], community.comments)
    _write_jsonl(paths["events"], community.events)
    for name in ("products", "product_links"):  # only communities with merchants have these
        if getattr(community, name):
            paths[name] = out / f"{name}.jsonl"
            _write_jsonl(paths[name], getattr(community, name))
    return paths
