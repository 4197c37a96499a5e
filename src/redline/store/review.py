"""The review queue: enqueueing (reports, flagged findings, by hand), claims, decisions, stats.

Claims: on PostgreSQL `SELECT … FOR UPDATE SKIP LOCKED` picks the oldest claimable item that no
other transaction is looking at, so reviewers never wait on each other or get the same item; on
SQLite the claim is one serialised write transaction. A claim expires after the policy's
timeout, and the item returns to the queue. Decisions: the item row is locked, the claim
checked, and the unique (item, round) constraint makes a second decision impossible even if
the checks were bypassed. A "violation" decision appends the ledger entry in the same
transaction, so a decision and its entry exist together or not at all.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from sqlalchemy import Connection, and_, case, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError

from redline.errors import ConflictError, InputError, NotFoundError
from redline.ledger.consistency import ReviewPair, agreement, selected_for_second_review
from redline.ledger.entries import as_utc
from redline.ledger.reports import report_triggers
from redline.ledger.rules import consequence_of, points_for
from redline.policy import Policy
from redline.store.database import Database
from redline.store.ledger import NOTES, append_entry, require_account, utc_now, write_transaction
from redline.store.ledger_tables import NoteReport, ReviewDecision, ReviewItem

ITEMS = ReviewItem.__table__
DECISIONS = ReviewDecision.__table__
REPORTS = NoteReport.__table__

Verdict = Literal["violation", "clear"]
VERDICT_NAMES = {"violation": "违规", "clear": "不违规"}


@dataclass(frozen=True, slots=True)
class QueueItem:
    id: int
    account_id: str
    note_id: str | None
    rule: str | None
    origin: str
    reason: str
    evidence: Mapping[str, Any]
    created: datetime
    stage: str
    claimed_by: str | None
    claimed_until: datetime | None

    def to_dict(self, *, blind: bool = False) -> dict[str, Any]:
        return {
            "id": self.id,
            "account_id": self.account_id,
            "note_id": self.note_id,
            "rule": self.rule,
            "origin": self.origin,
            "reason": self.reason,
            "evidence": dict(self.evidence),
            "created": self.created.isoformat(),
            "stage": self.stage,
            "round": 2 if self.stage == "second" else 1,
            "claimed_by": self.claimed_by,
            "claimed_until": self.claimed_until.isoformat() if self.claimed_until else None,
        }


def _item(row: Any) -> QueueItem:
    return QueueItem(
        id=row.id,
        account_id=row.account_id,
        note_id=row.note_id,
        rule=row.rule,
        origin=row.origin,
        reason=row.reason,
        evidence=row.evidence or {},
        created=as_utc(row.created),
        stage=row.stage,
        claimed_by=row.claimed_by,
        claimed_until=as_utc(row.claimed_until) if row.claimed_until else None,
    )


def _insert_ignore(connection: Connection, table: Any, values: list[dict[str, Any]]) -> None:
    if not values:
        return
    insert = pg_insert if connection.dialect.name == "postgresql" else sqlite_insert
    connection.execute(insert(table).values(values).on_conflict_do_nothing())


def enqueue_in(
    connection: Connection,
    policy: Policy,
    *,
    dedupe_key: str,
    account_id: str,
    note_id: str | None,
    rule: str | None,
    origin: str,
    reason: str,
    evidence: Mapping[str, Any],
    created: datetime,
) -> QueueItem:
    """Queue an item inside the caller's transaction; an existing item with the key is returned."""
    values = {
        "dedupe_key": dedupe_key,
        "account_id": account_id,
        "note_id": note_id,
        "rule": rule,
        "origin": origin,
        "reason": reason,
        "evidence": dict(evidence),
        "created": created,
        "stage": "first",
        "second_review": selected_for_second_review(dedupe_key, policy.ledger.review.second_review_share),
        "policy_version": policy.version,
    }
    _insert_ignore(connection, ITEMS, [values])
    return _item(connection.execute(select(ITEMS).where(ITEMS.c.dedupe_key == dedupe_key)).one())


