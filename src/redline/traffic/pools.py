"""Traffic pools: a note with a product attached gets commerce traffic only (SPEC R-TRF).

Attaching a product later moves the note to the commerce pool from that moment, its earlier
community reach staying in its history; detaching moves it back. The history is a list of
attach/detach events; the pool at any instant follows from the last event before it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

Pool = Literal["community", "commerce"]


@dataclass(frozen=True, slots=True)
class ProductLinkEvent:
    at: datetime
    product_id: str | None  # None = detached


@dataclass(frozen=True, slots=True)
class PoolSpan:
    pool: Pool
    start: datetime
    end: datetime | None  # None = still in force


def pool_at(history: list[ProductLinkEvent], at: datetime) -> Pool:
    pool: Pool = "community"
    for event in sorted(history, key=lambda e: e.at):
        if event.at > at:
            break
        pool = "commerce" if event.product_id else "community"
    return pool


def pool_timeline(published_at: datetime, history: list[ProductLinkEvent]) -> list[PoolSpan]:
    """The note's pools from publication on, merging consecutive events that keep the pool."""
    spans: list[PoolSpan] = []
    current: Pool = "community"
    start = published_at
    for event in sorted(history, key=lambda e: e.at):
        at = max(event.at, published_at)
        pool: Pool = "commerce" if event.product_id else "community"
        if pool == current:
            continue
        if at > start:
            spans.append(PoolSpan(current, start, at))
        current, start = pool, at
    spans.append(PoolSpan(current, start, None))
    return spans
