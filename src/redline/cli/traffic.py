"""`redline diagnose` (限流诊断) and `redline simulate`: traffic decisions with their reasons."""

from __future__ import annotations

from datetime import datetime, timezone
from enum import Enum
from typing import Optional

import typer
from rich.markup import escape
from rich.panel import Panel
from rich.table import Table

from redline.cli.context import cli_context
from redline.cli.output import console, print_json
from redline.errors import InputError

TIER_LABELS = {"high": "高", "normal": "中", "low": "低", "unknown": "未知"}
POOL_LABELS = {"community": "社区", "commerce": "电商"}


class Format(str, Enum):
    text = "text"
    json = "json"


def parse_time(value: Optional[str]) -> datetime | None:
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError as exc:
        raise InputError(f"时间格式应为 ISO 8601（如 2026-11-21 或 2026-11-21T10:00:00+08:00），收到 {value!r}") from exc
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def diagnose_command(
    ctx: typer.Context,
    account: str = typer.Argument(..., help="账号 id"),
    at: Optional[str] = typer.Option(None, "--at", help="诊断时刻（ISO 时间，默认现在）"),
    output: Format = typer.Option(Format.text, "--format", help="text | json"),
) -> None:
    """限流诊断：每篇近期笔记的流量池、每个倍率的规则与数字，以及如何恢复。"""
    from redline.store.traffic_facts import diagnose_account

    context = cli_context(ctx)
    diagnosis = diagnose_account(context.database, context.home.root, context.policy, account, parse_time(at))
    if output is Format.json:
        print_json(diagnosis.to_dict())
        return
    index = "未知" if diagnosis.index is None else f"{diagnosis.index:.1f}"
    traffic = context.policy.traffic
    console.print(
        f"[bold]账号 {escape(account)}[/bold]  健康度 {index}  档位 {TIER_LABELS[diagnosis.tier.name]}"
        f"（高 ≥ {traffic.high_tier_min_index:g}，低 < {traffic.low_tier_below_index:g}）  在效扣分 {diagnosis.points_in_force:g}"
    )
    if diagnosis.weak_points:
        weak = "、".join(f"{w['label']}（{w['indicator']}）{w['score']:g}" for w in diagnosis.weak_points)
        console.print(f"  健康度短板（< {traffic.diagnose_weak_indicator_below:g} 分）：{escape(weak)}；详见 redline explain account {escape(account)}")
    if diagnosis.teen_index is not None:
        console.print(f"  青少年模式健康度 {diagnosis.teen_index:.1f}（进入青少年流量池需 ≥ {traffic.teen_mode.min_index:g}）")
    for sanction in diagnosis.sanctions:
        end = sanction["end"] or "长期"
        console.print(f"  [red]处罚[/red] {escape(sanction['reason'])}（{sanction['start'][:16]} 起，至 {end[:16]}）")
    if not diagnosis.notes:
        console.print(f"近 {context.policy.traffic.diagnose_recent_days} 天没有发布笔记。")
    for item in diagnosis.notes:
        decision = item.decision
        pools = "、".join(POOL_LABELS[p] for p in decision.pools)
        style = "red" if decision.multiplier < 0.5 else "yellow" if decision.multiplier < 1 else "green"
        lines = []
        for reason in decision.reasons:
            lines.append(f"[bold]×{reason.multiplier:g}[/bold] {escape(reason.effect)}  [dim]{reason.rule}[/dim]")
            if reason.advice and reason.multiplier <= 1:
                lines.append(f"    [dim]恢复：{escape(reason.advice)}[/dim]")
        if not lines:
            lines.append("没有限流或加权因素。")
        title = f"{escape(item.note.title or item.note.id)} · {pools}流量池 · [{style}]总倍率 ×{decision.multiplier:.2f}[/{style}]"
        if item.impressions is not None:
            title += f" · 曝光 {item.impressions:,}"
        console.print(Panel("\n".join(lines), title=title, title_align="left", border_style=style))
    if diagnosis.standing is not None:
        console.print(f"[bold]赛马[/bold]：{escape(diagnosis.standing.explain())}")
    if diagnosis.shop is not None:
        console.print(f"[bold]耗电一体[/bold]：{escape(diagnosis.shop.message)}")
    if diagnosis.reach is not None:
        console.print(f"[bold]曝光变化[/bold]：{escape(diagnosis.reach.message)}")