def note_owner(connection: Connection, note_id: str) -> str:
    owner = connection.execute(select(NOTES.c.account_id).where(NOTES.c.id == note_id)).scalar()
    if owner is None:
        raise NotFoundError(f"笔记 `{note_id}` 不存在")
    return owner


def enqueue(
    database: Database,
    policy: Policy,
    *,
    reason: str,
    note_id: str | None = None,
    account_id: str | None = None,
    rule: str | None = None,
    origin: str = "manual",
    evidence: Mapping[str, Any] | None = None,
    at: datetime | None = None,
    dedupe_key: str | None = None,
) -> QueueItem:
    """Put a note (or an account) in the review queue by hand or from a flagged finding."""
    if not reason.strip():
        raise InputError("送审必须写明原因（--reason）")
    if rule is not None:
        consequence_of(rule, policy.ledger)  # validates
    created = as_utc(at) if at is not None else utc_now()
    with write_transaction(database) as connection:
        if note_id is not None:
            owner = note_owner(connection, note_id)
            if account_id is not None and account_id != owner:
                raise InputError(f"笔记 `{note_id}` 属于账号 `{owner}`，不属于 `{account_id}`")
            account_id = owner
        if account_id is None:
            raise InputError("送审需要 --note 或 --account")
        require_account(connection, account_id)
        key = dedupe_key or f"{origin}:{note_id or account_id}:{rule or ''}:{created.isoformat()}"
        return enqueue_in(
            connection,
            policy,
            dedupe_key=key,
            account_id=account_id,
            note_id=note_id,
            rule=rule,
            origin=origin,
            reason=reason,
            evidence=evidence or {},
            created=created,
        )


def enqueue_findings(
    database: Database,
    policy: Policy,
    findings: Iterable[Any],
    *,
    note_id: str,
    at: datetime | None = None,
) -> list[QueueItem]:
    """Queue the findings (checks.Finding or dicts) whose rule the policy marks for human review.

    Idempotent: the same finding on the same note is queued once."""
    from redline.ledger.rules import needs_human_review

    items: list[QueueItem] = []
    for finding in findings:
        data = finding.to_dict() if hasattr(finding, "to_dict") else dict(finding)
        rule = str(data.get("rule", ""))
        if data.get("severity", "violation") != "violation" or not needs_human_review(rule, policy.ledger):
            continue
        key = f"algorithm:{note_id}:{rule}:{data.get('field', 'text')}:{data.get('start')}:{data.get('end')}"
        items.append(
            enqueue(
                database,
                policy,
                reason=f"算法命中 {rule}：{data.get('excerpt', '')}",
                note_id=note_id,
                rule=rule,
                origin="algorithm",
                evidence={"finding": data},
                at=at,
                dedupe_key=key,
            )
        )
    return items


ReportRow = tuple[str, datetime] | tuple[str, datetime, str]


