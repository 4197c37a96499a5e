"""The stored ledger: appends under a per-account lock, reversals, appeals, and reads.

Every write happens in one transaction that first locks the account's row in
`ledger_accounts` (PostgreSQL: `SELECT … FOR UPDATE`; SQLite: the whole write transaction is
taken with `BEGIN IMMEDIATE`), so concurrent writers to one account are serialised: sequence
numbers never collide, the time-order check sees every earlier entry, and nobody derives a
sanction from half-written entries. Writes to different accounts do not wait on each other on
PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from redline.errors import ConflictError, InputError, NotFoundError
from redline.ledger.entries import Entry, as_utc
from redline.ledger.points import Standing, standing
from redline.ledger.rules import consequence_of, points_for
from redline.ledger.sanctions import CooperationNote, Sanction, sanction_history, sanctions_in_force
from redline.policy import Policy
from redline.store.database import Database
from redline.store.entities import Account, Note
from redline.store.ledger_tables import LedgerAccount, LedgerAppeal, LedgerEntry

ACCOUNTS = Account.__table__
NOTES = Note.__table__
LEDGER_ACCOUNTS = LedgerAccount.__table__
ENTRIES = LedgerEntry.__table__
APPEALS = LedgerAppeal.__table__


def utc_now() -> datetime:
    return datetime.now(UTC)


@contextmanager
def write_transaction(database: Database) -> Iterator[Connection]:
    """One write transaction. On SQLite it takes the write lock up front (`BEGIN IMMEDIATE`),
    so two writers never both read and then collide when upgrading to write."""
    with database.engine.connect() as connection:
        if connection.dialect.name == "sqlite":
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        try:
            yield connection
        except BaseException:
            connection.rollback()
            raise
        connection.commit()


def account_exists(connection: Connection, account_id: str) -> bool:
    return connection.execute(select(ACCOUNTS.c.id).where(ACCOUNTS.c.id == account_id)).first() is not None


def require_account(connection: Connection, account_id: str) -> None:
    if not account_id or not account_exists(connection, account_id):
        raise NotFoundError(f"账号 `{account_id}` 不存在（请先导入账号）")


def lock_account(connection: Connection, account_id: str) -> Any:
    """Lock the account's ledger row (creating it on first use) and return it."""
    query = select(LEDGER_ACCOUNTS).where(LEDGER_ACCOUNTS.c.account_id == account_id)
    if connection.dialect.name == "postgresql":
        query = query.with_for_update()
    row = connection.execute(query).first()
    if row is not None:  # the common case: one statement
        return row
    require_account(connection, account_id)
    values = {"account_id": account_id, "entry_count": 0, "last_created": None}
    insert = pg_insert if connection.dialect.name == "postgresql" else sqlite_insert
    # Two first writers may race here: ON CONFLICT lets the second wait for the first and
    # then lock the row the first created.
    connection.execute(insert(LEDGER_ACCOUNTS).values(values).on_conflict_do_nothing())
    return connection.execute(query).one()


def _row_to_entry(row: Any) -> Entry:
    return Entry(
        id=row.id,
        account_id=row.account_id,
        kind=row.kind,
        rule=row.rule,
        points=row.points,
        created=as_utc(row.created),
        note_id=row.note_id,
        reverses=row.reverses,
        source=row.source,
        reason=row.reason,
        evidence=row.evidence or {},
        policy_version=row.policy_version,
        actor=row.actor,
        seq=row.seq,
    )


