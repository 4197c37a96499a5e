"""Read the Upworthy Research Archive (exploratory release, cleaned Parquet) into replay tests.

The archive is evaluation data: nothing in the package depends on it at run time, and it is read
only when a user runs `redline titles replay --upworthy PATH`. Facts of the dataset (not platform
policy) live here: the window in which Upworthy's randomisation was broken (test weeks 201326 to
201402; those tests fail a sample-ratio check, so they are kept apart for the SRM evidence), and
what a "pure headline test" is (one eyecatcher image, all headlines distinct, ≥ 2 arms).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from redline.errors import InputError
from redline.titles.replay import ReplayTest

BROKEN_WEEKS = (201326, 201402)
COLUMNS = ("clickability_test_id", "headline", "impressions", "clicks", "test_week", "eyecatcher_id")


@dataclass(frozen=True)
class UpworthyTests:
    clean: list[ReplayTest]
    broken: list[ReplayTest]
    skipped: int  # tests that are not pure headline tests


def load_upworthy(path: Path) -> UpworthyTests:
    """Pure headline tests, split into clean and broken-randomisation ones; arms in file order."""
    import pyarrow.parquet as pq

    if not path.exists():
        raise InputError(f"找不到 Upworthy 数据文件：{path}")
    try:
        table = pq.read_table(path, columns=list(COLUMNS)).to_pydict()
    except Exception as exc:  # pyarrow raises several types for a bad file or missing columns
        raise InputError(f"无法读取 Upworthy Parquet 文件 {path}（需要列 {', '.join(COLUMNS)}）：{exc}") from exc
    rows: dict[str, list[int]] = {}
    for index, test_id in enumerate(table["clickability_test_id"]):
        rows.setdefault(test_id, []).append(index)
    clean: list[ReplayTest] = []
    broken: list[ReplayTest] = []
    skipped = 0
    for test_id, members in rows.items():
        headlines = tuple(table["headline"][i] for i in members)
        eyecatchers = {table["eyecatcher_id"][i] for i in members}
        impressions = np.array([table["impressions"][i] for i in members], dtype=np.int64)
        if len(members) < 2 or len(set(headlines)) != len(headlines) or len(eyecatchers) != 1 or impressions.min() <= 0:
            skipped += 1
            continue
        week = int(table["test_week"][members[0]])
        test = ReplayTest(
            test_id=str(test_id),
            week=week,
            headlines=tuple(str(h) for h in headlines),
            impressions=impressions,
            clicks=np.array([table["clicks"][i] for i in members], dtype=np.int64),
        )
        (broken if BROKEN_WEEKS[0] <= week <= BROKEN_WEEKS[1] else clean).append(test)
    return UpworthyTests(clean, broken, skipped)