def enqueue_reported_notes(
    database: Database,
    reports: Iterable[ReportRow],
    policy: Policy | None = None,
    *,
    unknown: Literal["error", "skip"] = "error",
) -> list[QueueItem]:
    """Store valid reports — (note_id, reported_at[, reporter]) rows — and queue every note whose
    reports reach `[signals] reports_for_review` within `reports_window_hours`.

    Reports are kept, so reports arriving in separate batches add up; re-ingesting the same
    reports changes nothing. Unknown notes are an error naming them (nothing is stored), or are
    skipped with `unknown="skip"`. Returns the items created by this call."""
    from redline.policy import default_policy

    policy = policy or default_policy()
    rows: list[dict[str, Any]] = []
    for number, report in enumerate(reports, 1):
        if not isinstance(report, (tuple, list)) or len(report) not in (2, 3):
            raise InputError(f"第 {number} 条举报格式错误：应为 (笔记ID, 举报时间[, 举报人])")
        note_id, when = report[0], report[1]
        reporter = report[2] if len(report) == 3 else ""
        if not isinstance(note_id, str) or not note_id:
            raise InputError(f"第 {number} 条举报缺少笔记 ID")
        if not isinstance(when, datetime):
            raise InputError(f"第 {number} 条举报的时间不是日期时间：{when!r}")
        rows.append({"note_id": note_id, "reported_at": as_utc(when), "reporter": str(reporter or "")})
    if not rows:
        return []
    signals = policy.signals
    created: list[QueueItem] = []
    with write_transaction(database) as connection:
        note_ids = sorted({r["note_id"] for r in rows})
        owners = dict(connection.execute(select(NOTES.c.id, NOTES.c.account_id).where(NOTES.c.id.in_(note_ids))).all())
        missing = [n for n in note_ids if n not in owners]
        if missing and unknown == "error":
            shown = "、".join(missing[:10]) + ("…" if len(missing) > 10 else "")
            raise NotFoundError(f"{len(missing)} 条被举报的笔记不存在：{shown}；未写入任何举报")
        rows = [r for r in rows if r["note_id"] in owners]
        for start in range(0, len(rows), 500):
            _insert_ignore(connection, REPORTS, rows[start : start + 500])
        for note_id in sorted({r["note_id"] for r in rows}):
            stored = connection.execute(
                select(REPORTS.c.reported_at, REPORTS.c.reporter).where(REPORTS.c.note_id == note_id)
            ).all()
            pairs = [(when, who) for when, who in stored]
            for moment in report_triggers(pairs, signals.reports_for_review, signals.reports_window_hours):
                key = f"reports:{note_id}:{moment.isoformat()}"
                if connection.execute(select(ITEMS.c.id).where(ITEMS.c.dedupe_key == key)).first():
                    continue
                created.append(
                    enqueue_in(
                        connection,
                        policy,
                        dedupe_key=key,
                        account_id=owners[note_id],
                        note_id=note_id,
                        rule=policy.ledger.review.report_rule,
                        origin="reports",
                        reason=f"{signals.reports_window_hours} 小时内收到 ≥ {signals.reports_for_review} 次有效举报",
                        evidence={"triggered_at": moment.isoformat()},
                        created=moment,
                    )
                )
    return created


def claim_next(
    database: Database,
    policy: Policy,
    reviewer: str,
    *,
    second: bool = False,
    now: datetime | None = None,
) -> QueueItem | None:
    """Claim the oldest claimable item (first decisions, or blind second reviews with `second`).

    A reviewer who already holds an unexpired claim gets that item back. None when the queue
    is empty."""
    reviewer = _reviewer(reviewer)
    now = as_utc(now) if now is not None else utc_now()
    until = now + timedelta(minutes=policy.ledger.review.claim_timeout_minutes)
    stage = "second" if second else "first"
    with write_transaction(database) as connection:
        held = connection.execute(
            select(ITEMS).where(ITEMS.c.stage == stage, ITEMS.c.claimed_by == reviewer, ITEMS.c.claimed_until > now)
        ).first()
        if held is not None:
            return _item(held)
        query = (
            select(ITEMS)
            .where(
                ITEMS.c.stage == stage,
                or_(ITEMS.c.claimed_until.is_(None), ITEMS.c.claimed_until <= now),
            )
            .order_by(ITEMS.c.created, ITEMS.c.id)
            .limit(1)
        )
        if second:  # blind: never your own first decision
            query = query.where(ITEMS.c.first_reviewer != reviewer)
        if connection.dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        row = connection.execute(query).first()
        if row is None:
            return None
        claimed = connection.execute(
            update(ITEMS).where(ITEMS.c.id == row.id).values(claimed_by=reviewer, claimed_until=until).returning(*ITEMS.c)
        ).one()
        return _item(claimed)


def release(database: Database, item_id: int, reviewer: str) -> None:
    """Give a claimed item back to the queue."""
    reviewer = _reviewer(reviewer)
    with write_transaction(database) as connection:
        row = _locked_item(connection, item_id)
        if row.claimed_by != reviewer:
            raise ConflictError(f"审核项 #{item_id} 不在 {reviewer} 名下，无法释放")
        connection.execute(update(ITEMS).where(ITEMS.c.id == item_id).values(claimed_by=None, claimed_until=None))


@dataclass(frozen=True, slots=True)
class DecisionOutcome:
    decision_id: int
    item_id: int
    round: int
    verdict: str
    rule: str | None
    entry_id: int | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "decision_id": self.decision_id,
            "item_id": self.item_id,
            "round": self.round,
            "verdict": self.verdict,
            "rule": self.rule,
            "entry_id": self.entry_id,
        }