def append_entry(
    connection: Connection,
    policy: Policy,
    *,
    account_id: str,
    kind: str,
    rule: str,
    points: float,
    created: datetime | None,
    note_id: str | None = None,
    reverses: int | None = None,
    source: str = "manual",
    reason: str = "",
    evidence: Mapping[str, Any] | None = None,
    actor: str = "",
    dedupe_key: str | None = None,
) -> Entry:
    """Append one entry inside the caller's transaction, after locking the account."""
    state = lock_account(connection, account_id)
    now = utc_now()
    created = as_utc(created) if created is not None else now
    if state.last_created is not None:
        latest = as_utc(state.last_created)
        tolerance = timedelta(seconds=policy.ledger.backdate_tolerance_seconds)
        if created < latest - tolerance:
            raise InputError(
                f"时间 {created.isoformat()} 早于账号 `{account_id}` 的最近一条记录"
                f"（{latest.isoformat()}）；台账只能按时间顺序追加，过去的结论不能被改写"
            )
    seq = state.entry_count + 1
    values = {
        "account_id": account_id,
        "seq": seq,
        "kind": kind,
        "rule": rule,
        "points": float(points),
        "note_id": note_id,
        "reverses": reverses,
        "source": source,
        "reason": reason,
        "evidence": dict(evidence or {}),
        "policy_version": policy.version,
        "actor": actor,
        "created": created,
        "recorded": now,
    }
    entry_id = connection.execute(
        ENTRIES.insert().values(**values, dedupe_key=dedupe_key).returning(ENTRIES.c.id)
    ).scalar_one()
    latest = created if state.last_created is None else max(created, as_utc(state.last_created))
    connection.execute(
        update(LEDGER_ACCOUNTS)
        .where(LEDGER_ACCOUNTS.c.account_id == account_id)
        .values(entry_count=seq, last_created=latest)
    )
    return Entry(id=entry_id, **{k: v for k, v in values.items() if k not in ("recorded",)})


def _require_note(connection: Connection, note_id: str | None, account_id: str) -> None:
    if note_id is None:
        return
    row = connection.execute(select(NOTES.c.account_id).where(NOTES.c.id == note_id)).first()
    if row is None:
        raise NotFoundError(f"笔记 `{note_id}` 不存在")
    if row.account_id != account_id:
        raise InputError(f"笔记 `{note_id}` 属于账号 `{row.account_id}`，不属于 `{account_id}`")


def record_violation(
    database: Database,
    policy: Policy,
    account_id: str,
    rule: str,
    *,
    note_id: str | None = None,
    at: datetime | None = None,
    points: float | None = None,
    source: str = "manual",
    reason: str = "",
    evidence: Mapping[str, Any] | None = None,
    actor: str = "",
) -> Entry:
    """Record a confirmed violation: a deduction entry under the policy's rules table."""
    if source not in ("algorithm", "report_review", "review", "manual"):
        raise InputError(f"违规记录的来源只能是 algorithm、report_review、review 或 manual，收到 `{source}`")
    key, _ = consequence_of(rule, policy.ledger)
    cost = points_for(rule, policy.ledger, points)
    with write_transaction(database) as connection:
        require_account(connection, account_id)
        _require_note(connection, note_id, account_id)
        return append_entry(
            connection,
            policy,
            account_id=account_id,
            kind="deduction",
            rule=rule.strip(),
            points=cost,
            created=at,
            note_id=note_id,
            source=source,
            reason=reason,
            evidence={"rule_key": key, **dict(evidence or {})},
            actor=actor,
        )


def record_credit(
    database: Database,
    policy: Policy,
    account_id: str,
    *,
    note_id: str | None = None,
    at: datetime | None = None,
    reason: str = "",
    actor: str = "",
) -> Entry:
    """Record compliant behaviour (e.g. a quality science note) that restores points."""
    recovery = policy.ledger.recovery
    with write_transaction(database) as connection:
        require_account(connection, account_id)
        _require_note(connection, note_id, account_id)
        return append_entry(
            connection,
            policy,
            account_id=account_id,
            kind="credit",
            rule=recovery.rule,
            points=recovery.points_per_credit,
            created=at,
            note_id=note_id,
            source="compliance",
            reason=reason or "合规优质内容，逐步恢复分数",
            actor=actor,
        )


def _entry_by_id(connection: Connection, entry_id: int) -> Entry:
    query = select(ENTRIES).where(ENTRIES.c.id == entry_id)
    row = connection.execute(query).first()
    if row is None:
        raise NotFoundError(f"台账记录 #{entry_id} 不存在")
    return _row_to_entry(row)


