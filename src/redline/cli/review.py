"""`redline review enqueue|reports|next|decide|release|show|stats`: the human review queue."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Optional

import typer
from rich.table import Table

from redline.cli._ledger_common import check_format, parse_time, parse_write_time, short_time
from redline.cli.context import cli_context
from redline.cli.output import console, print_json
from redline.errors import InputError

review_app = typer.Typer(help="人工复核队列：送审、领取、裁决、二次盲审一致性。", no_args_is_help=True)

ORIGIN_NAMES = {"reports": "举报触发", "algorithm": "算法标记", "manual": "人工送审"}


def _print_item(item) -> None:
    round_ = "二次盲审" if item.stage == "second" else "首次裁决"
    target = f"笔记 {item.note_id}" if item.note_id else f"账号 {item.account_id}"
    console.print(
        f"审核项 #{item.id}（{round_}）：{target}，账号 {item.account_id}，"
        f"{ORIGIN_NAMES.get(item.origin, item.origin)}，建议规则 {item.rule or '—'}",
        highlight=False,
        soft_wrap=True,
    )
    console.print(f"  原因：{item.reason}", highlight=False, soft_wrap=True)
    if item.claimed_by:
        console.print(f"  由 {item.claimed_by} 领取，{short_time(item.claimed_until)} 前有效", highlight=False, soft_wrap=True)


@review_app.command("enqueue")
def enqueue(
    ctx: typer.Context,
    reason: str = typer.Option(..., "--reason", help="送审原因"),
    note: Optional[str] = typer.Option(None, "--note", help="笔记 ID"),
    account: Optional[str] = typer.Option(None, "--account", help="账号 ID（不针对具体笔记时）"),
    rule: Optional[str] = typer.Option(None, "--rule", help="建议的违规规则"),
    at: Optional[str] = typer.Option(None, "--at", help="送审时间（默认现在）"),
    format: str = typer.Option("text", "--format", help="text | json"),
) -> None:
    """把一篇笔记（或一个账号）送入人工复核队列。"""
    check_format(format)
    from redline.store.review import enqueue as enqueue_item

    context = cli_context(ctx)
    item = enqueue_item(
        context.database, context.policy, reason=reason, note_id=note, account_id=account, rule=rule, at=parse_write_time(at)
    )
    if format == "json":
        print_json(item.to_dict())
        return
    console.print("[green]已送审[/green]")
    _print_item(item)


def _read_reports(path: Path) -> list[tuple]:
    try:
        text = path.read_text("utf-8")
    except FileNotFoundError as exc:
        raise InputError(f"找不到举报文件：{path}") from exc
    except UnicodeDecodeError as exc:
        raise InputError(f"举报文件 {path} 不是 UTF-8 编码：{exc}") from exc
    rows: list[tuple] = []
    if path.suffix.lower() == ".csv":
        records = list(csv.DictReader(io.StringIO(text)))
    else:
        records = []
        for number, line in enumerate(text.splitlines(), 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                raise InputError(f"{path} 第 {number} 行不是合法的 JSON：{exc.msg}") from exc
            if not isinstance(record, dict):
                raise InputError(f"{path} 第 {number} 行应为 JSON 对象")
            records.append(record)
    for number, record in enumerate(records, 1):
        note_id = record.get("note_id")
        when = record.get("reported_at") or record.get("time")
        if not note_id or not when:
            raise InputError(f"{path} 第 {number} 条举报缺少 note_id 或 reported_at")
        moment = parse_write_time(str(when), f"第 {number} 条举报的 reported_at")
        rows.append((str(note_id), moment, str(record.get("reporter") or "")))
    return rows


@review_app.command("reports")
def reports(
    ctx: typer.Context,
    file: Optional[Path] = typer.Argument(
        None, help="有效举报：JSONL 或 CSV，字段 note_id, reported_at[, reporter]；省略时扫描数据目录的事件湖"
    ),
    since: Optional[str] = typer.Option(None, "--since", help="扫描事件湖的起始日期（含）"),
    until: Optional[str] = typer.Option(None, "--until", help="扫描事件湖的结束日期（含）"),
    skip_unknown: bool = typer.Option(False, "--skip-unknown", help="跳过不存在的笔记（默认报错且不写入）"),
    format: str = typer.Option("text", "--format", help="text | json"),
) -> None:
    """导入有效举报；24 小时内 ≥ 5 次有效举报的笔记自动进入复核队列（可重复执行）。"""
    check_format(format)
    from redline.store.review import enqueue_reported_notes

    context = cli_context(ctx)
    if file is None:
        from redline.store.lake import EventLake
        from redline.store.report_queue import enqueue_reports_from_lake

        first = parse_time(since, "--since")
        last = parse_time(until, "--until")
        scan = enqueue_reports_from_lake(
            context.database,
            context.policy,
            EventLake.in_home(context.home.lake_dir),
            first.date() if first else None,
            last.date() if last else None,
        )
        count, items = scan.reports, list(scan.queued)
    else:
        if since or until:
            raise InputError("--since/--until 只用于扫描事件湖；导入文件时请勿指定")
        rows = _read_reports(file)
        items = enqueue_reported_notes(
            context.database, rows, context.policy, unknown="skip" if skip_unknown else "error"
        )
        count = len(rows)
    if format == "json":
        print_json({"reports": count, "queued": [i.to_dict() for i in items]})
        return
    console.print(f"读入 {count} 条有效举报，新送审 {len(items)} 篇笔记。", highlight=False)
    for item in items:
        _print_item(item)


@review_app.command("next")
def next_item(
    ctx: typer.Context,
    reviewer: str = typer.Option(..., "--reviewer", help="审核员"),
    second: bool = typer.Option(False, "--second", help="领取二次盲审（看不到首次结论，也不会领到自己裁决过的）"),
    now: Optional[str] = typer.Option(None, "--now", help="当前时间（默认现在；用于回放）"),
    format: str = typer.Option("text", "--format", help="text | json"),
) -> None:
    """领取下一项待审内容（领取超时后自动回到队列）。"""
    check_format(format)
    from redline.store.review import claim_next

    context = cli_context(ctx)
    item = claim_next(context.database, context.policy, reviewer, second=second, now=parse_write_time(now, "--now"))
    if format == "json":
        print_json(item.to_dict() if item else None)
        return
    if item is None:
        console.print("队列中没有可领取的审核项。")
        return
    _print_item(item)


@review_app.command("decide")
def decide(
    ctx: typer.Context,
    item_id: int = typer.Argument(..., help="审核项 ID"),
    reviewer: str = typer.Option(..., "--reviewer", help="审核员"),
    verdict: str = typer.Option(..., "--verdict", help="violation（违规）| clear（不违规）"),
    reason: str = typer.Option(..., "--reason", help="裁决理由"),
    rule: Optional[str] = typer.Option(None, "--rule", help="确认的违规规则（默认为建议规则）"),
    points: Optional[float] = typer.Option(None, "--points", help="扣分（规则允许的范围内）"),
    now: Optional[str] = typer.Option(None, "--now", help="裁决时间（默认现在）"),
    format: str = typer.Option("text", "--format", help="text | json"),
) -> None:
    """裁决已领取的审核项；判定违规即写入台账（同一事务），同一项不会被裁决两次。"""
    check_format(format)
    from redline.store.review import decide as decide_item

    context = cli_context(ctx)
    outcome = decide_item(
        context.database,
        context.policy,
        item_id,
        reviewer,
        verdict,
        reason=reason,
        rule=rule,
        points=points,
        now=parse_write_time(now, "--now"),
    )
    if format == "json":
        print_json(outcome.to_dict())
        return
    verdict_name = "违规" if outcome.verdict == "violation" else "不违规"
    round_ = "二次盲审" if outcome.round == 2 else "首次裁决"
    tail = f"，已写入台账记录 #{outcome.entry_id}" if outcome.entry_id else ""
    console.print(f"[green]已裁决[/green] 审核项 #{item_id}（{round_}）：{verdict_name}{tail}", highlight=False, soft_wrap=True)


@review_app.command("release")
def release(
    ctx: typer.Context,
    item_id: int = typer.Argument(..., help="审核项 ID"),
    reviewer: str = typer.Option(..., "--reviewer", help="审核员"),
) -> None:
    """放弃已领取的审核项，让它回到队列。"""
    from redline.store.review import release as release_item

    release_item(cli_context(ctx).database, item_id, reviewer)
    console.print(f"审核项 #{item_id} 已放回队列。", highlight=False, soft_wrap=True)


@review_app.command("show")
def show(
    ctx: typer.Context,
    item_id: int = typer.Argument(..., help="审核项 ID"),
    format: str = typer.Option("text", "--format", help="text | json"),
) -> None:
    """查看审核项及其裁决记录。"""
    check_format(format)
    from redline.store.review import decisions_of, load_item

    database = cli_context(ctx).database
    item = load_item(database, item_id)
    decisions = decisions_of(database, item_id)
    if format == "json":
        print_json({"item": item.to_dict(), "decisions": list(decisions)})
        return
    _print_item(item)
    for d in decisions:
        verdict = "违规" if d["verdict"] == "violation" else "不违规"
        console.print(
            f"  第 {d['round']} 轮：{d['reviewer']} 判定{verdict}（{d['rule'] or '—'}），{d['reason']}",
            highlight=False,
            soft_wrap=True,
        )


@review_app.command("list")
def list_items(
    ctx: typer.Context,
    limit: int = typer.Option(50, "--limit", help="最多列出多少项"),
    format: str = typer.Option("text", "--format", help="text | json"),
) -> None:
    """列出待首次裁决和待二次盲审的审核项（最早的在前）。"""
    check_format(format)
    from redline.store.review import open_items

    items = open_items(cli_context(ctx).database, limit=limit)
    if format == "json":
        print_json([i.to_dict() for i in items])
        return
    if not items:
        console.print("队列为空。")
        return
    for item in items:
        _print_item(item)


@review_app.command("stats")
def stats(ctx: typer.Context, format: str = typer.Option("text", "--format", help="text | json")) -> None:
    """队列规模、各审核员裁决数，以及二次盲审一致率（按审核员、按规则）。"""
    check_format(format)
    from redline.store.review import review_stats

    data = review_stats(cli_context(ctx).database)
    if format == "json":
        print_json(data)
        return
    q = data["queue"]
    console.print(
        f"队列：待首次裁决 {q['first']}，待二次盲审 {q['second']}，已完成 {q['done']}，领取中 {q['claimed']}",
        highlight=False,
        soft_wrap=True,
    )

    def share(s: dict) -> str:
        return "—" if s["agreement"] is None else f"{s['agreement']:.0%}（{s['agreed']}/{s['pairs']}）"

    console.print(f"二次盲审一致率：{share(data['consistency']['overall'])}", highlight=False, soft_wrap=True)
    table = Table(title="审核员")
    for column in ("审核员", "判违规", "判不违规", "一致率"):
        table.add_column(column)
    by_reviewer = data["consistency"]["by_reviewer"]
    for name, counts in data["decisions"].items():
        table.add_row(name, str(counts["violation"]), str(counts["clear"]), share(by_reviewer[name]) if name in by_reviewer else "—")
    console.print(table)
    if data["consistency"]["by_rule"]:
        rules = Table(title="按规则")
        rules.add_column("规则")
        rules.add_column("一致率")
        for rule, s in data["consistency"]["by_rule"].items():
            rules.add_row(rule, share(s))
        console.print(rules)


def register(app: typer.Typer) -> None:
    app.add_typer(review_app, name="review")
