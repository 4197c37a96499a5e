"""From detector findings on a stored note to the ledger: confirmed at once, or sent to review.

A violation-severity finding whose rule has consequences in `[ledger.rules]` either becomes a
deduction right away (source `algorithm`) or, when the policy marks the rule `human_review`,
a review item. Each finding is keyed by note, rule and place, so routing the same check again
deducts nothing twice and queues nothing twice. Everything happens in one transaction.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from redline.checks import CheckResult, check_text
from redline.errors import InputError, NotFoundError
from redline.ledger.entries import Entry, as_utc
from redline.ledger.rules import needs_human_review
from redline.policy import Policy
from redline.store.database import Database
from redline.store.entities import Account, Note, Product
from redline.store.ledger import ENTRIES, append_entry, lock_account, utc_now, write_transaction
from redline.store.review import QueueItem, enqueue_in, note_owner


@dataclass(frozen=True, slots=True)
class RoutedFindings:
    note_id: str
    account_id: str
    entries: tuple[Entry, ...]  # deductions recorded now
    queued: tuple[QueueItem, ...]  # review items (created now or earlier for the same finding)
    already: tuple[int, ...]  # entries recorded earlier for the same findings
    ignored: tuple[str, ...]  # rules of findings that are not violations or carry no consequence

    def to_dict(self) -> dict[str, Any]:
        return {
            "note_id": self.note_id,
            "account_id": self.account_id,
            "entries": [e.to_dict() for e in self.entries],
            "queued": [i.to_dict() for i in self.queued],
            "already_recorded": list(self.already),
            "ignored": list(self.ignored),
        }


def _finding_dict(finding: Any) -> dict[str, Any]:
    data = finding.to_dict() if hasattr(finding, "to_dict") else finding
    if not isinstance(data, dict) or not isinstance(data.get("rule"), str):
        raise InputError(f"不是检测结果中的 finding（需要 rule 字段）：{str(finding)[:80]}")
    return dict(data)


def route_findings(
    database: Database, policy: Policy, findings: Iterable[Any], *, note_id: str, at: datetime | None = None
) -> RoutedFindings:
    """Record or queue the findings of a check on the stored note `note_id`."""
    items = [_finding_dict(f) for f in findings]
    created = as_utc(at) if at is not None else None
    entries: list[Entry] = []
    queued: list[QueueItem] = []
    already: list[int] = []
    ignored: list[str] = []
    with write_transaction(database) as connection:
        account_id = note_owner(connection, note_id)
        lock_account(connection, account_id)  # one writer per account while we decide
        for data in items:
            rule = data["rule"]
            key_rule = policy.ledger.rule_key(rule)
            if data.get("severity", "violation") != "violation" or key_rule is None:
                ignored.append(rule)
                continue
            key = f"finding:{note_id}:{rule}:{data.get('field', 'text')}:{data.get('start')}:{data.get('end')}"
            if needs_human_review(rule, policy.ledger):
                queued.append(
                    enqueue_in(
                        connection,
                        policy,
                        dedupe_key=key,
                        account_id=account_id,
                        note_id=note_id,
                        rule=rule,
                        origin="algorithm",
                        reason=f"算法命中 {rule}：{data.get('excerpt', '')}",
                        evidence={"finding": data},
                        created=created or utc_now(),
                    )
                )
                continue
            existing = connection.execute(select(ENTRIES.c.id).where(ENTRIES.c.dedupe_key == key)).scalar()
            if existing is not None:
                already.append(existing)
                continue
            entries.append(
                append_entry(
                    connection,
                    policy,
                    account_id=account_id,
                    kind="deduction",
                    rule=rule,
                    points=policy.ledger.rules[key_rule].points,
                    created=created,
                    note_id=note_id,
                    source="algorithm",
                    reason=f"算法确认：{data.get('excerpt', '')}",
                    evidence={"rule_key": key_rule, "finding": data},
                    dedupe_key=key,
                )
            )
    return RoutedFindings(note_id, account_id, tuple(entries), tuple(queued), tuple(already), tuple(ignored))


def check_stored_note(database: Database, policy: Policy, note_id: str) -> CheckResult:
    """Run the pre-publish checks on a stored note with what the store knows about it."""
    with database.session() as session:
        note = session.get(Note, note_id)
        if note is None:
            raise NotFoundError(f"笔记 `{note_id}` 不存在")
        account = session.get(Account, note.account_id)
        product = session.get(Product, note.product_id) if note.product_id else None
        request = {
            "title": note.title or "",
            "kind": "note",
            "category": note.category or None,
            "credentials": frozenset(account.credentials or []) if account else frozenset(),
            "disclosed": bool(note.disclosed),
            "price": product.price if product else None,
            "product_attached": product is not None,
            "text": note.body or "",
        }
    return check_text(request.pop("text"), policy, **request)