def _reversal_of(connection: Connection, entry_id: int) -> int | None:
    return connection.execute(select(ENTRIES.c.id).where(ENTRIES.c.reverses == entry_id)).scalar()


def _reverse_locked(
    connection: Connection, policy: Policy, entry_id: int, *, at: datetime | None, reason: str, actor: str, source: str
) -> Entry:
    target = _entry_by_id(connection, entry_id)
    lock_account(connection, target.account_id)  # serialise with other writers of this account
    if target.kind == "reversal":
        raise ConflictError(f"台账记录 #{entry_id} 本身是一条撤销记录，不能再撤销或申诉")
    existing = _reversal_of(connection, entry_id)
    if existing is not None:
        raise ConflictError(f"台账记录 #{entry_id} 已被撤销（撤销记录 #{existing}），不能重复撤销或申诉")
    when = as_utc(at) if at is not None else utc_now()
    if when < target.created:
        raise InputError(f"撤销时间 {when.isoformat()} 早于被撤销记录的时间 {target.created.isoformat()}")
    return append_entry(
        connection,
        policy,
        account_id=target.account_id,
        kind="reversal",
        rule=target.rule,
        points=target.points,
        created=when,
        note_id=target.note_id,
        reverses=entry_id,
        source=source,
        reason=reason,
        evidence={"reversed_entry": entry_id},
        actor=actor,
    )


def reverse_entry(
    database: Database,
    policy: Policy,
    entry_id: int,
    *,
    at: datetime | None = None,
    reason: str,
    actor: str = "",
    source: str = "manual",
) -> Entry:
    """A correction: a new entry that cancels `entry_id` from `at` on (nothing is edited)."""
    if not reason.strip():
        raise InputError("撤销必须写明理由（--reason）")
    with write_transaction(database) as connection:
        return _reverse_locked(connection, policy, entry_id, at=at, reason=reason, actor=actor, source=source)


@dataclass(frozen=True, slots=True)
class AppealOutcome:
    appeal_id: int
    entry_id: int
    decision: str
    reversal: Entry | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "appeal_id": self.appeal_id,
            "entry_id": self.entry_id,
            "decision": self.decision,
            "reversal": self.reversal.to_dict() if self.reversal else None,
        }


def decide_appeal(
    database: Database,
    policy: Policy,
    entry_id: int,
    decision: str,
    *,
    reason: str = "",
    reviewer: str = "",
    at: datetime | None = None,
) -> AppealOutcome:
    """Decide an account's appeal of an entry: `uphold` keeps it; `reverse` appends a reversal,
    which restores the points and lifts every sanction that depended on the entry at once.
    An entry is appealed once; a reversed entry cannot be appealed."""
    if decision not in ("uphold", "reverse"):
        raise InputError(f"申诉结论只能是 uphold（维持）或 reverse（撤销），收到 `{decision}`")
    with write_transaction(database) as connection:
        target = _entry_by_id(connection, entry_id)
        lock_account(connection, target.account_id)
        if target.kind != "deduction":
            raise ConflictError(f"只能对扣分记录申诉；台账记录 #{entry_id} 是{_KIND_NAMES[target.kind]}")
        previous = connection.execute(select(APPEALS).where(APPEALS.c.entry_id == entry_id)).first()
        if previous is not None:
            raise ConflictError(
                f"台账记录 #{entry_id} 的申诉已于 {as_utc(previous.decided_at).isoformat()} 裁决为"
                f"「{_DECISION_NAMES[previous.decision]}」，不能重复裁决"
            )
        existing = _reversal_of(connection, entry_id)
        if existing is not None:
            raise ConflictError(f"台账记录 #{entry_id} 已被撤销（撤销记录 #{existing}），无需也不能再申诉")
        when = as_utc(at) if at is not None else utc_now()
        reversal = None
        if decision == "reverse":
            reversal = _reverse_locked(
                connection, policy, entry_id, at=when, reason=reason or "申诉成立", actor=reviewer, source="appeal"
            )
        appeal_id = connection.execute(
            APPEALS.insert()
            .values(
                entry_id=entry_id,
                decision=decision,
                reason=reason,
                reviewer=reviewer,
                decided_at=when,
                reversal_entry_id=reversal.id if reversal else None,
            )
            .returning(APPEALS.c.id)
        ).scalar_one()
        return AppealOutcome(appeal_id=appeal_id, entry_id=entry_id, decision=decision, reversal=reversal)


