"""`redline check`: the pre-publish check of one text, or a batch of JSON Lines.

Exit status like a linter: 0 when nothing is a violation, 1 when something is, 2 for bad usage
or unreadable input — so it can guard a publishing pipeline.
"""

from __future__ import annotations

import sys
from enum import Enum
from typing import Any, Optional

import typer
from rich.markup import escape
from rich.panel import Panel
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from redline.checks import CheckRequest, CheckResult, checker_for
from redline.checks.finding import TEXT_KINDS, Finding
from redline.checks.report import FAMILY_LABELS, SANCTION_LABELS, SCORE_LABELS, SEVERITY_LABELS, VERDICT_LABELS, label
from redline.cli.context import CliContext, cli_context
from redline.cli.output import console, err_console, print_json, print_json_line
from redline.errors import InputError
from redline.io.jsonl import count_lines, iter_json_lines, open_binary
from redline.io.textfile import read_text_argument

TextKindOption = Enum("TextKindOption", {kind: kind for kind in TEXT_KINDS}, type=str)


class OutputFormat(str, Enum):
    text = "text"
    json = "json"
    jsonl = "jsonl"


def parse_credentials(value: Any) -> frozenset[str]:
    if value is None or value == "":
        return frozenset()
    if isinstance(value, str):
        return frozenset(part.strip() for part in value.split(",") if part.strip())
    if isinstance(value, list) and all(isinstance(part, str) for part in value):
        return frozenset(value)
    raise InputError("credentials 应是逗号分隔的字符串或字符串数组")


def request_from_object(obj: dict[str, Any]) -> CheckRequest:
    """A batch line → CheckRequest, with a clear error for each malformed field."""
    text = obj.get("text")
    if not isinstance(text, str):
        raise InputError("缺少字符串字段 text")
    kind = obj.get("kind", "note")
    if kind not in TEXT_KINDS:
        raise InputError(f"kind 必须是 {'|'.join(TEXT_KINDS)} 之一，收到 {kind!r}")
    for name in ("title", "category"):
        if obj.get(name) is not None and not isinstance(obj[name], str):
            raise InputError(f"{name} 应是字符串")
    price = obj.get("price")
    if price is not None:
        if isinstance(price, bool) or not isinstance(price, (int, float)):
            raise InputError("price 应是数字")
        if price < 0:
            raise InputError(f"price 不能为负数（收到 {price}）")
    for name in ("disclosed", "product_attached"):
        if name in obj and not isinstance(obj[name], bool):
            raise InputError(f"{name} 应是 true 或 false")
    return CheckRequest(
        text=text,
        kind=kind,
        title=obj.get("title") or "",
        category=obj.get("category"),
        credentials=parse_credentials(obj.get("credentials")),
        disclosed=obj.get("disclosed", False),
        price=float(price) if price is not None else None,
        product_attached=obj.get("product_attached", False),
    )


def _originality(context: CliContext, text: str, account_id: str | None) -> dict | None:
    """The originality report when the data home has a corpus index (else None)."""
    from redline.home import DataHome
    from redline.originality import report_for_check

    home = DataHome.resolve(context.home_dir)  # not created: a check alone leaves no data home behind
    if not home.root.exists():
        return None
    return report_for_check(home, text, account_id, context.policy)


def result_payload(result: CheckResult, originality: dict | None = None) -> dict[str, Any]:
    payload = result.to_dict()
    if originality is not None:
        payload["originality"] = originality
    return payload


def _highlighted_context(original: str, finding: Finding, margin: int = 18) -> str:
    start, end = finding.start, finding.end
    left = original[max(0, start - margin) : start].replace("\n", " ")
    right = original[end : end + margin].replace("\n", " ")
    middle = original[start:end].replace("\n", " ")
    prefix = "…" if start > margin else ""
    suffix = "…" if end + margin < len(original) else ""
    return f"{prefix}{escape(left)}[reverse bold]{escape(middle)}[/reverse bold]{escape(right)}{suffix}"


_SEVERITY_STYLE = {"violation": "bold red", "warning": "yellow", "info": "cyan"}


