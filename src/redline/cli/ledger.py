"""`redline ledger add|credit|reverse|show|rules`, `redline sanctions`, `redline appeal`."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Optional

import typer
from rich.table import Table

from redline.cli._ledger_common import check_format, parse_time, parse_write_time, short_time
from redline.cli.context import cli_context
from redline.cli.output import console, print_json
from redline.errors import InputError
from redline.ledger.entries import SOURCES, Entry
from redline.ledger.sanctions import KIND_LABELS

ledger_app = typer.Typer(help="违规台账：记录扣分、恢复、更正，查看完整审计记录。", no_args_is_help=True)

KIND_NAMES = {"deduction": "扣分", "reversal": "撤销", "credit": "恢复"}


def _entry_line(entry: Entry) -> str:
    sign = {"deduction": "-", "credit": "+", "reversal": "±"}[entry.kind]
    target = f" 笔记 {entry.note_id}" if entry.note_id else ""
    extra = f"（撤销 #{entry.reverses}）" if entry.reverses else ""
    return f"#{entry.id} {KIND_NAMES[entry.kind]} {sign}{entry.points:g} 分 {entry.rule}{target}{extra} @ {short_time(entry.created)}"


@ledger_app.command("add")
def add(
    ctx: typer.Context,
    account: str = typer.Option(..., "--account", help="账号 ID"),
    rule: str = typer.Option(..., "--rule", help="规则 ID，如 diversion.wechat、claim.medical、report.confirmed"),
    note: Optional[str] = typer.Option(None, "--note", help="违规笔记 ID"),
    at: Optional[str] = typer.Option(None, "--at", help="违规成立时间（ISO 8601，默认现在）"),
    points: Optional[float] = typer.Option(None, "--points", help="扣分（仅在规则允许的范围内，如刷量 6–10 分）"),
    reason: str = typer.Option("", "--reason", help="理由 / 证据说明"),
    source: str = typer.Option("manual", "--source", help="来源：algorithm | report_review | review | manual"),
    actor: str = typer.Option("", "--actor", help="操作人"),
    format: str = typer.Option("text", "--format", help="text | json"),
) -> None:
    """记录一次已确认的违规（扣分立即生效，处罚随之推导）。"""
    check_format(format)
    if source not in SOURCES or source in ("appeal", "compliance"):
        raise InputError(f"--source 只能是 algorithm、report_review、review 或 manual，收到 `{source}`")
    from redline.store.ledger import record_violation

    context = cli_context(ctx)
    entry = record_violation(
        context.database,
        context.policy,
        account,
        rule,
        note_id=note,
        at=parse_write_time(at),
        points=points,
        source=source,
        reason=reason,
        actor=actor,
    )
    _report_recorded(context, entry, format)


def _report_recorded(context, entry, format: str) -> None:
    """What `ledger add` and `ledger credit` print: the new entry and the account's state after it."""
    from redline.store.ledger import account_state

    state = account_state(context.database, context.policy, entry.account_id, entry.created)
    if format == "json":
        print_json({"entry": entry.to_dict(), **_sanctions_payload(state)})
        return
    console.print(f"[green]已记录[/green] {_entry_line(entry)}", highlight=False, soft_wrap=True)
    _print_state(state)


@ledger_app.command("credit")
def credit(
    ctx: typer.Context,
    account: str = typer.Option(..., "--account", help="账号 ID"),
    note: Optional[str] = typer.Option(None, "--note", help="合规优质笔记 ID"),
    at: Optional[str] = typer.Option(None, "--at", help="时间（ISO 8601，默认现在）"),
    reason: str = typer.Option("", "--reason", help="说明"),
    format: str = typer.Option("text", "--format", help="text | json"),
) -> None:
    """记录合规行为（如发布优质科普），按策略逐步恢复分数。"""
    check_format(format)
    from redline.store.ledger import record_credit

    context = cli_context(ctx)
    entry = record_credit(context.database, context.policy, account, note_id=note, at=parse_write_time(at), reason=reason)
    _report_recorded(context, entry, format)


