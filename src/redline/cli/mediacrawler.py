"""`redline import mediacrawler FILE…`: creator data exported by MediaCrawler (and similar tools)
becomes accounts, notes and comments; the index is then computed on what is known."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from redline.cli.context import cli_context
from redline.cli.output import console, err_console, print_json
from redline.errors import InputError

import_app = typer.Typer(help="导入外部导出的数据。", no_args_is_help=True)

MISSING = "导出数据没有曝光、阅读、停留时长、完播、举报和粉丝登录：这些指标记为未知，健康度只按已知指标计算，覆盖度会写明缺了什么。"


@import_app.command("mediacrawler")
def import_mediacrawler(
    ctx: typer.Context,
    files: list[Path] = typer.Argument(..., help="MediaCrawler 导出的笔记/评论/创作者文件（CSV、JSON、JSONL；新旧格式均可）"),
    day: Optional[str] = typer.Option(None, "--date", help="导入后按这一天计算健康度（默认导出数据中最新的抓取日期）"),
    recompute_after: bool = typer.Option(True, "--recompute/--no-recompute", help="导入后立即计算健康度"),
    format: str = typer.Option("text", "--format", help="text | json"),
) -> None:
    """导入 MediaCrawler 导出文件（计数如 1.3万、2.1w、1k+、2,345 均可识别）。"""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from redline.cli.health import parse_day
    from redline.ingest.mediacrawler_store import import_files
    from redline.pipeline.recompute import recompute
    from redline.pipeline.textchecks import refresh_comment_labels, refresh_note_checks

    if format not in ("text", "json"):
        raise InputError(f"--format 只能是 text 或 json，收到 {format!r}")
    context = cli_context(ctx)
    policy = context.policy
    zone = ZoneInfo(policy.signals.timezone)
    reports = import_files(context.database, list(files))
    # The export describes the account as it was when crawled: compute the index for that day.
    latest = max((r.latest for r in reports if r.latest is not None), default=None)
    target = parse_day(day, policy) or (latest.astimezone(zone).date() if latest else datetime.now(zone).date())
    note_ids = [i for r in reports for i in r.note_ids]
    comment_ids = [i for r in reports for i in r.comment_ids]
    if note_ids:
        refresh_note_checks(context.database, policy, note_ids, home=context.home)
    if comment_ids:
        refresh_comment_labels(context.database, policy, comment_ids)
    result = recompute(context.database, context.home, target, policy) if recompute_after else None
    if format == "json":
        print_json({"files": [r.to_dict() for r in reports], "recomputed": result.to_dict() if result else None, "missing": MISSING})
        return
    kinds = {"notes": "笔记", "comments": "评论", "creators": "创作者"}
    for report in reports:
        console.print(
            f"{report.path}（{kinds[report.kind]}，{report.schema} 格式）：读取 {report.read} 条，新增 {report.inserted}，"
            f"更新 {report.updated}，未变 {report.unchanged}，跳过 {len(report.skipped)}。"
        )
        for line in report.skipped[:10]:
            err_console.print(f"  {line}", highlight=False)
        if len(report.skipped) > 10:
            err_console.print(f"  ……另有 {len(report.skipped) - 10} 条（--format json 查看全部）")
    if result:
        console.print(f"已按 {target} 计算：笔记 {result.notes} 篇，账号 {result.accounts} 个。{MISSING}")
        console.print("查看：redline accounts   ·   redline explain account 账号id   ·   redline explain note 笔记id")


def register(app: typer.Typer) -> None:
    app.add_typer(import_app, name="import")
