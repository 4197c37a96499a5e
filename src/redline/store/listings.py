"""Product-listing checks (引流款) and what they feed: the ledger and the shop's commerce traffic.

A listing is checked as `kind="product"` with its price (`price.floor` at or below the floor,
`price.risk` below the risk line, diversion cues in its description). Violation findings whose
rule has consequences in `[ledger.rules]` are routed to the merchant's ledger when the products
are loaded (`redline ingest products`) or re-checked (`redline products check`): a rule the
policy marks `human_review` goes to the review queue, any other becomes a deduction with the
points the check gave (a floor price with diversion cues costs more). Each finding is keyed by
product, rule, price and place, so checking the same listing again records nothing twice; a
changed price is a new listing and is judged again.

Traffic reads the same verdict (`listing_verdicts`) when it decides the shop's product notes.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from redline.checks import CheckRequest, CheckResult, checker_for
from redline.errors import NotFoundError
from redline.ledger.entries import Entry, as_utc
from redline.ledger.rules import needs_human_review
from redline.policy import Policy
from redline.store.database import Database
from redline.store.entities import Product
from redline.store.ledger import ENTRIES, append_entry, lock_account, utc_now, write_transaction
from redline.store.review import QueueItem, enqueue_in
from redline.traffic.decision import ListingFact

PRICE_RULES = ("price.floor", "price.risk")


def check_listing(product: Product, policy: Policy) -> CheckResult:
    return checker_for(policy).check(
        CheckRequest(text=product.description or "", title=product.title or "", kind="product", category=product.category or None, price=float(product.price))
    )


def listing_fact(product: Product, result: CheckResult) -> ListingFact:
    """The strongest price finding of a listing (floor before risk), for traffic decisions."""
    price_findings = [f for f in result.findings if f.rule in PRICE_RULES]
    price_findings.sort(key=lambda f: PRICE_RULES.index(f.rule))
    top = price_findings[0] if price_findings else None
    cues = tuple(dict.fromkeys(f.excerpt for f in result.findings if f.family == "diversion"))
    return ListingFact(product.id, float(product.price), top.rule if top else None, top.severity if top else None, top.evidence if top else "", cues)


def listing_verdicts(database: Database, policy: Policy, product_ids: Iterable[str] | None = None) -> dict[str, ListingFact]:
    with database.session() as session:
        query = select(Product)
        if product_ids is not None:
            query = query.where(Product.id.in_(list(product_ids)))
        products = list(session.scalars(query))
    return {p.id: listing_fact(p, check_listing(p, policy)) for p in products}


@dataclass(frozen=True, slots=True)
class RoutedListing:
    product_id: str
    account_id: str
    price: float
    verdict: str
    rules: tuple[str, ...]
    entries: tuple[Entry, ...]
    queued: tuple[QueueItem, ...]
    already: tuple[int, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "product_id": self.product_id,
            "account_id": self.account_id,
            "price": self.price,
            "verdict": self.verdict,
            "rules": list(self.rules),
            "entries": [e.to_dict() for e in self.entries],
            "queued": [q.to_dict() for q in self.queued],
            "already_recorded": list(self.already),
        }


def route_listings(database: Database, policy: Policy, product_ids: Iterable[str] | None = None, at: datetime | None = None) -> list[RoutedListing]:
    """Check listings and route their violations to the ledger (all of them when `product_ids`
    is None). `at` is when the violation is recorded; by default the listing's own time, or
    now when the merchant's ledger already holds later entries (the ledger only appends)."""
    with database.session() as session:
        query = select(Product).order_by(Product.id)
        if product_ids is not None:
            wanted = sorted(set(product_ids))
            query = query.where(Product.id.in_(wanted))
        products = list(session.scalars(query))
        session.expunge_all()
    if product_ids is not None:
        missing = set(wanted) - {p.id for p in products}
        if missing:
            raise NotFoundError(f"没有这些商品：{', '.join(sorted(missing)[:5])}")
    routed = []
    for product in products:
        result = check_listing(product, policy)
        routed.append(_route_one(database, policy, product, result, at))
    return routed


def _route_one(database: Database, policy: Policy, product: Product, result: CheckResult, at: datetime | None) -> RoutedListing:
    entries: list[Entry] = []
    queued: list[QueueItem] = []
    already: list[int] = []
    rules = tuple(f.rule for f in result.findings)
    with write_transaction(database) as connection:
        state = lock_account(connection, product.account_id)
        wanted = as_utc(at) if at is not None else (as_utc(product.created_at) if product.created_at else None)
        if wanted is not None and state.last_created is not None and wanted < as_utc(state.last_created):
            wanted = None  # would be backdated before recorded entries: record it now instead
        for finding in result.findings:
            key_rule = policy.ledger.rule_key(finding.rule)
            if finding.severity != "violation" or key_rule is None:
                continue
            data = finding.to_dict()
            key = f"listing:{product.id}:{product.price:g}:{finding.rule}:{finding.field}:{finding.start}:{finding.end}"
            reason = f"商品「{product.title}」（¥{product.price:g}）：{finding.evidence}"
            evidence = {"rule_key": key_rule, "product_id": product.id, "price": product.price, "finding": data}
            if needs_human_review(finding.rule, policy.ledger):
                queued.append(enqueue_in(
                    connection, policy, dedupe_key=key, account_id=product.account_id, note_id=None, rule=finding.rule,
                    origin="algorithm", reason=f"算法命中 {finding.rule}：{reason}", evidence=evidence, created=wanted or utc_now(),
                ))
                continue
            existing = connection.execute(select(ENTRIES.c.id).where(ENTRIES.c.dedupe_key == key)).scalar()
            if existing is not None:
                already.append(existing)
                continue
            entries.append(append_entry(
                connection, policy, account_id=product.account_id, kind="deduction", rule=finding.rule,
                points=max(float(finding.points), policy.ledger.rules[key_rule].points), created=wanted,
                source="algorithm", reason=f"算法确认：{reason}", evidence=evidence, dedupe_key=key,
            ))
    return RoutedListing(product.id, product.account_id, float(product.price), result.verdict, rules, tuple(entries), tuple(queued), tuple(already))