@ledger_app.command("reverse")
def reverse(
    ctx: typer.Context,
    entry_id: int = typer.Argument(..., help="要更正（撤销）的台账记录 ID"),
    reason: str = typer.Option(..., "--reason", help="更正理由"),
    at: Optional[str] = typer.Option(None, "--at", help="撤销生效时间（默认现在）"),
    actor: str = typer.Option("", "--actor", help="操作人"),
    format: str = typer.Option("text", "--format", help="text | json"),
) -> None:
    """更正：追加一条撤销记录（原记录保留，不修改、不删除）。"""
    check_format(format)
    from redline.store.ledger import reverse_entry

    context = cli_context(ctx)
    entry = reverse_entry(context.database, context.policy, entry_id, at=parse_write_time(at), reason=reason, actor=actor)
    if format == "json":
        print_json(entry.to_dict())
        return
    console.print(f"[green]已撤销[/green] {_entry_line(entry)}", highlight=False, soft_wrap=True)


@ledger_app.command("show")
def show(
    ctx: typer.Context,
    account: str = typer.Argument(..., help="账号 ID"),
    at: Optional[str] = typer.Option(None, "--at", help="查看该时刻的状态（默认现在）"),
    format: str = typer.Option("text", "--format", help="text | json"),
) -> None:
    """账号的完整台账（审计记录）与当前生效的扣分。"""
    check_format(format)
    from redline.store.ledger import account_state, appeals_of, load_entries

    context = cli_context(ctx)
    moment = parse_time(at)
    entries = load_entries(context.database, account)
    state = account_state(context.database, context.policy, account, moment)
    appeals = appeals_of(context.database, account)
    if moment is not None:  # the ledger as it stood then
        entries = [e for e in entries if e.created <= moment]
        appeals = [a for a in appeals if datetime.fromisoformat(a["decided_at"]) <= moment]
    if format == "json":
        print_json(
            {
                "account_id": account,
                "entries": [e.to_dict() for e in entries],
                "appeals": appeals,
                "standing": state.standing.to_dict(),
            }
        )
        return
    if not entries:
        console.print(f"账号 {account} 没有台账记录。")
        return
    table = Table(title=f"账号 {account} 的台账（共 {len(entries)} 条，只追加）")
    for column in ("ID", "时间", "类型", "规则", "分数", "笔记", "来源", "理由", "策略版本"):
        table.add_column(column, overflow="fold")
    for e in entries:
        kind = KIND_NAMES[e.kind] + (f" #{e.reverses}" if e.reverses else "")
        table.add_row(
            str(e.id), short_time(e.created), kind, e.rule, f"{e.points:g}", e.note_id or "—", e.source, e.reason or "—", e.policy_version
        )
    console.print(table)
    for appeal in appeals:
        verdict = "撤销（申诉成立）" if appeal["decision"] == "reverse" else "维持原判"
        console.print(
            f"申诉：记录 #{appeal['entry_id']} {verdict}，{short_time(appeal['decided_at'])}"
            + (f"，裁决人 {appeal['reviewer']}" if appeal["reviewer"] else "")
            + (f"，理由：{appeal['reason']}" if appeal["reason"] else ""),
            highlight=False,
            soft_wrap=True,
        )
    _print_standing(state.standing)


