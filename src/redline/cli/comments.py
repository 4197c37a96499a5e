"""`redline comments triage FILE [--block-words FILE] [--format json]` (SPEC R-CRE)."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer
from rich.table import Table

from redline.cli.context import cli_context
from redline.cli.output import console, err_console, print_json
from redline.errors import InputError

comments_app = typer.Typer(help="评论区管理：屏蔽导流、折叠负面、优先回复。", no_args_is_help=True)

_LABEL_NAMES = {"block": "屏蔽", "fold": "折叠", "answer-first": "优先回复", "keep": "保留"}
_LABEL_STYLE = {"block": "red", "fold": "yellow", "answer-first": "cyan", "keep": "green"}


def _read_block_words(path: Path) -> list[str]:
    if not path.is_file():
        raise InputError(f"找不到屏蔽词文件：{path}")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"屏蔽词文件不是 UTF-8 编码（第 {exc.start} 字节）：{path}") from None
    words = []
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip() if not line.lstrip().startswith("#") else ""
        words.extend(part.strip() for part in line.replace("，", ",").split(",") if part.strip())
    return words


@comments_app.command("triage")
def triage_command(
    ctx: typer.Context,
    file: Path = typer.Argument(..., help="评论文件：JSONL（{\"id\",\"text\",\"parent_id\"}）或 MediaCrawler 评论导出"),
    block_words: Optional[Path] = typer.Option(None, "--block-words", help="你的屏蔽词文件：每行一个（# 开头为注释）"),
    format: str = typer.Option("text", "--format", help="text | json"),
) -> None:
    """逐条标注评论：屏蔽（导流或你的屏蔽词）、折叠（负面）、优先回复（具体提问）、保留。"""
    if format not in ("text", "json"):
        raise InputError(f"--format 只能是 text 或 json，而不是 {format!r}")
    from redline.creator.comments import triage
    from redline.ingest.comment_file import read_comment_file

    policy = cli_context(ctx).policy
    words = _read_block_words(block_words) if block_words else []
    loaded = read_comment_file(file)
    result = triage(loaded.comments, policy, words)
    if format == "json":
        data = result.to_json()
        data["skipped"] = [{"row": e.row, "message": str(e)} for e in loaded.errors]
        print_json(data)
        return
    for error in loaded.errors:
        err_console.print(f"[yellow]跳过[/yellow] {error}", highlight=False)
    table = Table(show_lines=False)
    for column in ("评论", "标注", "负面分", "原因", "内容"):
        table.add_column(column, overflow="fold")
    for comment in result.comments:
        indent = "  ↳ " if comment.parent_id else ""
        reasons = "；".join(f"{r.detail}" + (f"（{r.excerpt}）" if r.excerpt and r.kind != "negative" else "") for r in comment.reasons)
        if comment.label == "answer-first":
            reasons += "；尚无回复" if comment.replies == 0 else f"；已有 {comment.replies} 条回复"
        table.add_row(
            indent + comment.id,
            f"[{_LABEL_STYLE[comment.label]}]{_LABEL_NAMES[comment.label]}[/]",
            "-" if comment.negative is None else f"{comment.negative:.2f}",
            reasons,
            comment.text if len(comment.text) <= 60 else comment.text[:59] + "…",
        )
    console.print(table)
    s = result.summary

    def pct(value: float | None) -> str:
        return "未知" if value is None else f"{value:.1%}"

    counts = "，".join(f"{_LABEL_NAMES[k]} {v}" for k, v in s.labels.items())
    console.print(
        f"共 {s.comments} 条（{s.threads} 个楼层、{s.replies} 条回复）：{counts}。"
        f"负面占比 {pct(s.negative_share)}，讨论度（具体提问占比）{pct(s.discussion_share)}。",
        highlight=False,
    )
    for note_id, part in result.by_note.items():
        console.print(
            f"  笔记 {note_id}：{part.comments} 条，屏蔽 {part.labels['block']}，折叠 {part.labels['fold']}，"
            f"优先回复 {part.labels['answer-first']}；负面占比 {pct(part.negative_share)}，讨论度 {pct(part.discussion_share)}",
            highlight=False,
        )
    if s.index_enough_comments:
        bonus = "未知" if s.index_discussion_bonus is None else ("是" if s.index_discussion_bonus else "否")
        score = "未知" if s.index_negative_comments_score is None else f"{s.index_negative_comments_score:.0f}"
        console.print(f"健康度指数的读法：负面评论分（F1）{score}/100，讨论度加分（F2）：{bonus}。", highlight=False)
    else:
        console.print(f"评论少于 {policy.signals.min_comments} 条：健康度指数不计入评论区数据。", highlight=False)
    for note in result.notes:
        console.print(f"[yellow]注意[/yellow]：{note}", highlight=False)


def register(app: typer.Typer) -> None:
    app.add_typer(comments_app, name="comments")