_KIND_NAMES = {"deduction": "扣分记录", "reversal": "撤销记录", "credit": "恢复记录"}
_DECISION_NAMES = {"uphold": "维持", "reverse": "撤销"}


def load_entries(database: Database, account_id: str, *, must_exist: bool = True) -> list[Entry]:
    """All entries of an account in ledger order (the full audit trail)."""
    with database.engine.connect() as connection:
        if must_exist:
            require_account(connection, account_id)
        rows = connection.execute(
            select(ENTRIES).where(ENTRIES.c.account_id == account_id).order_by(ENTRIES.c.seq)
        ).all()
    return [_row_to_entry(row) for row in rows]


def load_entry(database: Database, entry_id: int) -> Entry:
    with database.engine.connect() as connection:
        return _entry_by_id(connection, entry_id)


def appeals_of(database: Database, account_id: str) -> list[dict[str, Any]]:
    with database.engine.connect() as connection:
        rows = connection.execute(
            select(APPEALS)
            .join(ENTRIES, ENTRIES.c.id == APPEALS.c.entry_id)
            .where(ENTRIES.c.account_id == account_id)
            .order_by(APPEALS.c.id)
        ).all()
    return [
        {
            "id": r.id,
            "entry_id": r.entry_id,
            "decision": r.decision,
            "reason": r.reason,
            "reviewer": r.reviewer,
            "decided_at": as_utc(r.decided_at).isoformat(),
            "reversal_entry_id": r.reversal_entry_id,
        }
        for r in rows
    ]


@dataclass(frozen=True, slots=True)
class AccountState:
    account_id: str
    standing: Standing
    sanctions: tuple[Sanction, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "account_id": self.account_id,
            "at": self.standing.at.isoformat(),
            "points_in_force": round(self.standing.points, 6),
            "active_deductions": [a.to_dict() for a in self.standing.active],
            "sanctions": [s.to_dict() for s in self.sanctions],
        }


def _brand_context(database: Database, account_id: str) -> tuple[dict[str, list[Entry]], list[CooperationNote]]:
    with database.engine.connect() as connection:
        rows = connection.execute(
            select(NOTES.c.id, NOTES.c.brand_account_id)
            .where(NOTES.c.account_id == account_id, NOTES.c.brand_account_id.is_not(None))
            .order_by(NOTES.c.id)
        ).all()
    notes = [CooperationNote(note_id=r.id, brand_account_id=r.brand_account_id) for r in rows]
    brands = sorted({n.brand_account_id for n in notes})
    return {b: load_entries(database, b, must_exist=False) for b in brands}, notes


def account_state(
    database: Database,
    policy: Policy,
    account_id: str,
    at: datetime | None = None,
    *,
    account_index: float | None = None,
    history: bool = False,
) -> AccountState:
    """Points in force and sanctions (in force at `at`, or all ever imposed with `history`)."""
    at = as_utc(at) if at is not None else utc_now()
    entries = load_entries(database, account_id)
    brand_entries, cooperation = _brand_context(database, account_id)
    if history:
        sanctions = sanction_history(
            entries, policy.ledger, at, brand_entries=brand_entries, cooperation_notes=cooperation
        )
    else:
        sanctions = sanctions_in_force(
            entries,
            policy.ledger,
            at,
            account_index=account_index,
            brand_entries=brand_entries,
            cooperation_notes=cooperation,
        )
    return AccountState(account_id, standing(entries, policy.ledger, at), tuple(sanctions))
