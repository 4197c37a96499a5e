"""The ledger hook: points in force against accounts, subtracted from the account index.

The ledger is its own part of the system; when it is not installed (or its tables are not
there) every account has no deductions.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any


def points_in_force(database: Any, account_id: str, at: datetime, policy: Any = None) -> tuple[float, list[dict]]:
    """(points, active entries) for one account, or (0, []) without a ledger."""
    try:
        from redline.ledger.deductions import points_in_force as ledger_points
    except ImportError:
        return 0.0, []
    try:
        return ledger_points(database, account_id, at, policy=policy)
    except TypeError:  # an older signature without the policy keyword
        return ledger_points(database, account_id, at)


def accounts_with_entries(database: Any) -> set[str] | None:
    """Ids of accounts that have ledger entries at all (None when that cannot be known)."""
    from sqlalchemy import text

    try:
        with database.engine.connect() as connection:
            return {row[0] for row in connection.execute(text("SELECT DISTINCT account_id FROM ledger_entries"))}
    except Exception:
        return None


def deductions_for(database: Any, account_ids: Iterable[str], at: datetime, policy: Any = None) -> dict[str, tuple[float, list[dict]]]:
    """Points in force for every account that has any; accounts absent from the result have 0."""
    try:
        import redline.ledger.deductions  # noqa: F401
    except ImportError:
        return {}
    wanted = set(account_ids)
    with_entries = accounts_with_entries(database)
    if with_entries is not None:
        wanted &= with_entries
    out = {}
    for account_id in sorted(wanted):
        points, entries = points_in_force(database, account_id, at, policy)
        if points or entries:
            out[account_id] = (float(points), entries)
    return out
