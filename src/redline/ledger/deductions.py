"""The bridge the health index calls: points in force for an account, from the stored ledger.

This module is the one place in `redline.ledger` that reads storage (imported lazily, so the
core stays importable without a database).
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from redline.ledger.points import standing

if TYPE_CHECKING:
    from redline.policy import Policy
    from redline.store.database import Database


def points_in_force(
    database: "Database", account_id: str, at: datetime, *, policy: "Policy | None" = None
) -> tuple[float, list[dict[str, Any]]]:
    """Points deducted and still counting at `at`, and the active entries (id, rule, points,
    remaining, created, stops_counting…). An account with no entries has (0.0, [])."""
    from redline.policy import default_policy
    from redline.store.ledger import load_entries

    policy = policy or default_policy()
    result = standing(load_entries(database, account_id, must_exist=False), policy.ledger, at)
    return result.points, [a.to_dict() for a in result.active]
