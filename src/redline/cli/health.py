"""`redline recompute`, `redline explain note|account`, `redline accounts`: the health index."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Optional
from zoneinfo import ZoneInfo

import typer
from rich.table import Table

from redline.cli.context import cli_context
from redline.cli.output import console, print_json
from redline.errors import InputError

explain_app = typer.Typer(help="解释健康度：指数、维度、指标、输入数字与阈值、如何提升。", no_args_is_help=True)

FORMATS = ("text", "json")


def parse_day(value: str | None, policy: Any, option: str = "--date") -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InputError(f"{option} 应为 YYYY-MM-DD 格式的日期，收到 {value!r}") from None


def yesterday(policy: Any) -> date:
    return date.fromordinal(datetime.now(ZoneInfo(policy.signals.timezone)).date().toordinal() - 1)


def _check_format(format: str) -> None:
    if format not in FORMATS:
        raise InputError(f"--format 只能是 text 或 json，收到 {format!r}")


def _score(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}"


def recompute_command(
    ctx: typer.Context,
    day: Optional[str] = typer.Option(None, "--date", help="计算哪一天（YYYY-MM-DD，策略时区；默认昨天）"),
    engine: str = typer.Option("duckdb", "--engine", help="计算引擎：duckdb（默认，嵌入式）或 spark（需 redline[spark] 与 Java）"),
    format: str = typer.Option("text", "--format", help="text | json"),
) -> None:
    """重算某一天所有笔记与账号的健康度并按日保存（保留历史）。"""
    from redline.pipeline.recompute import recompute
    from redline.signals.engines import ENGINES

    _check_format(format)
    if engine not in ENGINES:
        raise InputError(f"未知计算引擎 {engine!r}（可用：{', '.join(ENGINES)}）")
    context = cli_context(ctx)
    policy = context.policy
    target = parse_day(day, policy) or yesterday(policy)
    with console.status(f"正在计算 {target.isoformat()} 的健康度（{engine}）…"):
        result = recompute(context.database, context.home, target, policy, engine)
    if format == "json":
        print_json(result.to_dict())
        return
    console.print(
        f"已计算 [bold]{target.isoformat()}[/bold]：笔记 {result.notes} 篇，账号 {result.accounts} 个，"
        f"读取事件 {result.events} 条（引擎 {result.engine}，策略 {result.policy_version}，用时 {sum(result.timings.values()):.1f} 秒）。"
    )


def _print_indicator_table(explanation: dict[str, Any]) -> None:
    # Chinese runs have no spaces to wrap at: "fold" breaks them anywhere instead of cutting
    # them short with "…" in a narrow terminal, and the inputs get most of the width.
    table = Table(title="十二项指标", show_lines=True, expand=True)
    table.add_column("指标", overflow="fold", ratio=1)
    table.add_column("得分", justify="right", no_wrap=True)
    table.add_column("权重", justify="right", no_wrap=True)
    table.add_column("输入与阈值", overflow="fold", ratio=2)
    for indicator in explanation["indicators"]:
        lines = []
        for part in indicator["components"]:
            if part["known"]:
                lines.append(f"{part['label']}：{part['shown']} → {part['score']:.0f} 分。{part['status']}")
            elif indicator["score"] is not None:
                lines.append(f"[dim]{part['label']}：未知（{part['missing']}）[/dim]")
        if "combination" in indicator:
            lines.append(indicator["combination"])
        if indicator.get("bonus"):
            lines.append(f"加分 +{indicator['bonus']['points']:g}：{indicator['bonus']['reason']}")
        if indicator["score"] is None:
            lines = [f"[yellow]未知[/yellow]：{indicator.get('missing', '')}（不计入，权重按已知指标重新分配）"]
        table.add_row(f"{indicator['code']} {indicator['name']}", _score(indicator["score"]), f"{indicator['weight_in_index'] * 100:.1f}%", "\n".join(lines))
    console.print(table)


def print_explanation(explanation: dict[str, Any]) -> None:
    what = "笔记" if explanation["kind"] == "note" else "账号"
    console.print(f"[bold]{what} {explanation['id']}[/bold]  日期 {explanation['day']}  策略 {explanation['policy_version']}  引擎 {explanation['engine']}")
    console.print(f"健康度 [bold]{_score(explanation['index'])}[/bold] 分，覆盖度 {explanation['coverage'] * 100:.0f}%。{explanation['summary']}", highlight=False)
    if explanation["kind"] == "account":
        console.print(explanation["aggregation"] + f"（{explanation['notes']} 篇笔记）")
        if explanation["deductions"]:
            console.print(f"扣分前 {_score(explanation['index_before_deductions'])} 分，在效扣分 −{explanation['deductions']:g}：")
            for entry in explanation["deduction_entries"]:
                console.print(f"  · {entry.get('rule', '')} −{entry.get('remaining', entry.get('points', ''))}（{entry.get('created', entry.get('created_at', ''))}）")
    dims = "，".join(f"{d['name']}（{d['weight'] * 100:.0f}%）{_score(d['score'])}" for d in explanation["dimensions"])
    console.print("三个维度：" + dims)
    _print_indicator_table(explanation)
    if explanation["unknown"]:
        console.print("[yellow]未知指标[/yellow]（缺少数据，不计入）：" + "；".join(explanation["unknown"]))
    if explanation.get("findings"):
        console.print("正文检测结果：")
        for finding in explanation["findings"]:
            console.print(f"  · [{finding.get('severity')}] {finding.get('rule')} 「{finding.get('excerpt')}」 {finding.get('advice', '')}", highlight=False)
    if explanation["improve"]:
        console.print("[bold]如何提升[/bold]（按可提升的分数排序）：")
        for item in explanation["improve"]:
            console.print(f"  · {item['indicator']}：{item['advice']}（最多约 +{item['possible_gain']:g} 分）")
    if explanation.get("weakest_notes"):
        console.print("得分最低的笔记：" + "，".join(f"{n['note_id']} {n['index']:.1f}" for n in explanation["weakest_notes"]))
    if len(explanation["history"]) > 1:
        console.print("历史：" + " → ".join(f"{h['day'][5:]} {_score(h['index'])}" for h in explanation["history"][-14:]))


@explain_app.command("note")
def explain_note_command(
    ctx: typer.Context,
    note_id: str = typer.Argument(..., help="笔记 id"),
    day: Optional[str] = typer.Option(None, "--date", help="哪一天的结果（默认最近一次计算）"),
    format: str = typer.Option("text", "--format", help="text | json"),
) -> None:
    """解释一篇笔记的健康度。"""
    from redline.pipeline.explain import note_explanation

    _check_format(format)
    context = cli_context(ctx)
    explanation = note_explanation(context.database, context.home, note_id, context.policy, parse_day(day, context.policy))
    print_json(explanation) if format == "json" else print_explanation(explanation)


@explain_app.command("account")
def explain_account_command(
    ctx: typer.Context,
    account_id: str = typer.Argument(..., help="账号 id"),
    day: Optional[str] = typer.Option(None, "--date", help="哪一天的结果（默认最近一次计算）"),
    format: str = typer.Option("text", "--format", help="text | json"),
) -> None:
    """解释一个账号的健康度（含扣分、最弱笔记、历史）。"""
    from redline.pipeline.explain import account_explanation

    _check_format(format)
    context = cli_context(ctx)
    explanation = account_explanation(context.database, context.home, account_id, context.policy, parse_day(day, context.policy))
    print_json(explanation) if format == "json" else print_explanation(explanation)


def account_rows(database: Any) -> list[dict[str, Any]]:
    from sqlalchemy import select

    from redline.store.entities import Account
    from redline.store.health import latest_account_days

    latest = {row.account_id: row for row in latest_account_days(database)}
    with database.session() as session:
        accounts = list(session.scalars(select(Account).order_by(Account.id)))
    rows = []
    for account in accounts:
        result = latest.get(account.id)
        rows.append(
            {
                "account_id": account.id,
                "nickname": account.nickname,
                "followers": account.followers,
                "categories": list(account.categories or []),
                "day": result.day.isoformat() if result else None,
                "index": None if result is None or result.health_index is None else round(result.health_index, 1),
                "quality": None if result is None or result.quality is None else round(result.quality, 1),
                "compliance": None if result is None or result.compliance is None else round(result.compliance, 1),
                "feedback": None if result is None or result.feedback is None else round(result.feedback, 1),
                "coverage": None if result is None else round(result.coverage, 3),
                "deductions": None if result is None else result.deductions,
                "notes": None if result is None else result.notes,
            }
        )
    return rows


def print_accounts_table(rows: list[dict[str, Any]], policy: Any, title: str = "账号健康度", kinds: dict[str, str] | None = None) -> None:
    """One line per account; `kinds` (demo only) adds the kind of creator the generator made."""
    from redline.demo.community import KIND_NAMES

    table = Table(title=title)
    columns = [("账号", "left")]
    columns += [("类型", "left")] if kinds else [("昵称", "left")]
    columns += [("粉丝", "right"), ("健康度", "right"), ("质量", "right"), ("合规", "right"), ("反馈", "right"), ("覆盖", "right")]
    with_deductions = any(row["deductions"] for row in rows)
    if with_deductions:
        columns.append(("扣分", "right"))
    columns.append(("档位", "left"))
    for column, justify in columns:
        table.add_column(column, justify=justify, no_wrap=True)
    high, low = policy.traffic.high_tier_min_index, policy.traffic.low_tier_below_index
    for row in rows:
        index = row["index"]
        tier = "—" if index is None else ("[green]高[/green]" if index >= high else ("[red]低[/red]" if index < low else "中"))
        cells = [row["account_id"], KIND_NAMES.get(kinds.get(row["account_id"], ""), "") if kinds else (row["nickname"] or "")]
        cells += [
            "—" if row["followers"] is None else f"{row['followers']:,}",
            _score(index), _score(row["quality"]), _score(row["compliance"]), _score(row["feedback"]),
            "—" if row["coverage"] is None else f"{row['coverage'] * 100:.0f}%",
        ]
        if with_deductions:
            cells.append("—" if not row["deductions"] else f"−{row['deductions']:g}")
        cells.append(tier)
        table.add_row(*cells)
    console.print(table)
    console.print(f"档位：高 ≥ {high:g}（推荐池概率提升）；低 < {low:g}（新笔记限流 50%、无蒲公英接单资格）。覆盖 = 已知指标占总权重的比例。")


def accounts_command(
    ctx: typer.Context,
    format: str = typer.Option("text", "--format", help="text | json"),
) -> None:
    """列出账号及其最近一次计算的健康度。"""
    _check_format(format)
    context = cli_context(ctx)
    rows = account_rows(context.database)
    if format == "json":
        print_json(rows)
        return
    if not rows:
        console.print("还没有账号：先导入数据（redline ingest / redline import mediacrawler）或运行 redline demo。")
        return
    print_accounts_table(rows, context.policy)


def register(app: typer.Typer) -> None:
    app.command("recompute")(recompute_command)
    app.command("accounts")(accounts_command)
    app.add_typer(explain_app, name="explain")