def _reviewer(reviewer: str) -> str:
    reviewer = (reviewer or "").strip()
    if not reviewer:
        raise InputError("需要审核员名（--reviewer）")
    return reviewer


def _locked_item(connection: Connection, item_id: int) -> Any:
    query = select(ITEMS).where(ITEMS.c.id == item_id)
    if connection.dialect.name == "postgresql":
        query = query.with_for_update()
    row = connection.execute(query).first()
    if row is None:
        raise NotFoundError(f"审核项 #{item_id} 不存在")
    return row


def decide(
    database: Database,
    policy: Policy,
    item_id: int,
    reviewer: str,
    verdict: str,
    *,
    reason: str,
    rule: str | None = None,
    points: float | None = None,
    now: datetime | None = None,
) -> DecisionOutcome:
    """Decide a claimed item. A first-round "violation" appends the ledger entry (source
    report_review or review) in the same transaction; a second-round decision is the blind
    check and only measures consistency."""
    reviewer = _reviewer(reviewer)
    if verdict not in ("violation", "clear"):
        raise InputError(f"审核结论只能是 violation（违规）或 clear（不违规），收到 `{verdict}`")
    if not reason.strip():
        raise InputError("审核结论必须写明理由（--reason）")
    explicit_time = now is not None
    now = as_utc(now) if now is not None else utc_now()
    with write_transaction(database) as connection:
        row = _locked_item(connection, item_id)
        if row.stage == "done":
            raise ConflictError(f"审核项 #{item_id} 已经裁决，不能重复裁决")
        round_ = 2 if row.stage == "second" else 1
        if row.claimed_by != reviewer:
            holder = f"由 {row.claimed_by} 领取" if row.claimed_by else "尚未被领取"
            raise ConflictError(f"审核项 #{item_id} {holder}；请先用 `redline review next` 领取后再裁决")
        if row.claimed_until is not None and as_utc(row.claimed_until) <= now:
            raise ConflictError(f"审核员 {reviewer} 对审核项 #{item_id} 的领取已过期，请重新领取")
        confirmed_rule = None
        cost = None
        if verdict == "violation":
            confirmed_rule = (rule or row.rule or "").strip()
            if not confirmed_rule:
                raise InputError(f"审核项 #{item_id} 没有建议规则：判定违规时请用 --rule 指明规则")
            consequence_of(confirmed_rule, policy.ledger)
            cost = points_for(confirmed_rule, policy.ledger, points)
        entry_id = None
        if verdict == "violation" and round_ == 1:
            entry = append_entry(
                connection,
                policy,
                account_id=row.account_id,
                kind="deduction",
                rule=confirmed_rule,
                points=cost,
                # In real time the entry is stamped once the account lock is held, so
                # concurrent writers to one account append in time order.
                created=now if explicit_time else None,
                note_id=row.note_id,
                source="report_review" if row.origin == "reports" else "review",
                reason=reason,
                evidence={"review_item": item_id, "origin": row.origin, "item_reason": row.reason},
                actor=reviewer,
            )
            entry_id = entry.id
        try:
            decision_id = connection.execute(
                DECISIONS.insert()
                .values(
                    item_id=item_id,
                    round=round_,
                    reviewer=reviewer,
                    verdict=verdict,
                    rule=confirmed_rule,
                    reason=reason,
                    decided_at=now,
                    entry_id=entry_id,
                )
                .returning(DECISIONS.c.id)
            ).scalar_one()
        except IntegrityError as exc:
            raise ConflictError(f"审核项 #{item_id} 第 {round_} 轮已经裁决，不能重复裁决") from exc
        next_stage = "second" if round_ == 1 and row.second_review else "done"
        connection.execute(
            update(ITEMS)
            .where(ITEMS.c.id == item_id)
            .values(
                stage=next_stage,
                claimed_by=None,
                claimed_until=None,
                first_reviewer=reviewer if round_ == 1 else row.first_reviewer,
            )
        )
        return DecisionOutcome(decision_id, item_id, round_, verdict, confirmed_rule, entry_id)


