"""`redline ingest events|accounts|notes|comments FILE`: bring data into the data home."""

from __future__ import annotations

from pathlib import Path

import typer

from redline.cli.context import cli_context
from redline.cli.output import console, err_console, print_json
from redline.errors import InputError

ingest_app = typer.Typer(help="导入数据：行为事件进事件湖，账号/笔记/评论进数据库。", no_args_is_help=True)


def _format(format: str) -> None:
    if format not in ("text", "json"):
        raise InputError(f"--format 只能是 text 或 json，收到 {format!r}")


@ingest_app.command("events")
def ingest_events(
    ctx: typer.Context,
    files: list[Path] = typer.Argument(..., help="事件文件（.jsonl 或 .csv），可多个"),
    strict: bool = typer.Option(False, "--strict", help="任何一条无效就整份文件不写入"),
    format: str = typer.Option("text", "--format", help="text | json"),
) -> None:
    """校验并写入行为事件（按天分区的 Parquet；同一事件 id 只记一次）。"""
    from redline.ingest.events import ingest_event_file
    from redline.store.lake import EventLake

    _format(format)
    context = cli_context(ctx)
    lake = EventLake.in_home(context.home.lake_dir)
    reports = []
    for path in files:
        report = ingest_event_file(path, lake, context.policy, strict=strict)
        reports.append({"file": str(path), **report.to_dict()})
        if format == "text":
            console.print(
                f"{path}：读取 {report.read} 条，写入 {report.written} 条，重复 {report.duplicates} 条（已存在，未重复计数），无效 {report.rejected} 条。"
            )
            for line, reason in report.rejects[:20]:
                err_console.print(f"  第 {line} 行：{reason}", highlight=False)
            if report.rejected > 20:
                err_console.print(f"  ……另有 {report.rejected - 20} 条无效（--format json 查看前 1000 条）")
    if format == "json":
        print_json(reports if len(reports) > 1 else reports[0])


def _entity_command(kind: str, label: str):
    def command(
        ctx: typer.Context,
        file: Path = typer.Argument(..., help=f"{label}文件（JSON Lines，每行一个对象）"),
        format: str = typer.Option("text", "--format", help="text | json"),
    ) -> None:
        from redline.ingest import entities
        from redline.pipeline.textchecks import refresh_comment_labels, refresh_note_checks

        _format(format)
        context = cli_context(ctx)
        loader = {"accounts": entities.load_accounts_file, "notes": entities.load_notes_file, "comments": entities.load_comments_file}[kind]
        report = loader(context.database, file, context.policy)
        if kind == "notes" and report.ids:
            refresh_note_checks(context.database, context.policy, report.ids, home=context.home)
        if kind == "comments" and report.ids:
            refresh_comment_labels(context.database, context.policy, report.ids)
        if format == "json":
            print_json(report.to_dict())
        else:
            console.print(f"{file}：{label} {report.read} 条，新增 {report.inserted}，更新 {report.updated}，未变 {report.unchanged}。")

    command.__doc__ = f"导入{label}（按 id 新增或更新；任何一条无效则整份文件不写入）。"
    return command


ingest_app.command("accounts")(_entity_command("accounts", "账号"))
ingest_app.command("notes")(_entity_command("notes", "笔记"))
ingest_app.command("comments")(_entity_command("comments", "评论"))


def register(app: typer.Typer) -> None:
    app.add_typer(ingest_app, name="ingest")
