"""The real reviews used by the evaluation scripts (../shared/data/reviews; evaluation only)."""

from __future__ import annotations

import csv
import sys
from pathlib import Path

DEFAULT_CSV = Path(__file__).resolve().parents[2] / "shared" / "data" / "reviews" / "online_shopping_10_cats.csv"


def read_reviews(path: Path, limit: int | None = None) -> list[tuple[str, str]]:
    """(category, review) of every non-empty review, in file order; the first `limit` if given."""
    csv.field_size_limit(sys.maxsize)
    with path.open(encoding="utf-8", newline="") as handle:
        rows = [(row.get("cat") or "", row.get("review") or "") for row in csv.DictReader(handle)]
    rows = [(cat, review) for cat, review in rows if review.strip()]
    return rows[:limit] if limit else rows