def render_text(result: CheckResult, request: CheckRequest, source: str, originality: dict | None) -> None:
    verdict_style = {"pass": "green", "warn": "yellow", "violation": "bold red"}[result.verdict]
    console.print(
        f"[{verdict_style}]结论：{VERDICT_LABELS[result.verdict]}[/{verdict_style}]  "
        f"（{escape(source)}，{len(request.text)} 字，{len(result.findings)} 个问题，策略 {result.policy_version}）"
    )
    for note in result.notes:
        console.print(f"[yellow]注意：{escape(note)}[/yellow]")
    for number, finding in enumerate(result.findings, 1):
        style = _SEVERITY_STYLE[finding.severity]
        where = "标题" if finding.field == "title" else "正文"
        original = request.title if finding.field == "title" else request.text
        lines = [
            f"[dim]{where}第 {finding.start + 1}–{finding.end} 字：[/dim]{_highlighted_context(original, finding)}",
            f"[dim]依据：[/dim]{escape(finding.evidence)}",
            f"[dim]建议：[/dim]{escape(finding.advice)}",
        ]
        penalty = []
        if finding.points:
            penalty.append(f"扣 {finding.points} 分")
        if finding.sanction:
            penalty.append(label(SANCTION_LABELS, finding.sanction))
        if penalty:
            lines.append(f"[dim]处罚：[/dim]{escape('，'.join(penalty))}")
        title = (
            f"{number}. [{style}]{SEVERITY_LABELS[finding.severity]}[/{style}] "
            f"{label(FAMILY_LABELS, finding.family)} · {finding.rule}"
        )
        console.print(Panel("\n".join(lines), title=title, title_align="left", border_style=style))
    if result.scores:
        table = Table(title="评分", show_header=True, header_style="bold")
        table.add_column("指标")
        table.add_column("数值", justify="right")
        for key, value in result.scores.items():
            shown = f"{value:.0f}" if float(value).is_integer() else f"{value:.2f}"
            table.add_row(label(SCORE_LABELS, key), shown)
        console.print(table)
    if originality is not None:
        console.print(
            f"原创度 {originality.get('originality', 0):.0%}，重复率 {originality.get('duplicate_ratio', 0):.0%}，"
            f"自我重复 {originality.get('self_duplicate_ratio', 0):.0%}，匹配笔记 {len(originality.get('matches', []))} 篇"
        )
    if not result.findings:
        console.print("[green]未发现问题。[/green]")


def _run_batch(context: CliContext, batch_path: str, output: OutputFormat) -> int:
    checker = checker_for(context.policy)
    total = count_lines(batch_path)
    worst = 0
    bad_lines = 0
    with open_binary(batch_path) as stream, Progress(
        TextColumn("检查中"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(), console=err_console, transient=True
    ) as progress:
        task = progress.add_task("check", total=total)
        for line in iter_json_lines(stream):
            progress.advance(task)
            record_id = line.value.get("id") if line.value else None
            try:
                if line.value is None:
                    raise InputError(line.error)
                request = request_from_object(line.value)
            except InputError as exc:
                bad_lines += 1
                err_console.print(f"[yellow]第 {line.number} 行已跳过：{escape(str(exc))}[/yellow]", highlight=False)
                continue
            result = checker.check(request)
            worst = max(worst, result.exit_code)
            payload = {"id": record_id, **result_payload(result)}
            if output is OutputFormat.text:
                console.print(f"{record_id}\t{VERDICT_LABELS[result.verdict]}\t" + ", ".join(f.rule for f in result.findings))
            else:
                print_json_line(payload)
    if bad_lines:
        err_console.print(f"[yellow]共 {bad_lines} 行无法读取，已跳过；其余已检查。[/yellow]")
        return 2
    return worst


def check_command(
    ctx: typer.Context,
    file: Optional[str] = typer.Argument(None, help="要检查的文本文件；'-' 或省略表示标准输入"),
    kind: TextKindOption = typer.Option("note", "--kind", help="文本类型"),
    title: str = typer.Option("", "--title", help="笔记标题（单独检查，偏移量相对标题）"),
    category: Optional[str] = typer.Option(None, "--category", help="品类，如 science、beauty、health_food"),
    credentials: str = typer.Option("", "--credentials", help="账号资质，逗号分隔，如 medical_license,food_license"),
    disclosed: bool = typer.Option(False, "--disclosed", help="已通过蒲公英报备的合作内容"),
    price: Optional[float] = typer.Option(None, "--price", help="商品价格（元）", min=0),
    product_attached: bool = typer.Option(False, "--product-attached", help="笔记挂了商品"),
    account: Optional[str] = typer.Option(None, "--account", help="作者账号（区分自我重复与抄袭）"),
    batch: Optional[str] = typer.Option(None, "--batch", help="批量检查：JSON Lines 文件，每行一个对象"),
    output: OutputFormat = typer.Option(OutputFormat.text, "--format", help="text | json | jsonl"),
    encoding: str = typer.Option("utf-8", "--encoding", help="输入文件编码（默认 UTF-8）"),
) -> None:
    """发布前检查：找出平台会发现的每个问题，给出位置、规则、处罚和改写建议。"""
    context = cli_context(ctx)
    if batch is not None:
        if file is not None:
            raise typer.BadParameter("--batch 与 FILE 不能同时使用")
        raise typer.Exit(_run_batch(context, batch, output))
    text, source = read_text_argument(file, encoding)
    request = CheckRequest(
        text=text,
        kind=kind.value,
        title=title,
        category=category,
        credentials=parse_credentials(credentials),
        disclosed=disclosed,
        price=price,
        product_attached=product_attached,
    )
    result = checker_for(context.policy).check(request)
    originality = _originality(context, text, account)
    if output is OutputFormat.text:
        render_text(result, request, source, originality)
    elif output is OutputFormat.json:
        print_json(result_payload(result, originality))
    else:
        print_json_line(result_payload(result, originality))
    raise typer.Exit(result.exit_code)


def register(app: typer.Typer) -> None:
    app.command("check")(check_command)