@ledger_app.command("apply")
def apply(
    ctx: typer.Context,
    note: str = typer.Option(..., "--note", help="已入库的笔记 ID"),
    file: Optional[Path] = typer.Option(None, "--file", help="`redline check --format json` 的输出；缺省时对入库笔记现场检测"),
    at: Optional[str] = typer.Option(None, "--at", help="记录时间（默认现在）"),
    format: str = typer.Option("text", "--format", help="text | json"),
) -> None:
    """把检测结果写入台账：确定的违规立即扣分，策略要求人工复核的送审；重复执行不会重复扣分。"""
    check_format(format)
    from redline.store.ledger_findings import check_stored_note, route_findings

    context = cli_context(ctx)
    if file is None:
        findings = list(check_stored_note(context.database, context.policy, note).findings)
    else:
        findings = _findings_from_file(file)
    routed = route_findings(context.database, context.policy, findings, note_id=note, at=parse_write_time(at))
    if format == "json":
        print_json(routed.to_dict())
        return
    console.print(
        f"笔记 {note}（账号 {routed.account_id}）：新扣分 {len(routed.entries)} 条，送审 {len(routed.queued)} 项，"
        f"此前已记录 {len(routed.already)} 条，未计入 {len(routed.ignored)} 条",
        highlight=False,
        soft_wrap=True,
    )
    for entry in routed.entries:
        console.print(f"  · {_entry_line(entry)}", highlight=False, soft_wrap=True)
    for item in routed.queued:
        console.print(f"  · 送审 #{item.id}：{item.reason}", highlight=False, soft_wrap=True)


def _findings_from_file(path: Path) -> list[dict]:
    try:
        data = json.loads(path.read_text("utf-8"))
    except FileNotFoundError as exc:
        raise InputError(f"找不到文件：{path}") from exc
    except UnicodeDecodeError as exc:
        raise InputError(f"{path} 不是 UTF-8 编码") from exc
    except json.JSONDecodeError as exc:
        raise InputError(f"{path} 不是合法的 JSON：{exc.msg}（第 {exc.lineno} 行）") from exc
    findings = data.get("findings") if isinstance(data, dict) else data
    if not isinstance(findings, list):
        raise InputError(f"{path} 中没有 findings 列表（应为 `redline check --format json` 的输出）")
    return findings


@ledger_app.command("rules")
def rules(ctx: typer.Context, format: str = typer.Option("text", "--format", help="text | json")) -> None:
    """策略中的违规规则：扣分、笔记处罚、逐次升级的账号处罚、是否需人工复核。"""
    check_format(format)
    policy = cli_context(ctx).policy.ledger
    if format == "json":
        print_json({key: rule.model_dump() for key, rule in policy.rules.items()})
        return
    table = Table(title="违规规则（规则 ID 按前缀匹配，如 diversion.wechat → diversion）")
    for column in ("规则", "说明", "扣分", "笔记处罚", "账号处罚（第 1、2… 次）", "人工复核"):
        table.add_column(column, overflow="fold")
    for key, rule in sorted(policy.rules.items()):
        points = f"{rule.points:g}" + (f"–{rule.points_max:g}" if rule.points_max else "")
        note = "—"
        if rule.note:
            note = KIND_LABELS[rule.note] + (f" {rule.note_percent:g}%" if rule.note == "throttle" else "")
            note += "（永久）" if rule.note_permanent else ""
        steps = "；".join(
            "无" if s.kind == "none" else KIND_LABELS[s.kind] + (f" {s.days} 天" if s.days else "（永久）") for s in rule.account
        ) or "—"
        table.add_row(key, rule.label, points, note, steps, "是" if rule.human_review else "否")
    console.print(table)


def _sanctions_payload(state) -> dict:
    return {
        "account_id": state.account_id,
        "at": state.standing.at.isoformat(),
        "points_in_force": round(state.standing.points, 6),
        "active_deductions": [a.to_dict() for a in state.standing.active],
        "sanctions": [s.to_dict() for s in state.sanctions],
    }


def _print_standing(standing) -> None:
    console.print(f"生效扣分：[bold]{standing.points:g}[/bold] 分（截至 {short_time(standing.at)}）", highlight=False, soft_wrap=True)
    for a in standing.active:
        restored = f"，已恢复 {a.restored:g} 分" if a.restored else ""
        console.print(
            f"  · #{a.entry.id} {a.entry.rule} -{a.remaining:g} 分{restored}，{short_time(a.stops_counting)} 起不再计入",
            highlight=False,
            soft_wrap=True,
        )


