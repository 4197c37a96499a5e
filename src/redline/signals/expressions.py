"""All behavioural metrics of SPEC R-SIG as Ibis expressions (one definition, any backend).

Inputs (`SignalTables`): the lake's events of the window, the follow/unfollow events of all
history (fans), each day's additive parts (`day_parts`: counts and bursts, which the daily job
keeps per lake day), and the store's notes, fans' interests and
comment labels. Outputs: one row per note and one row per account, with every number the
indicators read. A metric whose sample is too small (policy `signals.min_*`) is NULL = unknown,
never 0.

Per note: impressions, reads, likes, saves, comments, shares, orders, interaction rate
((likes + saves + comments) / reads), click-through (reads / impressions), video completion
(views watched to the end, by duration bucket), average dwell and its ratio to the category
baseline computed from the same data, valid reports (one per reporter, reasons from the policy)
in the worst 24 h window, share of engagement inside bursts from new or inactive users, negative
and discussion shares of the comments, and the share of the author's fans interested in the
note's category. Per account: fans from follow events, active fans (≥ 3 logins in 28 days), the
share of follows inside bursts (purchased followers), and average likes per recent note.

The lake keeps times as UTC without a zone attached (no per-row zone conversion); windows compare
them with UTC literals, and epoch seconds are computed only where arithmetic needs them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import ibis
import ibis.expr.types as ir

from redline.policy import Policy

DAY_SECONDS = 86_400
ENGAGEMENT_TYPES = ("like", "save", "comment")
# What `note_signals` returns for every note, beside the note's `row`.
NOTE_SIGNALS = (
    "has_events", "impressions", "reads", "likes", "saves", "comment_events", "shares", "orders", "order_amount",
    "watches", "likes_known", "interaction_rate", "ctr", "video_length", "completion_rate", "completion_short",
    "completion_long", "completion_other", "avg_dwell", "valid_reports", "reports_24h_max", "engagement",
    "suspicious_engagement", "burst_engagement", "bursts", "fake_engagement", "labelled_comments",
    "negative_comments", "discussion", "fan_match",
)
# What `dwell_baselines` adds to every note, by its category.
BASELINE_SIGNALS = ("category_dwell_notes", "category_dwell_mean")


@dataclass(frozen=True)
class Window:
    """The day computed and the epoch-second bounds derived from it and the policy."""

    day: date
    end: int  # first second after the day (local calendar day in the policy's zone)
    metrics_start: int
    fan_start: int
    inactive_start: int
    recent_start: int

    @classmethod
    def for_day(cls, day: date, policy: Policy) -> "Window":
        zone = ZoneInfo(policy.signals.timezone)
        end = int(datetime.combine(day + timedelta(days=1), time(0), zone).timestamp())
        s = policy.signals

        def back(days: int) -> int:
            return int(datetime.combine(day - timedelta(days=days - 1), time(0), zone).timestamp())

        return cls(day, end, back(s.metrics_window_days), back(s.fan_active_window_days), back(s.inactive_days), back(policy.index.recent_days))

    @property
    def first_day_needed(self) -> date:
        """The earliest lake day any windowed metric reads."""
        zone_days = (self.end - min(self.metrics_start, self.fan_start, self.inactive_start)) // DAY_SECONDS
        return self.day - timedelta(days=int(zone_days) - 1)


@dataclass(frozen=True)
class SignalTables:
    events: ir.Table  # lake events of the window (EVENT_SCHEMA columns)
    follows: ir.Table  # follow/unfollow events of all history up to the day
    notes: ir.Table  # row (the note's position in the caller's table), note_id, account_id, category, video_seconds, published_epoch, liked_count
    accounts: ir.Table  # account_id, followers
    fan_interests: ir.Table  # account_id, interest, share
    comments: ir.Table  # note_id, negative (int 0/1), question (int 0/1)
    users: ir.Table  # user_activity() as of the day computed (its fans' activity)
    note_parts: ir.Table  # day_parts() per note of the metrics window's days, stacked, no day column (pipeline/day_counts.py keeps them per lake day)
    account_parts: ir.Table  # day_parts() per account of the same days, stacked


def _count(table: ir.Table, condition: ir.BooleanValue) -> ir.IntegerScalar:
    """COUNT(*) FILTER (WHERE condition): much cheaper than summing a CASE per row."""
    return table.count(where=condition).cast("int64")


def _ratio(numerator: ir.NumericValue, denominator: ir.NumericValue, enough: ir.BooleanValue) -> ir.FloatingValue:
    return ibis.ifelse(enough & (denominator > 0), numerator.cast("float64") / denominator.cast("float64"), ibis.null("float64"))


def _moment(epoch: int) -> ir.TimestampScalar:
    """A UTC timestamp literal: comparing the column with it needs no per-row conversion (and
    lets the engine skip Parquet row groups), unlike converting every row to epoch seconds."""
    return ibis.literal(datetime.fromtimestamp(epoch, timezone.utc).replace(tzinfo=None), type="timestamp")


def user_activity(events: ir.Table, window: Window, among: ir.Table | None = None) -> ir.Table:
    """Per user who logged in (and is in `among`'s user_id, when given: the only users asked
    about): logins in the fan-activity window and in the inactivity window (both ending with the
    window's day). The account signals read it for the fans."""
    since = min(window.fan_start, window.inactive_start)
    logins = events.filter((events.event_type == "login") & (events.ts >= _moment(since)) & (events.ts < _moment(window.end)))
    if among is not None:
        logins = logins.filter(logins.user_id.isin(among.user_id))
    return logins.group_by("user_id").aggregate(
        fan_window_logins=_count(logins, logins.ts >= _moment(window.fan_start)),
        inactive_window_logins=_count(logins, logins.ts >= _moment(window.inactive_start)),
    )


def note_counts(events: ir.Table, policy: Policy) -> ir.Table:
    """Per note (and day, when `events` carry a `day` column), the additive counts of its
    events: sums over any split of the events add up to the counts of the whole, so a day's
    counts can be kept and added to the other days' (see `sum_parts`)."""
    s = policy.signals
    ne = events.filter(events.note_id.notnull())
    kind = ne.event_type
    watch = kind == "watch"
    timed = kind.isin(["dwell", "watch"])
    return ne.group_by(_keyed("note_id", ne)).aggregate(
        events=ne.count().cast("int64"),
        impressions=_count(ne, kind == "impression"),
        reads=_count(ne, kind == "read"),
        likes=_count(ne, kind == "like"),
        saves=_count(ne, kind == "save"),
        comment_events=_count(ne, kind == "comment"),
        shares=_count(ne, kind == "share"),
        orders=_count(ne, kind == "order"),
        order_amount=ne.amount.sum(where=kind == "order"),
        watches=_count(ne, watch),
        watches_completed=_count(ne, watch & (ne.seconds >= ne.duration * s.completion_min_fraction)),
        watch_duration_sum=ne.duration.sum(where=watch),
        timed_events=_count(ne, timed),
        timed_seconds=ne.seconds.sum(where=timed),
    )


def sum_parts(parts: ir.Table, key: str = "note_id") -> ir.Table:
    """Additive parts (`note_counts`, `day_parts` of several slices of the events, stacked)
    added up per `key`."""
    totals = {}
    for name in parts.columns:
        column = parts[name]
        if name == key:
            continue
        # Integer counts are summed as doubles (exact below 2^53): a 64-bit integer sum widens
        # to 128 bits in DuckDB, which costs more than the whole read of the kept files.
        totals[name] = column.cast("float64").sum().cast("int64") if column.type().is_integer() else column.sum()
    return parts.group_by(key).aggregate(**totals)


def _keyed(key: str, table: ir.Table) -> list[str]:
    """`key`, and the day when the rows carry one (parts of several days computed together)."""
    return [key, "day"] if "day" in table.columns else [key]


def local_day(ts: ir.TimestampValue, days: list[date], policy: Policy) -> ir.DateValue:
    """The calendar day (in the policy's zone) of each moment, among `days`; NULL outside them.
    Compared with each day's first moment, so it holds in any zone, summer time included."""
    starts = sorted((Window.for_day(day - timedelta(days=1), policy).end, day) for day in days)
    if not starts:
        return ibis.null("date")
    last_end = Window.for_day(starts[-1][1], policy).end
    branches = [(ts >= _moment(start), ibis.literal(day, type="date")) for start, day in reversed(starts)]
    return ibis.ifelse(ts < _moment(last_end), ibis.cases(*branches, else_=ibis.null("date")), ibis.null("date"))


def day_activity(acting: ir.Table, logins: ir.Table, policy: Policy) -> ir.Table:
    """For each user and day of `acting` (user_id, day: who liked, saved, commented or followed
    when): `inactive` when the lake has logins in the inactivity window ending that day (else
    inactivity cannot be judged) and the user has none. `logins`: login events with the `day`
    they fall on, from `inactive_days` before the first day on."""
    span = ibis.interval(days=policy.signals.inactive_days - 1)
    pairs = acting.select("user_id", "day").distinct()
    # Only the logins of the users asked about: most users who log in neither engage nor follow.
    asked = logins.filter(logins.user_id.isin(pairs.user_id))
    login_days = asked.select("user_id", login_day=asked.day).distinct()
    seen = pairs.join(
        login_days, (pairs.user_id == login_days.user_id) & (login_days.login_day <= pairs.day) & (login_days.login_day >= pairs.day - span)
    ).select(pairs.user_id, pairs.day).distinct().mutate(seen=ibis.literal(1))
    any_login = logins.select(login_day=logins.day).distinct()
    days = pairs.select("day").distinct()
    judged = days.join(any_login, (any_login.login_day <= days.day) & (any_login.login_day >= days.day - span)).select(days.day).distinct()
    judged = judged.mutate(judged=ibis.literal(1))
    marked = pairs.left_join(seen, (pairs.user_id == seen.user_id) & (pairs.day == seen.day)).select(pairs, seen.seen)
    marked = marked.left_join(judged, marked.day == judged.day).select(marked, judged.judged)
    return marked.select("user_id", "day", inactive=marked.judged.notnull() & marked.seen.isnull())


def _suspicious(table: ir.Table, activity: ir.Table, policy: Policy) -> ir.Table:
    """Mark each engagement by a user younger than `new_account_days` or inactive on its day
    (`day_activity`)."""
    s = policy.signals
    joined = table.left_join(activity, (table.user_id == activity.user_id) & (table.day == activity.day)).select(table, activity.inactive)
    epoch = joined.ts.epoch_seconds()
    created = joined.user_created_at.epoch_seconds()
    new_user = joined.user_created_at.notnull() & ((epoch - created) < s.new_account_days * DAY_SECONDS)
    suspicious = new_user | joined.inactive.fill_null(False)
    return joined.mutate(
        suspicious=ibis.ifelse(suspicious, 1, 0),
        bucket=(epoch // (s.burst_window_minutes * 60)).cast("int64"),
    )


def _bursts(marked: ir.Table, key: str, policy: Policy) -> ir.Table:
    """Per key and day: engagement, suspicious engagement and engagement inside bursts (a time
    bucket with ≥ burst_min_events of which ≥ burst_suspicious_share come from suspicious
    users). A bucket is counted within its day."""
    s = policy.signals
    keys = _keyed(key, marked)
    buckets = marked.group_by([*keys, "bucket"]).aggregate(n=marked.count(), s=marked.suspicious.sum().cast("int64"))
    is_burst = (buckets.n >= s.burst_min_events) & (buckets.s.cast("float64") >= buckets.n.cast("float64") * s.burst_suspicious_share)
    return buckets.group_by(keys).aggregate(
        engagement=buckets.n.sum().cast("int64"),
        suspicious_engagement=buckets.s.sum().cast("int64"),
        burst_engagement=ibis.ifelse(is_burst, buckets.n, 0).sum().cast("int64"),
        bursts=_count(buckets, is_burst),
    )


def _acting(events: ir.Table) -> ir.Table:
    """The events that can be bought: likes, saves and comments on notes, and follows."""
    return events.filter(
        (events.note_id.notnull() & events.event_type.isin(list(ENGAGEMENT_TYPES))) | (events.event_type == "follow")
    )


def day_parts(
    events: ir.Table,
    logins: ir.Table,
    policy: Policy,
    start: int | None = None,
    end: int | None = None,
    keep: Callable[[ir.Table], ir.Table] | None = None,
) -> tuple[ir.Table, ir.Table]:
    """Each day's additive parts, per note (`note_counts` stacked with the bursts of the day's
    likes, saves and comments) and per account (follows and the follows inside bursts:
    purchased followers), with a `day` column. `events` carry the `day` each belongs to (see
    `local_day`) and are taken in [start, end) when given; `logins` are login events with
    their `day`, from `inactive_days` before the first day on.

    An engagement or follow is suspicious when the user is new or was inactive on its own day
    (`day_activity`): a day's parts never change once its events are in (they are kept, see
    pipeline/day_counts.py), and a dormant account woken to like is caught even if it logs in
    again later. `keep`, when given, keeps the users' activity in the engine (both kinds of
    parts read it)."""
    if start is not None:
        events = events.filter((events.ts >= _moment(start)) & (events.ts < _moment(end)))
    acting = _acting(events)
    activity = day_activity(acting, logins, policy)
    if keep is not None:
        activity = keep(activity)
    engagement = acting.filter(acting.event_type != "follow")
    follows = acting.filter(acting.event_type == "follow")
    note_bursts = _bursts(_suspicious(engagement, activity, policy), "note_id", policy)
    follow_bursts = _bursts(_suspicious(follows, activity, policy), "account_id", policy)
    notes = _stack([note_counts(events, policy), note_bursts])
    accounts = follow_bursts.select("account_id", "day", follows_window=follow_bursts.engagement, burst_follows=follow_bursts.burst_engagement)
    return notes, accounts


def _stack(tables: list[ir.Table]) -> ir.Table:
    """The rows of `tables` one under another, each table given every column of the others
    (NULL where it has none; sums skip NULLs)."""
    types: dict[str, ir.DataType] = {}
    for table in tables:
        for name, kind in table.schema().items():
            types.setdefault(name, kind)
    aligned = [
        table.select(**{name: table[name] if name in table.columns else ibis.null(kind) for name, kind in types.items()})
        for table in tables
    ]
    return ibis.union(*aligned, distinct=False)


def _attach(left: ir.Table, right: ir.Table, key: str) -> ir.Table:
    """Left join `right` on `key`, keeping every column of `left` and right's other columns."""
    joined = left.left_join(right, left[key] == right[key])
    return joined.select(left, *[right[name] for name in right.columns if name != key])


def note_signals(t: SignalTables, window: Window, policy: Policy) -> ir.Table:
    """One row per row of `t.notes`: its `row` and the NOTE_SIGNALS. Only the row number travels
    back, not the notes' own columns: the caller lines the metrics up with the notes it holds."""
    s = policy.signals
    events = t.events
    note_events = events.filter(events.note_id.notnull() & (events.ts >= _moment(window.metrics_start)) & (events.ts < _moment(window.end)))
    kind = note_events.event_type

    # Valid reports: listed reasons, one per reporter; the most within any 24 h window.
    reports = note_events.filter((kind == "report") & note_events.reason.isin(list(s.valid_report_reasons)))
    reports = reports.mutate(epoch=reports.ts.epoch_seconds())
    per_reporter = reports.group_by(["note_id", "user_id"]).aggregate(first=reports.epoch.min())
    span = s.reports_window_hours * 3600
    trailing = ibis.window(group_by="note_id", order_by="first", range=(-(span - 1), 0))
    with_window = per_reporter.mutate(in_window=per_reporter.count().over(trailing))
    report_stats = with_window.group_by("note_id").aggregate(
        valid_reports=with_window.count().cast("int64"),
        reports_24h_max=with_window.in_window.max().cast("int64"),
    )

    comment_stats = t.comments.group_by("note_id").aggregate(
        labelled_comments=t.comments.count().cast("int64"),
        negative_comments=t.comments.negative.sum().cast("int64"),
        question_comments=t.comments.question.sum().cast("int64"),
    )

    # Every per-note table is stacked and added up in one pass, then joined to the notes once:
    # each join probes a million note ids, while adding rows up touches only notes with data.
    per_note = sum_parts(_stack([t.note_parts, report_stats, comment_stats]))
    interest_accounts = t.fan_interests.select("account_id").distinct().mutate(has_interests=ibis.literal(1))
    n = _attach(t.notes, per_note, "note_id")
    fi = t.fan_interests
    n = n.left_join(fi, (n.account_id == fi.account_id) & (n.category == fi.interest)).select(n, interest_share=fi.share)
    n = _attach(n, interest_accounts, "account_id")

    # In steps, each naming what the next reads: the engine then works each value out once (in
    # one step, the video length alone would be spelled out a dozen times over).
    # 1. Counts absent from the lake are 0.
    counted = [name for name in per_note.columns if name != "note_id" and name != "reports_24h_max"]
    n = n.mutate(**{name: n[name].fill_null(0) for name in counted})
    has_events = n.events > 0
    # 2. The video's length (stated, else as watched) and its completion.
    n = n.mutate(
        has_events=ibis.ifelse(has_events, 1, 0),
        video_length=ibis.coalesce(n.video_seconds, _ratio(n.watch_duration_sum, n.watches, n.watches > 0)),
        completion_rate=_ratio(n.watches_completed, n.watches, n.watches >= s.min_watches),
        # Likes as known: from events when the lake has any for the note, else the imported count.
        likes_known=ibis.ifelse(has_events, n.likes, n.liked_count),
        # Reports are known when the lake has events for the note (0 reports is a measurement).
        reports_24h_max=ibis.ifelse(has_events, n.reports_24h_max.fill_null(0), ibis.null("int64")),
    )
    # 3. The rates.
    short = (n.video_length >= s.completion_short.min_seconds) & (n.video_length <= s.completion_short.max_seconds)
    long = (n.video_length >= s.completion_long.min_seconds) & (n.video_length <= s.completion_long.max_seconds)
    labelled = n.labelled_comments
    n = n.mutate(
        # Engagement inside detected bursts (bought likes) does not count as interaction.
        interaction_rate=_ratio(ibis.greatest(n.likes + n.saves + n.comment_events - n.burst_engagement, 0), n.reads, n.reads >= s.min_reads),
        ctr=_ratio(n.reads, n.impressions, n.impressions >= s.min_impressions),
        completion_short=ibis.ifelse(short, n.completion_rate, ibis.null("float64")),
        completion_long=ibis.ifelse(long, n.completion_rate, ibis.null("float64")),
        completion_other=ibis.ifelse(~short & ~long, n.completion_rate, ibis.null("float64")),
        avg_dwell=_ratio(n.timed_seconds, n.timed_events, n.timed_events >= s.min_dwell_events),
        fake_engagement=_ratio(n.burst_engagement, n.engagement, n.engagement > 0),
        negative_comments=_ratio(n.negative_comments, labelled, labelled >= s.min_comments),
        discussion=_ratio(n.question_comments, labelled, labelled >= s.min_comments),
        fan_match=ibis.ifelse(n.has_interests.notnull(), n.interest_share.fill_null(0.0).cast("float64"), ibis.null("float64")),
    )
    return n.select("row", *NOTE_SIGNALS)


def dwell_baselines(notes: ir.Table) -> ir.Table:
    """Each category's dwell baseline from the data: the mean of its notes' trusted average
    dwell (`avg_dwell` of `note_signals`), and how many notes that mean rests on. A handful of
    rows; the caller hands each note its category's (NULL category included)."""
    return notes.group_by("category").aggregate(
        category_dwell_notes=notes.avg_dwell.count().cast("int64"),
        category_dwell_mean=notes.avg_dwell.mean(),
    )


def account_signals(t: SignalTables, notes: ir.Table, window: Window, policy: Policy) -> ir.Table:
    """Per-account metrics; `notes` holds account_id, published_epoch and likes_known per note
    (from `note_signals`)."""
    s = policy.signals
    users = t.users

    follows = t.follows
    last_action = follows.group_by(["account_id", "user_id"]).aggregate(
        last=follows.event_type.argmax(follows.ts.epoch_seconds())
    )
    fans = last_action.filter(last_action.last == "follow")
    fans = fans.left_join(users, fans.user_id == users.user_id).select(fans.account_id, users.fan_window_logins)
    fan_stats = fans.group_by("account_id").aggregate(
        fans_known=fans.count().cast("int64"),
        active_fans=_count(fans, fans.fan_window_logins.fill_null(0) >= s.fan_active_min_logins),
    )

    follow_bursts = sum_parts(t.account_parts, "account_id")

    recent = notes.filter(notes.published_epoch >= window.recent_start)
    likes_stats = recent.group_by("account_id").aggregate(
        recent_notes=recent.count().cast("int64"),
        recent_notes_with_likes=recent.likes_known.count().cast("int64"),
        avg_likes_recent=recent.likes_known.mean(),
    )

    a = _attach(t.accounts, fan_stats, "account_id")
    a = _attach(a, follow_bursts, "account_id")
    a = _attach(a, likes_stats, "account_id")
    fans_known = a.fans_known.fill_null(0)
    follows_window = a.follows_window.fill_null(0)
    return a.mutate(
        fans_known=fans_known,
        active_fans=a.active_fans.fill_null(0),
        fan_activity=_ratio(a.active_fans.fill_null(0), fans_known, fans_known >= s.min_fans),
        follows_window=follows_window,
        burst_follows=a.burst_follows.fill_null(0),
        fake_followers=_ratio(a.burst_follows.fill_null(0), follows_window, follows_window > 0),
        recent_notes=a.recent_notes.fill_null(0),
        # Imbalance applies to accounts with many fans and known likes on recent notes.
        imbalance=ibis.ifelse(
            (a.followers.fill_null(0) >= s.imbalance_min_fans) & (a.recent_notes_with_likes.fill_null(0) > 0),
            a.avg_likes_recent.cast("float64"),
            ibis.null("float64"),
        ),
    ).drop("recent_notes_with_likes")