def _bar(value: float, peak: float, width: int = 30) -> str:
    cells = 0 if peak <= 0 else round(width * value / peak)
    return "█" * cells


def simulate_command(
    ctx: typer.Context,
    days: int = typer.Option(7, "--days", min=1, max=365, help="模拟天数"),
    at: Optional[str] = typer.Option(None, "--at", help="决策时刻（ISO 时间，默认现在）"),
    output: Format = typer.Option(Format.text, "--format", help="text | json"),
) -> None:
    """按流量规则把每天的曝光分给社区里的笔记，报告谁得到了什么、为什么。"""
    from collections import Counter

    from redline.store.traffic_facts import TrafficFacts
    from redline.traffic.simulate import SimNote, simulate

    context = cli_context(ctx)
    facts = TrafficFacts(context.database, context.home.root, context.policy, parse_time(at))
    diagnoses = [facts.diagnose(account_id) for account_id in facts.account_ids()]
    merchant_of = {s.merchant_id: s for category in facts.standings.values() for s in category}
    sim_notes = []
    for diagnosis in diagnoses:
        for item in diagnosis.notes:
            merchant = item.note.account_id if item.decision.pools[0] == "commerce" else None
            standing = merchant_of.get(merchant) if merchant else None
            sim_notes.append(SimNote(item.note.id, diagnosis.account_id, diagnosis.tier.name, diagnosis.index, item.decision, merchant, standing.category if standing else ""))
    result = simulate(sim_notes, facts.standings, days, context.policy)

    accounts = []
    for diagnosis in diagnoses:
        ids = [item.note.id for item in diagnosis.notes]
        rules = Counter(r.rule for item in diagnosis.notes for r in item.decision.reasons)
        accounts.append({
            "account": diagnosis.account_id,
            "index": None if diagnosis.index is None else round(diagnosis.index, 1),
            "tier": diagnosis.tier.name,
            "notes": len(ids),
            "recommendation_entries": sum(result.entries[i] for i in ids),
            "community_impressions": round(sum(result.community[i] for i in ids)),
            "commerce_impressions": round(sum(result.commerce[i] for i in ids)),
            "reasons": dict(rules.most_common()),
        })
    summary = {
        "days": days,
        "at": facts.at.isoformat(),
        "policy_version": context.policy.version,
        "high_vs_normal_pool_ratio": None if result.high_vs_normal_pool_ratio is None else round(result.high_vs_normal_pool_ratio, 3),
        "top_merchant_commerce_share": {c: round(v, 4) for c, v in result.top_merchant_commerce_share.items()},
        "policy_top_traffic_share": context.policy.traffic.horse_race.top_traffic_share,
        "accounts": accounts,
    }
    if output is Format.json:
        print_json(summary)
        return
    table = Table(title=f"{days} 天流量模拟（每天社区曝光 {context.policy.traffic.simulate.daily_community_impressions:,}，电商曝光 {context.policy.traffic.simulate.daily_commerce_impressions:,}）")
    for column in ("账号", "健康度", "档位", "笔记", "进推荐池次数", "社区曝光", "电商曝光", "主要原因"):
        table.add_column(column, justify="right" if column not in ("账号", "档位", "主要原因") else "left")
    for row in sorted(accounts, key=lambda r: -(r["community_impressions"] + r["commerce_impressions"])):
        reasons = "、".join(f"{rule.split('.', 1)[1]}×{count}" for rule, count in list(row["reasons"].items())[:2])
        table.add_row(row["account"], "—" if row["index"] is None else f"{row['index']:.1f}", TIER_LABELS[row["tier"]], str(row["notes"]),
                      str(row["recommendation_entries"]), f"{row['community_impressions']:,}", f"{row['commerce_impressions']:,}", reasons)
    console.print(table)
    by_tier: dict[str, list[int]] = {}
    for row in accounts:
        by_tier.setdefault(row["tier"], []).append(row["community_impressions"] + row["commerce_impressions"])
    per_account = {tier: sum(values) / len(values) for tier, values in by_tier.items()}
    peak = max(per_account.values(), default=0)
    console.print("[bold]各档位账号平均曝光[/bold]")
    for tier in ("high", "normal", "low", "unknown"):
        if tier in per_account:
            console.print(f"  {TIER_LABELS[tier]:<8} {_bar(per_account[tier], peak)} {per_account[tier]:,.0f}")
    ratio = summary["high_vs_normal_pool_ratio"]
    traffic = context.policy.traffic
    console.print(
        f"高健康度（≥ {traffic.high_tier_min_index:g}）账号的可比笔记进入推荐池的次数是 "
        f"{traffic.low_tier_below_index:g}–{traffic.high_tier_min_index:g} 分账号的 {ratio:.2f} 倍（策略 ×{traffic.high_tier_recommend_multiplier:g}）。"
        if ratio else "没有可比较的高/中档位笔记。"
    )
    for category, share in summary["top_merchant_commerce_share"].items():
        console.print(f"{category}：前 {context.policy.traffic.horse_race.top_share:.0%} 商家拿到 {share:.1%} 的电商曝光（策略 {context.policy.traffic.horse_race.top_traffic_share:.0%}）。")


