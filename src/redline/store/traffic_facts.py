"""Gather the facts traffic decisions are made from: the stored index and note results, the
text findings, the ledger's sanctions, the review queue and the product history.

This is the adapter between storage and the pure `redline.traffic` core: it reads, converts to
the core's value types, and calls the core. It writes nothing.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from sqlalchemy import select

from redline.checks import CheckRequest, checker_for
from redline.errors import NotFoundError
from redline.policy import Policy
from redline.store.database import Database
from redline.store.entities import Account, Note, Product
from redline.store.health import account_days, note_result_days, note_results_file, read_account_details, read_note_results
from redline.store.health_tables import AccountHealthDay, NoteCheck
from redline.store.ledger import account_state
from redline.store.ledger_tables import ReviewItem
from redline.store.product_links import product_history
from redline.traffic.decision import ListingFact, NoteFacts, SanctionFact, TrafficDecision, decide_note
from redline.traffic.horse_race import MerchantSales, RaceStanding, race_all
from redline.traffic.marketing_reach import NoteMarketing, ReachExplanation, explain_reach
from redline.traffic.pools import ProductLinkEvent, pool_timeline
from redline.traffic.shop_drag import NoteReach, ShopDragReport, shop_drag
from redline.traffic.teen_mode import TeenNote, teen_index
from redline.traffic.tiers import Tier, tier_for


def _aware(at: datetime) -> datetime:
    return at if at.tzinfo else at.replace(tzinfo=timezone.utc)


def _number(value: Any) -> float | None:
    if value is None:
        return None
    number = float(value)
    return None if math.isnan(number) else number


def note_results(home_root: Path, until: date) -> list[dict[str, Any]]:
    """The stored note results of the latest computed day on or before `until` ([] if none)."""
    days = [d for d in note_result_days(home_root) if d <= until]
    if not days:
        return []
    return read_note_results(note_results_file(home_root, days[-1])).to_pylist()


def latest_index(database: Database, account_id: str, until: date) -> AccountHealthDay | None:
    with database.session() as session:
        return session.scalars(account_days(account_id, until).order_by(AccountHealthDay.day.desc()).limit(1)).first()


def _sanction_facts(sanctions: Iterable[Any]) -> list[SanctionFact]:
    facts = []
    for s in sanctions:
        keeps = None if s.percent is None else max(0.0, 1.0 - s.percent / 100.0)
        facts.append(SanctionFact(s.kind, s.start, s.end, s.note_id, keeps, tuple(str(b) for b in s.because), s.reason))
    return facts


def _listing_at(history: list[ProductLinkEvent], at: datetime, listings: dict[str, ListingFact]) -> ListingFact | None:
    """The listing check of the product the note carries at `at` (None when it carries none)."""
    current = None
    for event in sorted(history, key=lambda e: e.at):
        if event.at > at:
            break
        current = event.product_id
    return listings.get(current) if current else None


@dataclass
class NoteDiagnosis:
    note: Note
    decision: TrafficDecision
    impressions: int | None
    marketing: float | None


@dataclass
class AccountDiagnosis:
    account_id: str
    at: datetime
    index: float | None
    tier: Tier
    coverage: float | None
    sanctions: list[dict[str, Any]]
    points_in_force: float
    notes: list[NoteDiagnosis] = field(default_factory=list)
    shop: ShopDragReport | None = None
    reach: ReachExplanation | None = None
    standing: RaceStanding | None = None
    policy_version: str = ""
    weak_points: list[dict[str, Any]] = field(default_factory=list)  # index indicators below the policy line
    teen_index: float | None = None  # for accounts with a teen audience

    def to_dict(self) -> dict[str, Any]:
        return {
            "account": self.account_id,
            "at": self.at.isoformat(),
            "index": None if self.index is None else round(self.index, 1),
            "tier": self.tier.name,
            "coverage": self.coverage,
            "index_weak_points": self.weak_points,
            "teen_index": None if self.teen_index is None else round(self.teen_index, 1),
            "points_in_force": self.points_in_force,
            "sanctions": self.sanctions,
            "notes": [
                {**d.decision.to_dict(), "title": d.note.title, "impressions": d.impressions, "marketing": d.marketing}
                for d in self.notes
            ],
            "shop_drag": self.shop.to_dict() if self.shop else None,
            "reach": self.reach.to_dict() if self.reach else None,
            "horse_race": None if self.standing is None else {
                "category": self.standing.category,
                "rank": self.standing.rank,
                "merchants": self.standing.merchants,
                "cutoff_rank": self.standing.cutoff_rank,
                "gap_to_cutoff": self.standing.gap_to_cutoff,
                "gmv_gap_to_cutoff": self.standing.gmv_gap_to_cutoff,
                "traffic_share": round(self.standing.traffic_share, 6),
                "explanation": self.standing.explain(),
            },
            "policy_version": self.policy_version,
        }


def merchant_sales(database: Database, results: list[dict[str, Any]]) -> list[MerchantSales]:
    """Sales per merchant and product category, from the note results of product notes."""
    with database.session() as session:
        linked = {n.id: n.product_id for n in session.scalars(select(Note).where(Note.product_id.is_not(None)))}
        products = {p.id: p for p in session.scalars(select(Product))}
    totals: dict[tuple[str, str], list[float]] = {}
    for row in results:
        product = products.get(linked.get(row["note_id"], ""))
        if product is None:
            continue
        key = (product.account_id, product.category or "其他")
        bucket = totals.setdefault(key, [0.0, 0, 0])
        bucket[0] += _number(row.get("order_amount")) or 0.0
        bucket[1] += int(row.get("orders") or 0)
        bucket[2] += int(row.get("reads") or 0)
    return [MerchantSales(m, c, gmv, int(orders), int(visits)) for (m, c), (gmv, orders, visits) in sorted(totals.items())]


class TrafficFacts:
    """Reads what decisions need for one instant; data shared by all accounts (the day's note
    results, the horse-race standings) is loaded once."""

    def __init__(self, database: Database, home_root: Path, policy: Policy, at: datetime | None = None):
        self.database = database
        self.home_root = Path(home_root)
        self.policy = policy
        self.at = _aware(at or datetime.now(timezone.utc))
        self._results: list[dict[str, Any]] | None = None
        self._standings: dict[str, list[RaceStanding]] | None = None
        self._listings: dict[str, ListingFact] | None = None

    @property
    def results(self) -> list[dict[str, Any]]:
        if self._results is None:
            self._results = note_results(self.home_root, self.at.date())
        return self._results

    @property
    def standings(self) -> dict[str, list[RaceStanding]]:
        if self._standings is None:
            self._standings = race_all(merchant_sales(self.database, self.results), self.policy)
        return self._standings

    @property
    def listings(self) -> dict[str, ListingFact]:
        """Every product's listing check (引流款), by product id."""
        if self._listings is None:
            from redline.store.listings import listing_verdicts

            self._listings = listing_verdicts(self.database, self.policy)
        return self._listings

    def account_ids(self) -> list[str]:
        with self.database.session() as session:
            return list(session.scalars(select(Account.id).order_by(Account.id)))

    def diagnose(self, account_id: str) -> AccountDiagnosis:
        return _diagnose(self, account_id)


