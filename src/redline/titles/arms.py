"""How many titles to test at once: as many as the note's traffic can tell apart.

A note expected to earn a few hundred clicks cannot separate ten titles: each would get a sliver
of traffic and the "winner" would be noise. The policy's table (after the Washington Post's
Bandito: 2 arms under 500 expected clicks … 16 over 5,000) maps expected clicks to an arm count,
control included.
"""

from __future__ import annotations

from bisect import bisect_right

from redline.policy import Policy


def expected_clicks(expected_impressions: float, expected_ctr: float) -> float:
    if expected_impressions < 0 or expected_ctr < 0:
        raise ValueError("expected impressions and CTR must be non-negative")
    return expected_impressions * expected_ctr


def arm_count(expected_clicks_: float, policy: Policy, available_variants: int | None = None) -> int:
    """Arms to test (control included) for a note expected to earn `expected_clicks_` clicks."""
    table = policy.titles.arms
    count = table.arm_counts[bisect_right(table.click_thresholds, expected_clicks_)]
    if available_variants is not None:
        count = min(count, available_variants + 1)
    return count
