"""`redline demo-data` (write a generated community as files) and `redline demo` (generate,
ingest, recompute into the data home, and show the result)."""

from __future__ import annotations

import shutil
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Optional

import typer

from redline.cli.context import cli_context
from redline.cli.output import console, print_json
from redline.errors import InputError

MAX_ACCOUNTS = 5_000
MAX_DAYS = 120


def _validate(accounts: int, days: int) -> None:
    if not 1 <= accounts <= MAX_ACCOUNTS:
        raise InputError(f"--accounts 应在 1 到 {MAX_ACCOUNTS} 之间，收到 {accounts}")
    if not 1 <= days <= MAX_DAYS:
        raise InputError(f"--days 应在 1 到 {MAX_DAYS} 之间，收到 {days}")


def _last_day(value: Optional[str], policy) -> date:
    from redline.cli.health import parse_day, yesterday

    return parse_day(value, policy, "--until") or yesterday(policy)


def demo_data_command(
    ctx: typer.Context,
    accounts: int = typer.Option(40, "--accounts", help="账号数"),
    days: int = typer.Option(14, "--days", help="天数"),
    out: Path = typer.Option(..., "--out", help="输出目录（accounts/notes/comments/events.jsonl）"),
    seed: int = typer.Option(7, "--seed", help="随机种子（相同参数生成相同文件）"),
    until: Optional[str] = typer.Option(None, "--until", help="最后一天（默认昨天）"),
) -> None:
    """生成一个逼真的社区（可像外部数据一样导入的原始文件）。"""
    from redline.demo import generate_community, write_community

    _validate(accounts, days)
    context = cli_context(ctx)
    community = generate_community(accounts, days, seed, _last_day(until, context.policy), context.policy.signals.timezone)
    paths = write_community(community, out)
    console.print(
        f"已生成 {len(community.accounts)} 个账号、{len(community.notes)} 篇笔记、{len(community.comments)} 条评论、"
        f"{len(community.events)} 条事件（{community.first_day} 至 {community.last_day}）到 {out}"
    )
    for name, path in paths.items():
        console.print(f"  {name}: {path}")
    console.print(f"导入：redline ingest accounts {paths['accounts']} && redline ingest notes {paths['notes']} && "
                  f"redline ingest comments {paths['comments']} && redline ingest events {paths['events']}")
    if "products" in paths:
        console.print(f"商品与挂车（在导入笔记之后）：redline ingest products {paths['products']} && redline ingest product-links {paths['product_links']}")


def demo_command(
    ctx: typer.Context,
    accounts: int = typer.Option(40, "--accounts", help="账号数"),
    days: int = typer.Option(14, "--days", help="天数"),
    seed: int = typer.Option(7, "--seed", help="随机种子"),
    history: int = typer.Option(3, "--history", help="重算最近几天（每天保存一份结果，可看指数逐日变化）"),
    format: str = typer.Option("text", "--format", help="text | json"),
) -> None:
    """一步演示：生成社区 → 导入 → 重算健康度 → 显示结果（写入数据目录）。"""
    from redline.cli.health import account_rows, print_accounts_table
    from redline.demo import generate_community, write_community
    from redline.ingest.entities import load_accounts_file, load_comments_file, load_notes_file
    from redline.ingest.events import ingest_event_file
    from redline.pipeline.recompute import recompute
    from redline.pipeline.textchecks import refresh_comment_labels, refresh_note_checks
    from redline.store.lake import EventLake

    _validate(accounts, days)
    if format not in ("text", "json"):
        raise InputError(f"--format 只能是 text 或 json，收到 {format!r}")
    if history < 1:
        raise InputError("--history 至少为 1")
    context = cli_context(ctx)
    policy = context.policy
    started = time.perf_counter()
    last = _last_day(None, policy)
    quiet = format == "json"
    work = Path(tempfile.mkdtemp(prefix="redline-demo-"))
    try:
        with console.status("生成社区…") if not quiet else _null():
            community = generate_community(accounts, days, seed, last, policy.signals.timezone)
            paths = write_community(community, work)
        with console.status("导入账号、笔记、评论并检测正文…") if not quiet else _null():
            database = context.database
            load_accounts_file(database, paths["accounts"], policy, source="demo")
            notes = load_notes_file(database, paths["notes"], policy, source="demo")
            comments = load_comments_file(database, paths["comments"], policy, source="demo")
            if "products" in paths:  # merchants and their products (redline.demo.commerce)
                from redline.cli.products import load_commerce

                load_commerce(database, policy, paths["products"], paths.get("product_links"))
            refresh_note_checks(database, policy, notes.ids, home=context.home)
            refresh_comment_labels(database, policy, comments.ids)
        with console.status("导入行为事件…") if not quiet else _null():
            ingested = ingest_event_file(paths["events"], EventLake.in_home(context.home.lake_dir), policy)
        days_done = []
        for offset in range(min(history, days) - 1, -1, -1):
            day = last - timedelta(days=offset)
            with console.status(f"重算 {day} 的健康度…") if not quiet else _null():
                recompute(database, context.home, day, policy, "duckdb", refresh_text=False)
            days_done.append(day.isoformat())
    finally:
        shutil.rmtree(work, ignore_errors=True)
    rows = [row for row in account_rows(context.database) if row["account_id"] in community.kinds]
    for row in rows:
        row["kind"] = community.kinds[row["account_id"]]
    elapsed = time.perf_counter() - started
    if quiet:
        print_json({"home": str(context.home.root), "days": days_done, "events": ingested.to_dict() | {"rejects": []}, "accounts": rows, "seconds": round(elapsed, 1)})
        return
    console.print(
        f"社区：{len(community.accounts)} 个账号，{len(community.notes)} 篇笔记，{len(community.comments)} 条评论，"
        f"{ingested.written} 条新事件（{ingested.duplicates} 条已存在），{community.first_day} 至 {community.last_day}；"
        f"已计算 {', '.join(days_done)}。数据目录：{context.home.root}"
    )
    rows.sort(key=lambda r: (r["index"] is None, r["index"] if r["index"] is not None else 0))
    print_accounts_table(rows, policy, title=f"账号健康度（{days_done[-1]}，由低到高）", kinds=community.kinds)
    from redline.demo.community import KIND_NAMES

    by_kind: dict[str, list[float]] = {}
    for row in rows:
        if row["index"] is not None:
            by_kind.setdefault(row["kind"], []).append(row["index"])
    console.print("按账号类型的平均健康度：" + "，".join(f"{KIND_NAMES[k]} {sum(v) / len(v):.1f}" for k, v in sorted(by_kind.items(), key=lambda kv: -sum(kv[1]) / len(kv[1]))))
    worst = rows[0]["account_id"] if rows else None
    if worst:
        console.print(f"下一步：redline explain account {worst}   ·   redline accounts --format json   （用时 {elapsed:.1f} 秒）")


class _null:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def register(app: typer.Typer) -> None:
    app.command("demo-data")(demo_data_command)
    app.command("demo")(demo_command)