def diagnose_account(database: Database, home_root: Path, policy: Policy, account_id: str, at: datetime | None = None) -> AccountDiagnosis:
    return TrafficFacts(database, home_root, policy, at).diagnose(account_id)


def _diagnose(facts_source: TrafficFacts, account_id: str) -> AccountDiagnosis:
    database, policy, at = facts_source.database, facts_source.policy, facts_source.at
    with database.session() as session:
        account = session.get(Account, account_id)
        if account is None:
            raise NotFoundError(f"没有这个账号：{account_id}")
        since = at - timedelta(days=policy.traffic.diagnose_recent_days)
        notes = list(
            session.scalars(
                select(Note).where(Note.account_id == account_id, Note.published_at <= at).order_by(Note.published_at.desc())
            )
        )
        notes = [n for n in notes if _aware(n.published_at) >= since]
        checks = {c.note_id: c for c in session.scalars(select(NoteCheck).where(NoteCheck.note_id.in_([n.id for n in notes])))}
        pending = set(
            session.scalars(
                select(ReviewItem.note_id).where(
                    ReviewItem.account_id == account_id, ReviewItem.origin == "reports", ReviewItem.stage == "first", ReviewItem.created <= at
                )
            )
        )
        decided = set(
            session.scalars(select(ReviewItem.note_id).where(ReviewItem.account_id == account_id, ReviewItem.stage != "first"))
        )
        histories = {n.id: product_history(session, n) for n in notes}

    stored = latest_index(database, account_id, at.date())
    index = stored.health_index if stored else None
    tier = tier_for(index, policy)
    state = account_state(database, policy, account_id, at, account_index=index)
    sanctions = _sanction_facts(state.sanctions)
    results = {row["note_id"]: row for row in facts_source.results if row["account_id"] == account_id}
    checker = checker_for(policy)
    science_categories = {c.lower() for c in policy.traffic.science_fund_categories}

    diagnosis = AccountDiagnosis(
        account_id, at, index, tier, stored.coverage if stored else None,
        [s.to_dict() for s in state.sanctions], round(state.standing.points, 2), policy_version=policy.version,
    )
    reach_rows: list[NoteReach] = []
    marketing_rows: list[NoteMarketing] = []
    marketing_of = {
        note.id: checker.check(CheckRequest(text=note.body, title=note.title, kind="note", disclosed=note.disclosed)).scores.get("marketing")
        for note in notes
    }
    if account.teen_audience:
        diagnosis.teen_index = teen_index(
            [
                TeenNote(
                    note.category or "",
                    _number(results.get(note.id, {}).get("index")),
                    marketing_of[note.id] or 0.0,
                    frozenset(str(f.get("rule", "")).split(".", 1)[0] for f in (checks[note.id].findings if note.id in checks else [])),
                )
                for note in notes
            ],
            policy,
        )
    for note in notes:
        row = results.get(note.id, {})
        check = checks.get(note.id)
        rules = {f.get("rule") for f in (check.findings if check else [])}
        marketing = marketing_of[note.id]
        originality = _number(row.get("originality"))
        reports = int(row.get("reports_24h_max") or 0)
        facts = NoteFacts(
            note_id=note.id,
            published_at=_aware(note.published_at),
            category=note.category or "",
            chars=int(row.get("text_chars") or (check.text_chars if check else len(note.body))),
            is_science="substance.science_no_source" in rules or (note.category or "").lower() in science_categories,
            science_has_source="substance.science_no_source" not in rules,
            duplicate_ratio=None if originality is None else 1.0 - originality,
            originality=originality,
            interaction_rate=_number(row.get("interaction_rate")),
            dwell_ratio=_number(row.get("dwell_ratio")),
            quality_score=_number(row.get("dim_quality")),
            under_review=note.id in pending or (reports >= policy.signals.reports_for_review and note.id not in decided),
            marketing=marketing,
            product_history=tuple(histories[note.id]),
            listing=_listing_at(histories[note.id], at, facts_source.listings),
            teen_audience=bool(account.teen_audience),
            teen_index=diagnosis.teen_index,
        )
        decision = decide_note(facts, tier, sanctions, at, policy)
        impressions = row.get("impressions")
        diagnosis.notes.append(NoteDiagnosis(note, decision, impressions, marketing))
        if impressions is not None:
            # A note whose pool changed (attached or detached after publication) mixes both
            # pools' reach: it is neither side of the shop-drag comparison.
            timeline = pool_timeline(_aware(note.published_at), [e for e in facts.product_history if e.at <= at])
            pool = timeline[0].pool if len(timeline) == 1 else "mixed"
            reach_rows.append(NoteReach(note.id, pool, int(impressions)))
            published = _aware(note.published_at)
            throttled = any(
                s.kind in ("throttle", "demotion", "mute") and s.note_id in (None, note.id)
                and s.start <= published + timedelta(days=1) and (s.end is None or s.end > published)
                for s in sanctions
            )
            marketing_rows.append(NoteMarketing(note.id, marketing or 0.0, int(impressions), throttled))

    own = [s for category in facts_source.standings.values() for s in category if s.merchant_id == account_id]
    diagnosis.standing = max(own, key=lambda s: s.traffic_share) if own else None
    if account.has_shop or any(r.pool == "commerce" for r in reach_rows):
        s = diagnosis.standing
        diagnosis.shop = shop_drag(account_id, reach_rows, s.traffic_share if s else None, s.rank if s else None, s.merchants if s else None,
                                    policy.traffic.shop_drag_min_gap)
    diagnosis.reach = explain_reach(marketing_rows, policy)
    details = (read_account_details(facts_source.home_root, account_id, stored.day) or stored.details) if stored else None
    diagnosis.weak_points = weak_points(details, policy)
    return diagnosis


def weak_points(details: dict[str, Any] | None, policy: Policy) -> list[dict[str, Any]]:
    """The stored index's indicators below the policy line, weakest first: what pulls the tier
    down even when no note is throttled (inactive fans, bought likes, little interaction)."""
    from redline.health.model import INDICATOR_BY_CODE

    indicators = (details or {}).get("indicators") or {}
    line = policy.traffic.diagnose_weak_indicator_below
    weak = [
        {"indicator": code, "label": INDICATOR_BY_CODE[code].name, "score": round(float(score), 1)}
        for code, score in indicators.items()
        if score is not None and code in INDICATOR_BY_CODE and float(score) < line
    ]
    return sorted(weak, key=lambda w: (w["score"], w["indicator"]))
