"""The account frame: a columnar copy of every account's followers and fans' interests, kept in
the data home (`frames/accounts/`) and brought up to date from `account_changes` (the frame
machinery: store/frames.py; triggers of migration health_0004).

Reading 100k accounts from the row store and unnesting their interests' JSON every day cost a
third of a second; a day changes a few accounts. The interests are kept parsed, one list of
(interest, share) per account sorted by interest, by the rules the daily job always read them
with: a stored text that is not a JSON object is no interests, and an entry whose value is not a
number is skipped.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pyarrow as pa

from redline.store.arrow_rows import fetch_rows, rows_to_table
from redline.store.database import Database
from redline.store.frames import Changes, Defer, FrameKind, sync_frame

INTEREST_TYPE = pa.struct([("interest", pa.string()), ("share", pa.float64())])
FRAME_SCHEMA = pa.schema([("account_id", pa.string()), ("followers", pa.int64()), ("interests", pa.list_(INTEREST_TYPE))])


def _read_accounts(database: Database, changes: Changes | None = None) -> pa.Table:
    """All accounts, or those changed, with their interests parsed, sorted by id."""
    # As text on both dialects (PostgreSQL's driver would otherwise parse every object).
    rows = fetch_rows(
        database,
        "SELECT id, followers, CAST(fan_interests AS TEXT) FROM accounts" + (f" WHERE id IN ({changes.ids_sql})" if changes else ""),
        changes.params if changes else {},
    )
    raw = rows_to_table(rows, {"account_id": pa.string(), "followers": pa.int64(), "fan_interests": pa.string()})
    parsed = duckdb.sql(  # (DuckDB finds the Arrow table `raw` by its name)
        """
        WITH entries AS (
            SELECT account_id, interest.key AS interest, TRY_CAST(interest.value AS DOUBLE) AS share
            FROM (SELECT account_id, CAST(fan_interests AS JSON) AS fans FROM raw
                  WHERE json_valid(fan_interests) AND json_type(CAST(fan_interests AS JSON)) = 'OBJECT') AS a,
                 json_each(a.fans) AS interest
            WHERE TRY_CAST(interest.value AS DOUBLE) IS NOT NULL
        ), lists AS (
            SELECT account_id, list({'interest': interest, 'share': share} ORDER BY interest) AS interests
            FROM entries GROUP BY account_id
        )
        SELECT account_id, followers, COALESCE(interests, []) AS interests FROM raw LEFT JOIN lists USING (account_id)
        ORDER BY account_id
        """
    ).to_arrow_table()
    return parsed.cast(FRAME_SCHEMA)  # DuckDB names the list's items `l`


ACCOUNTS = FrameKind(
    name="accounts", id_column="account_id", log_table="account_changes", log_id_column="account_id", schema=FRAME_SCHEMA,
    read=_read_accounts, metadata_key=b"redline.account_frame", order="account_id",
)


def frame_dir(root: Path) -> Path:
    return ACCOUNTS.directory(root)


def frame_path(root: Path) -> Path:
    """The base file. Removing it removes the whole frame."""
    return ACCOUNTS.base_path(root)


def account_frame(database: Database, root: Path, defer: Defer | None = None) -> pa.Table:
    """Every account (id, followers, interests), current as of this call; `defer` as for
    `frames.sync_frame`."""
    return sync_frame(ACCOUNTS, database, root, defer)