def queue_counts(database: Database, now: datetime | None = None) -> dict[str, int]:
    now = as_utc(now) if now is not None else utc_now()
    with database.engine.connect() as connection:
        rows = connection.execute(
            select(
                ITEMS.c.stage,
                func.count().label("n"),
                func.sum(case((ITEMS.c.claimed_until > now, 1), else_=0)).label("claimed"),
            ).group_by(ITEMS.c.stage)
        ).all()
    counts = {"first": 0, "second": 0, "done": 0, "claimed": 0}
    for stage, n, claimed in rows:
        counts[stage] = n
        if stage != "done":
            counts["claimed"] += int(claimed or 0)
    return counts


def review_pairs(database: Database) -> list[ReviewPair]:
    first = DECISIONS.alias("first")
    second = DECISIONS.alias("second")
    with database.engine.connect() as connection:
        rows = connection.execute(
            select(
                ITEMS.c.id,
                ITEMS.c.rule.label("item_rule"),
                first.c.reviewer.label("r1"),
                first.c.verdict.label("v1"),
                first.c.rule.label("rule1"),
                second.c.reviewer.label("r2"),
                second.c.verdict.label("v2"),
                second.c.rule.label("rule2"),
            )
            .join(first, and_(first.c.item_id == ITEMS.c.id, first.c.round == 1))
            .join(second, and_(second.c.item_id == ITEMS.c.id, second.c.round == 2))
            .order_by(ITEMS.c.id)
        ).all()
    return [
        ReviewPair(
            item_id=r.id,
            rule=r.rule1 or r.item_rule or "",
            first_reviewer=r.r1,
            first_verdict=r.v1,
            first_rule=r.rule1,
            second_reviewer=r.r2,
            second_verdict=r.v2,
            second_rule=r.rule2,
        )
        for r in rows
    ]


def review_stats(database: Database, now: datetime | None = None) -> dict[str, Any]:
    """Queue sizes, decisions per reviewer, and second-review agreement per reviewer and rule."""
    with database.engine.connect() as connection:
        per_reviewer = connection.execute(
            select(DECISIONS.c.reviewer, DECISIONS.c.verdict, func.count())
            .where(DECISIONS.c.round == 1)
            .group_by(DECISIONS.c.reviewer, DECISIONS.c.verdict)
        ).all()
    decisions: dict[str, dict[str, int]] = {}
    for name, verdict, n in per_reviewer:
        decisions.setdefault(name, {"violation": 0, "clear": 0})[verdict] = n
    return {
        "queue": queue_counts(database, now),
        "decisions": dict(sorted(decisions.items())),
        "consistency": agreement(review_pairs(database)),
    }


def open_items(database: Database, *, limit: int = 50) -> list[QueueItem]:
    """Items still waiting for a first decision or a second review, oldest first."""
    if limit < 1:
        raise InputError(f"--limit 必须是正整数，收到 {limit}")
    with database.engine.connect() as connection:
        rows = connection.execute(
            select(ITEMS).where(ITEMS.c.stage != "done").order_by(ITEMS.c.created, ITEMS.c.id).limit(limit)
        ).all()
    return [_item(row) for row in rows]


def load_item(database: Database, item_id: int) -> QueueItem:
    with database.engine.connect() as connection:
        row = connection.execute(select(ITEMS).where(ITEMS.c.id == item_id)).first()
    if row is None:
        raise NotFoundError(f"审核项 #{item_id} 不存在")
    return _item(row)


def decisions_of(database: Database, item_id: int) -> Sequence[dict[str, Any]]:
    with database.engine.connect() as connection:
        rows = connection.execute(select(DECISIONS).where(DECISIONS.c.item_id == item_id).order_by(DECISIONS.c.round)).all()
    return [
        {
            "round": r.round,
            "reviewer": r.reviewer,
            "verdict": r.verdict,
            "rule": r.rule,
            "reason": r.reason,
            "decided_at": as_utc(r.decided_at).isoformat(),
            "entry_id": r.entry_id,
        }
        for r in rows
    ]