def _print_state(state) -> None:
    _print_standing(state.standing)
    if not state.sanctions:
        console.print("当前没有生效的处罚。")
        return
    console.print("生效的处罚：")
    for s in state.sanctions:
        target = f"笔记 {s.note_id}" if s.note_id else "账号"
        end = short_time(s.end) if s.end else ("永久" if s.permanent else "未定")
        because = "、".join(f"#{i}" for i in s.because) or "—"
        console.print(
            f"  · {KIND_LABELS[s.kind]}（{target}）{short_time(s.start)} → {end}；依据 {because}；{s.reason}",
            highlight=False,
            soft_wrap=True,
        )


def sanctions(
    ctx: typer.Context,
    account: str = typer.Argument(..., help="账号 ID"),
    at: Optional[str] = typer.Option(None, "--at", help="查询该时刻生效的处罚（ISO 8601，默认现在）"),
    index: Optional[float] = typer.Option(None, "--index", help="账号健康度指数（低于策略阈值则列入观察名单）"),
    history: bool = typer.Option(False, "--history", help="列出台账推导出的全部处罚（含已结束的）"),
    format: str = typer.Option("text", "--format", help="text | json"),
) -> None:
    """账号当前（或 --at 时刻）生效的处罚，以及每项处罚依据的台账记录。"""
    check_format(format)
    if index is not None and not (0 <= index <= 100):
        raise InputError(f"--index 应在 0–100 之间，收到 {index:g}")
    from redline.store.ledger import account_state

    context = cli_context(ctx)
    moment = parse_time(at)
    index_note = ""
    if index is None and not history:
        index, index_note = _stored_index(context.database, account, moment)
    state = account_state(context.database, context.policy, account, moment, account_index=index, history=history)
    if format == "json":
        print_json({**_sanctions_payload(state), "account_index": index})
        return
    console.print(f"账号 {account}{index_note}", highlight=False, soft_wrap=True)
    _print_state(state)


def _stored_index(database, account: str, at) -> tuple[float | None, str]:
    """The account's health index from the latest daily run on or before `at`, if one exists."""
    try:
        from sqlalchemy.exc import SQLAlchemyError

        from redline.store.health import account_history
    except ImportError:
        return None, ""
    try:
        days = account_history(database, account, until=at.date() if at else None)
    except SQLAlchemyError:
        return None, ""
    for day in reversed(days):
        if day.health_index is not None:
            return day.health_index, f"（健康度指数 {day.health_index:.1f}，{day.day.isoformat()} 计算）"
    return None, ""


def appeal(
    ctx: typer.Context,
    entry_id: int = typer.Argument(..., help="被申诉的台账记录 ID"),
    decide: str = typer.Option(..., "--decide", help="uphold（维持）| reverse（撤销）"),
    reason: str = typer.Option("", "--reason", help="裁决理由"),
    reviewer: str = typer.Option("", "--reviewer", help="裁决人"),
    at: Optional[str] = typer.Option(None, "--at", help="裁决时间（默认现在）"),
    format: str = typer.Option("text", "--format", help="text | json"),
) -> None:
    """裁决申诉：撤销则追加撤销记录，分数立即恢复，依赖它的处罚立即解除。"""
    check_format(format)
    from redline.store.ledger import account_state, decide_appeal, load_entry

    context = cli_context(ctx)
    outcome = decide_appeal(
        context.database, context.policy, entry_id, decide, reason=reason, reviewer=reviewer, at=parse_write_time(at)
    )
    entry = load_entry(context.database, entry_id)
    moment = outcome.reversal.created if outcome.reversal else None
    state = account_state(context.database, context.policy, entry.account_id, moment)
    if format == "json":
        print_json({"appeal": outcome.to_dict(), **_sanctions_payload(state)})
        return
    if outcome.reversal:
        console.print(f"[green]申诉成立[/green]：{_entry_line(outcome.reversal)}", highlight=False, soft_wrap=True)
    else:
        console.print(f"申诉驳回：台账记录 #{entry_id} 维持原判。", highlight=False, soft_wrap=True)
    _print_state(state)


def register(app: typer.Typer) -> None:
    app.add_typer(ledger_app, name="ledger")
    app.command("sanctions")(sanctions)
    app.command("appeal")(appeal)
