"""All behavioural metrics of SPEC R-SIG as Ibis expressions (one definition, any backend).

Two kinds of expression, both run by the engine (`signals/engines.py`: DuckDB or Spark):

- **Aggregations of events.** Each lake day's additive parts per note (`day_parts`: counts by
  event type and the engagement inside bursts from new or inactive users) and per account
  (follows and purchased-follower bursts), which the daily job keeps per day; the valid reports of
  the window with the worst 24 h (`window_reports` over each day's `report_actions`); the
  labelled comments (`comment_stats`); fans from all follow history and the active ones among
  them (`fan_stats`, `user_activity` over each day's `login_counts`).
- **Formulas over the lined-up rows.** Once those numbers are lined up with the notes and the
  accounts (`signals/assembly.py`: by note key and by position, in NumPy), `note_metrics` turns
  each note's sums into its metrics — interaction rate ((likes + saves + comments − engagement
  inside bursts) / reads), click-through (reads / impressions), video completion by duration
  bucket, average dwell, fake-engagement share, negative and discussion shares of the comments,
  fan-profile match —, `dwell_baselines` gives each category's dwell baseline from the same
  data, `recent_likes` and `account_metrics` the account's fan activity (≥ 3 logins in 28 days),
  purchased followers and interaction imbalance. A metric whose sample is too small (policy
  `signals.min_*`) is NULL = unknown, never 0.

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
import pyarrow as pa

from redline.policy import Policy

DAY_SECONDS = 86_400
ENGAGEMENT_TYPES = ("like", "save", "comment")
# The metrics of every note (what `note_metrics` works out, and the counts it reads).
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
    fan_first_day: date  # the first day of the fan-activity window (its last is `day`)

    @classmethod
    def for_day(cls, day: date, policy: Policy) -> "Window":
        zone = ZoneInfo(policy.signals.timezone)
        end = int(datetime.combine(day + timedelta(days=1), time(0), zone).timestamp())
        s = policy.signals

        def back(days: int) -> int:
            return int(datetime.combine(day - timedelta(days=days - 1), time(0), zone).timestamp())

        return cls(
            day, end, back(s.metrics_window_days), back(s.fan_active_window_days), back(s.inactive_days), back(policy.index.recent_days),
            day - timedelta(days=s.fan_active_window_days - 1),
        )

    @property
    def first_day_needed(self) -> date:
        """The earliest lake day any windowed metric reads."""
        zone_days = (self.end - min(self.metrics_start, self.fan_start, self.inactive_start)) // DAY_SECONDS
        return self.day - timedelta(days=int(zone_days) - 1)


def _count(table: ir.Table, condition: ir.BooleanValue) -> ir.IntegerScalar:
    """COUNT(*) FILTER (WHERE condition): much cheaper than summing a CASE per row."""
    return table.count(where=condition).cast("int64")


def _ratio(numerator: ir.NumericValue, denominator: ir.NumericValue, enough: ir.BooleanValue) -> ir.FloatingValue:
    return ibis.ifelse(enough & (denominator > 0), numerator.cast("float64") / denominator.cast("float64"), ibis.null("float64"))


def _moment(epoch: int) -> ir.TimestampScalar:
    """A UTC timestamp literal: comparing the column with it needs no per-row conversion (and
    lets the engine skip Parquet row groups), unlike converting every row to epoch seconds."""
    return ibis.literal(datetime.fromtimestamp(epoch, timezone.utc).replace(tzinfo=None), type="timestamp")


def login_counts(events: ir.Table) -> ir.Table:
    """Per user (and day, when `events` carry a `day` column): how many times they logged in.
    A day's can be kept and read with the other days' (pipeline/day_counts.py): the fans'
    activity and who was inactive read these instead of every login event of their windows."""
    logins = events.filter((events.event_type == "login") & events.user_id.notnull())
    return logins.group_by(_keyed("user_id", logins)).aggregate(logins=logins.count().cast("int64"))


def user_activity(logins: ir.Table, window: Window, among: ir.Table | None = None) -> ir.Table:
    """Per user who logged in (and is in `among`'s user_id, when given: the only users asked
    about): logins in the fan-activity window (its days up to the window's day). `logins`:
    `login_counts` by day. The account signals read it for the fans."""
    logins = logins.filter((logins.day >= window.fan_first_day) & (logins.day <= window.day))
    if among is not None:
        logins = logins.filter(logins.user_id.isin(among.user_id))
    return logins.group_by("user_id").aggregate(fan_window_logins=logins.logins.sum().cast("int64"))


def note_counts(events: ir.Table, policy: Policy) -> ir.Table:
    """Per note (and day, when `events` carry a `day` column), the additive counts of its
    events: sums over any split of the events add up to the counts of the whole, so a day's
    counts can be kept and added to the other days' (pipeline/day_counts.py)."""
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


def day_activity(acting: ir.Table, logins: ir.Table, policy: Policy, login_days: list[date] | None = None) -> ir.Table:
    """For each user and day of `acting` (user_id, day: who liked, saved, commented or followed
    when): `inactive` when the lake has logins in the inactivity window ending that day (else
    inactivity cannot be judged) and the user has none. `logins`: who logged in on which `day`
    (`login_counts` by day, or the login events with their day), from `inactive_days` before
    the first day on; `login_days`, when the caller knows them, the days among those that have
    any login (else read from `logins`: a second pass over them)."""
    span = ibis.interval(days=policy.signals.inactive_days - 1)
    pairs = acting.select("user_id", "day").distinct()
    # A semi-join: each pair once, however many days of the window the user logged in on (no
    # distinct rows of all the users' logins to make first).
    seen = pairs.semi_join(
        logins, (pairs.user_id == logins.user_id) & (logins.day <= pairs.day) & (logins.day >= pairs.day - span)
    ).mutate(seen=ibis.literal(1))
    if login_days is None:
        any_login = logins.select(login_day=logins.day).distinct()
    else:
        any_login = ibis.memtable(pa.table({"login_day": pa.array(sorted(set(login_days)), pa.date32())}))
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
    login_days: list[date] | None = None,
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
        events = _during(events, start, end)
    acting = _acting(events)
    activity = day_activity(acting, logins, policy, login_days)
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


def report_actions(events: ir.Table) -> ir.Table:
    """Per note, reporter and reason (and day, when `events` carry a `day` column): when the
    reporter first reported the note for that reason (`ts`). The first of a stack of these is
    the first of the events they stand for, so a day's can be kept and stacked with the other
    days' (pipeline/day_counts.py); `window_reports` reads them."""
    reports = events.filter((events.event_type == "report") & events.note_id.notnull())
    return reports.group_by(_keyed("note_id", reports) + ["user_id", "reason"]).aggregate(ts=reports.ts.min())


REPORT_ACTIONS = ("note_id", "user_id", "reason", "ts")  # what `report_actions` gives beside a day


def in_window(events: ir.Table, window: Window) -> ir.Table:
    """The events in the metrics window."""
    return _during(events, window.metrics_start, window.end)


def _during(events: ir.Table, start: int, end: int) -> ir.Table:
    """The events at or after `start` and before `end` (epoch seconds)."""
    return events.filter((events.ts >= _moment(start)) & (events.ts < _moment(end)))


def window_reports(actions: ir.Table, policy: Policy) -> ir.Table:
    """Per note with valid reports in the metrics window (a listed reason, one per reporter):
    how many, and the most of them within any `reports_window_hours` (by each reporter's first
    report). `actions`: `report_actions` of the window's events (of whole days inside it, and
    of the events inside it of the days on its edges)."""
    s = policy.signals
    valid = actions.filter(actions.reason.isin(list(s.valid_report_reasons)))
    per_reporter = valid.group_by(["note_id", "user_id"]).aggregate(first=valid.ts.min().epoch_seconds())
    span = s.reports_window_hours * 3600
    trailing = ibis.window(group_by="note_id", order_by="first", range=(-(span - 1), 0))
    with_window = per_reporter.mutate(in_window=per_reporter.count().over(trailing))
    return with_window.group_by("note_id").aggregate(
        valid_reports=with_window.count().cast("int64"),
        reports_24h_max=with_window.in_window.max().cast("int64"),
    )


def comment_stats(comments: ir.Table) -> ir.Table:
    """Per note with labelled comments (note_id, negative 0/1, question 0/1): how many, how
    many negative, how many specific questions."""
    return comments.group_by("note_id").aggregate(
        labelled_comments=comments.count().cast("int64"),
        negative_comments=comments.negative.sum().cast("int64"),
        question_comments=comments.question.sum().cast("int64"),
    )


def follow_actions(events: ir.Table) -> ir.Table:
    """Per account, user (and day, when `events` carry a `day` column): the user's last follow
    or unfollow of the account (`event_type`) and when (`ts`). The last action of a stack of
    these is the last of the events they stand for, so a day's can be kept and stacked with the
    other days' (pipeline/day_counts.py); `fan_stats` reads either."""
    follows = events.filter(events.event_type.isin(["follow", "unfollow"]) & events.account_id.notnull())
    return follows.group_by(_keyed("account_id", follows) + ["user_id"]).aggregate(
        event_type=follows.event_type.argmax(follows.ts.epoch_seconds()),
        ts=follows.ts.max(),
    )


def fan_stats(follows: ir.Table, users: ir.Table, policy: Policy) -> ir.Table:
    """Per account with fans: the users whose last follow/unfollow of it (over all of
    `follows`' history: follow events, or `follow_actions`) is a follow, and how many of them
    are active (`users`: `user_activity` as of the day)."""
    last_action = follows.group_by(["account_id", "user_id"]).aggregate(last=follows.event_type.argmax(follows.ts.epoch_seconds()))
    fans = last_action.filter(last_action.last == "follow")
    fans = fans.left_join(users, fans.user_id == users.user_id).select(fans.account_id, users.fan_window_logins)
    return fans.group_by("account_id").aggregate(
        fans_known=fans.count().cast("int64"),
        active_fans=_count(fans, fans.fan_window_logins.fill_null(0) >= policy.signals.fan_active_min_logins),
    )


# The columns `note_metrics` reads, beside `row`: the note's own (from the store), the window's
# sums (`day_parts` added up), the reports, the comments and the account's fans' interest in the
# note's category. Counts are 0 where there is nothing; reports_24h_max and interest_share NULL.
NOTE_COUNTS = (
    "events", "impressions", "reads", "likes", "saves", "comment_events", "shares", "orders", "order_amount",
    "watches", "watches_completed", "watch_duration_sum", "timed_events", "timed_seconds",
    "engagement", "suspicious_engagement", "burst_engagement", "bursts",
)
NOTE_AMOUNTS = ("order_amount", "watch_duration_sum", "timed_seconds")  # the sums among them that are not counts
NOTE_METRIC_INPUTS = (
    "video_seconds", "liked_count", *NOTE_COUNTS, "valid_reports", "reports_24h_max",
    "labelled_comments", "negative_comments", "question_comments", "interest_share", "has_interests",
)


NOTE_DERIVED = (
    "has_events", "likes_known", "interaction_rate", "ctr", "video_length", "completion_rate", "completion_short",
    "completion_long", "completion_other", "avg_dwell", "reports_24h_max", "fake_engagement", "negative_comments",
    "discussion", "fan_match",
)


def note_metrics(notes: ir.Table, policy: Policy, keep: tuple[str, ...] = ()) -> ir.Table:
    """Each row's `row`, its `keep` columns and the NOTE_DERIVED metrics worked out from the
    NOTE_METRIC_INPUTS lined up for it (the other NOTE_SIGNALS are counts among those inputs:
    they need not travel through the engine and back)."""
    s = policy.signals
    n = notes
    # In steps, each naming what the next reads: the engine then works each value out once (in
    # one step, the video length alone would be spelled out a dozen times over).
    has_events = n.events > 0
    n = n.mutate(
        has_events=ibis.ifelse(has_events, 1, 0),
        # The video's length (stated, else as watched) and its completion.
        video_length=ibis.coalesce(n.video_seconds, _ratio(n.watch_duration_sum, n.watches, n.watches > 0)),
        completion_rate=_ratio(n.watches_completed, n.watches, n.watches >= s.min_watches),
        # Likes as known: from events when the lake has any for the note, else the imported count.
        likes_known=ibis.ifelse(has_events, n.likes, n.liked_count),
        # Reports are known when the lake has events for the note (0 reports is a measurement).
        reports_24h_max=ibis.ifelse(has_events, n.reports_24h_max.fill_null(0), ibis.null("int64")),
    )
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
        fan_match=ibis.ifelse(n.has_interests == 1, n.interest_share.fill_null(0.0).cast("float64"), ibis.null("float64")),
    )
    return n.select("row", *keep, *NOTE_DERIVED)


