"""Build a small demo community into a data home the way `redline demo` does (generate → raw
files → ingest accounts, notes, products, attachments, comments, events → recompute), with a
fixed seed and last day so the results are the same on every run."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from redline.demo import generate_community, write_community
from redline.demo.community import Community
from redline.home import DataHome
from redline.policy import Policy
from redline.store.database import Database

LAST_DAY = date(2026, 11, 20)
SEED = 11
ACCOUNTS = 20  # creators of every kind; merchants come on top
MERCHANTS = 5  # per category: the top 10 % is one shop
DAYS = 5


def build_demo_home(root: Path, policy: Policy, *, accounts: int = ACCOUNTS, days: int = DAYS, seed: int = SEED, merchants: int = MERCHANTS) -> tuple[DataHome, Database, Community]:
    from redline.cli.products import load_commerce
    from redline.ingest.entities import load_accounts_file, load_comments_file, load_notes_file
    from redline.ingest.events import ingest_event_file
    from redline.pipeline.recompute import recompute
    from redline.pipeline.textchecks import refresh_comment_labels, refresh_note_checks
    from redline.store.lake import EventLake

    home = DataHome.resolve(root)
    home.ensure()
    database = Database.open(home=home)
    community = generate_community(accounts, days, seed, LAST_DAY, policy.signals.timezone, merchants=merchants)
    paths = write_community(community, root / "raw")
    load_accounts_file(database, paths["accounts"], policy, source="demo")
    notes = load_notes_file(database, paths["notes"], policy, source="demo")
    if "products" in paths:
        load_commerce(database, policy, paths["products"], paths["product_links"])
    comments = load_comments_file(database, paths["comments"], policy, source="demo")
    refresh_note_checks(database, policy, notes.ids, home=home)
    refresh_comment_labels(database, policy, comments.ids)
    ingest_event_file(paths["events"], EventLake.in_home(home.lake_dir), policy)
    recompute(database, home, LAST_DAY, policy, "duckdb", refresh_text=False)
    return home, database, community
