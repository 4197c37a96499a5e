"""Teen mode (青少年模式): its own pool rules and no publishing at night (SPEC R-TRF)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from redline.policy import Policy


def _clock(value: str) -> time:
    hours, minutes = value.split(":")
    return time(int(hours), int(minutes))


@dataclass(frozen=True, slots=True)
class PublishCheck:
    allowed: bool
    message: str
    next_allowed_at: datetime | None = None


def in_quiet_hours(at: datetime, policy: Policy) -> bool:
    start, end = _clock(policy.traffic.teen_mode.no_publish_from), _clock(policy.traffic.teen_mode.no_publish_until)
    now = at.time()
    if start <= end:
        return start <= now < end
    return now >= start or now < end  # the window wraps past midnight (22:00–06:00)


def check_teen_publish(at: datetime, policy: Policy) -> PublishCheck:
    """Whether a teen-mode account may publish at local time `at`, and when it may if not."""
    teen = policy.traffic.teen_mode
    if not in_quiet_hours(at, policy):
        return PublishCheck(True, "可以发布。")
    end = _clock(teen.no_publish_until)
    next_allowed = at.replace(hour=end.hour, minute=end.minute, second=0, microsecond=0)
    if next_allowed <= at:
        next_allowed += timedelta(days=1)
    return PublishCheck(
        False,
        f"青少年模式下 {teen.no_publish_from}–{teen.no_publish_until} 禁止发布笔记，请于 {next_allowed:%Y-%m-%d %H:%M} 之后发布。",
        next_allowed,
    )


@dataclass(frozen=True, slots=True)
class TeenNote:
    """What the teen index reads of one recent note."""

    category: str
    index: float | None  # the note's health index
    marketing: float  # 0–1
    families: frozenset[str]  # families of the note's text findings


def teen_index(notes: list[TeenNote], policy: Policy) -> float | None:
    """The teen pool's own index (青少年模式健康度单独评估): the mean, over recent notes in
    categories open to teens, of each note's health index lowered for marketing intensity and
    for each finding family teens must not see; None when no such note has an index."""
    teen = policy.traffic.teen_mode
    excluded = {c.lower() for c in teen.excluded_categories}
    sensitive = set(teen.sensitive_families)
    scores = []
    for note in notes:
        if note.index is None or note.category.lower() in excluded:
            continue
        penalty = teen.marketing_penalty * note.marketing + teen.finding_penalty * len(note.families & sensitive)
        scores.append(min(100.0, max(0.0, note.index - penalty)))
    return sum(scores) / len(scores) if scores else None


def teen_pool_eligible(category: str, teen_index: float | None, policy: Policy) -> tuple[bool, str]:
    teen = policy.traffic.teen_mode
    if category.lower() in {c.lower() for c in teen.excluded_categories}:
        return False, f"“{category}”属于青少年模式屏蔽的非适龄内容，不进入青少年流量池。"
    if teen_index is None:
        return False, "青少年模式健康度未知，暂不进入青少年流量池。"
    if teen_index < teen.min_index:
        return False, f"青少年模式健康度 {teen_index:.0f} < {teen.min_index:.0f}，不进入青少年流量池。"
    return True, f"青少年模式健康度 {teen_index:.0f} ≥ {teen.min_index:.0f}，可进入青少年流量池。"