def dwell_baselines(notes: ir.Table) -> ir.Table:
    """Each category's dwell baseline from the data: the mean of its notes' trusted average
    dwell (`avg_dwell` of `note_metrics`), and how many notes that mean rests on. `notes` has the
    category (or a code standing for it) and avg_dwell; a handful of rows come back."""
    return notes.group_by("category").aggregate(
        category_dwell_notes=notes.avg_dwell.count().cast("int64"),
        category_dwell_mean=notes.avg_dwell.mean(),
    )


def recent_likes(notes: ir.Table, window: Window) -> ir.Table:
    """Per account (`account`: any key) with notes published in the recent window: how many,
    how many with known likes, and their average likes."""
    recent = notes.filter(notes.published_epoch >= window.recent_start)
    return recent.group_by("account").aggregate(
        recent_notes=recent.count().cast("int64"),
        recent_notes_with_likes=recent.likes_known.count().cast("int64"),
        avg_likes_recent=recent.likes_known.mean(),
    )


# What `account_metrics` reads, beside account_id: followers (the store's count), fans_known and
# active_fans (`fan_stats`), follows_window and burst_follows (the window's account parts),
# recent_notes, recent_notes_with_likes and avg_likes_recent (`recent_likes`); counts 0 where
# there is nothing, the average NULL.
ACCOUNT_METRIC_INPUTS = (
    "followers", "fans_known", "active_fans", "follows_window", "burst_follows",
    "recent_notes", "recent_notes_with_likes", "avg_likes_recent",
)


def account_metrics(accounts: ir.Table, policy: Policy) -> ir.Table:
    """Per account: its ACCOUNT_METRIC_INPUTS (but recent_notes_with_likes) and the metrics
    fan_activity, fake_followers and imbalance."""
    s = policy.signals
    a = accounts
    return a.mutate(
        fan_activity=_ratio(a.active_fans, a.fans_known, a.fans_known >= s.min_fans),
        fake_followers=_ratio(a.burst_follows, a.follows_window, a.follows_window > 0),
        # Imbalance applies to accounts with many fans and known likes on recent notes.
        imbalance=ibis.ifelse(
            (a.followers.fill_null(0) >= s.imbalance_min_fans) & (a.recent_notes_with_likes > 0),
            a.avg_likes_recent.cast("float64"),
            ibis.null("float64"),
        ),
    ).drop("recent_notes_with_likes")