def teen_publish_command(
    ctx: typer.Context,
    at: Optional[str] = typer.Option(None, "--at", help="发布时刻（当地时间，ISO 格式，默认现在）"),
    category: Optional[str] = typer.Option(None, "--category", help="笔记品类（检查是否属于青少年模式屏蔽的内容）"),
    output: Format = typer.Option(Format.text, "--format", help="text | json"),
) -> None:
    """青少年模式发布检查：22:00–06:00 禁止发布，并告知何时可以发布；屏蔽品类不进入青少年流量池。"""
    from redline.traffic.teen_mode import check_teen_publish, teen_pool_eligible

    context = cli_context(ctx)
    moment = parse_time(at) if at else datetime.now().astimezone()
    result = check_teen_publish(moment.replace(tzinfo=None), context.policy)
    eligible, pool_message = teen_pool_eligible(category, 100.0, context.policy) if category else (True, "")
    if output is Format.json:
        print_json({
            "allowed": result.allowed,
            "message": result.message,
            "next_allowed_at": result.next_allowed_at.isoformat() if result.next_allowed_at else None,
            "teen_pool_category_allowed": eligible,
            "category_message": pool_message,
        })
    else:
        console.print(("[green]" if result.allowed else "[red]") + escape(result.message) + ("[/green]" if result.allowed else "[/red]"))
        if category and not eligible:
            console.print(f"[yellow]{escape(pool_message)}[/yellow]")
    if not result.allowed:
        raise typer.Exit(1)


def promote_command(
    ctx: typer.Context,
    budget: float = typer.Option(..., "--budget", help="预算（元）"),
    objective: Optional[str] = typer.Option(None, "--objective", help="engagement（互动，如薯条）| conversion（转化，如聚光/千帆）；省略则两者对比"),
    output: Format = typer.Option(Format.text, "--format", help="text | json"),
) -> None:
    """付费推广预估：不同投放目标分别能买到什么（点赞还是订单、ROI），付款前说清楚。"""
    from redline.traffic.promotion import OBJECTIVE_LABELS, compare_objectives, forecast, objective_advice

    context = cli_context(ctx)
    forecasts = compare_objectives(budget, context.policy) if objective is None else {objective: forecast(objective, budget, context.policy)}  # type: ignore[arg-type]
    if output is Format.json:
        payload = {name: f.to_dict() for name, f in forecasts.items()}
        if objective is None:
            payload["advice"] = objective_advice(forecasts)  # type: ignore[arg-type]
        print_json(payload)
        return
    table = Table(title=f"预算 ¥{budget:,.0f} 的投放预估")
    for column in ("目标", "曝光", "点赞", "收藏", "涨粉", "订单", "成交额", "ROI"):
        table.add_column(column, justify="left" if column == "目标" else "right")
    for name, f in forecasts.items():
        table.add_row(OBJECTIVE_LABELS[name], f"{f.impressions:,}", f"{f.likes:,.0f}", f"{f.saves:,.0f}", f"{f.follows:,.0f}", f"{f.orders:,.1f}", f"¥{f.gmv:,.0f}", f"{f.roi:.2f}")
    console.print(table)
    if objective is None:
        console.print(escape(objective_advice(forecasts)))  # type: ignore[arg-type]


def register(app: typer.Typer) -> None:
    app.command("diagnose")(diagnose_command)
    app.command("simulate")(simulate_command)
    app.command("teen-publish")(teen_publish_command)
    app.command("promote")(promote_command)
