"""`redline corpus add|check|remove|stats|compact|rebuild`: the originality index (R-TXT-7)."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

from redline.cli.context import cli_context
from redline.cli.output import console, err_console, print_json, print_json_line
from redline.errors import InputError
from redline.originality import IndexParams, originality_report, originality_reports
from redline.originality.index import notes_content
from redline.store.corpus import CorpusStore, notes_dir
from redline.text.normalize import normalizer_for

corpus_app = typer.Typer(help="原创度语料索引：导入笔记、查重、删除、统计。", no_args_is_help=True)

BATCH_NOTES = 20_000  # notes per written segment while importing
CHECK_BATCH = 1_000  # texts per index query in `corpus check --batch`
SHOWN_PROBLEMS = 20


def read_text_argument(source: str, max_chars: int) -> str:
    """The text of FILE, or of standard input for "-", decoded as UTF-8 (clear errors otherwise)."""
    try:
        data = sys.stdin.buffer.read() if source == "-" else Path(source).read_bytes()
    except OSError as exc:
        raise InputError(f"无法读取文件 {source}：{exc.strerror or exc}") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"{source} 不是有效的 UTF-8 文本（第 {exc.start} 字节处）") from None
    if not text.strip():
        raise InputError(f"{source} 为空：没有可检查的文本")
    if len(text) > max_chars:
        raise InputError(f"文本过长（{len(text)} 字符），上限为 {max_chars} 字符")
    return text


def open_store(ctx: typer.Context, create: bool = True, for_rebuild: bool = False) -> CorpusStore:
    context = cli_context(ctx)
    params = IndexParams.from_policy(context.policy)
    return CorpusStore.open(notes_dir(context.home.corpus_dir), params, create=create, for_rebuild=for_rebuild)


def _json_object(raw: bytes) -> dict:
    """One JSON Lines line as an object, or ValueError with the reason in Chinese."""
    try:
        line = raw.decode("utf-8-sig" if raw.startswith(b"\xef\xbb\xbf") else "utf-8")
    except UnicodeDecodeError as exc:
        raise ValueError(f"不是有效的 UTF-8（第 {exc.start} 字节处）") from None
    try:
        record = json.loads(line)
    except json.JSONDecodeError as exc:
        raise ValueError(f"不是有效的 JSON（{exc.msg}，第 {exc.colno} 列）") from None
    if not isinstance(record, dict):
        raise ValueError("应为 JSON 对象 {\"id\", \"account_id\", \"text\"}")
    return record


def _parse_line(raw: bytes, max_chars: int) -> tuple[str, str, str]:
    record = _json_object(raw)
    note_id, account_id, text = record.get("id"), record.get("account_id"), record.get("text")
    if isinstance(note_id, int) and not isinstance(note_id, bool):
        note_id = str(note_id)
    if not isinstance(note_id, str) or not note_id.strip():
        raise ValueError("缺少 id（非空字符串）")
    if isinstance(account_id, int) and not isinstance(account_id, bool):
        account_id = str(account_id)
    if not isinstance(account_id, str) or not account_id.strip():
        raise ValueError("缺少 account_id（非空字符串）")
    if not isinstance(text, str):
        raise ValueError("缺少 text（字符串）")
    if not text.strip():
        raise ValueError("text 为空")
    if len(text) > max_chars:
        raise ValueError(f"text 过长（{len(text)} 字符，上限 {max_chars}）")
    return note_id.strip(), account_id.strip(), text


def _lines(source: str) -> Iterator[bytes]:
    try:
        handle = sys.stdin.buffer if source == "-" else open(source, "rb")
    except OSError as exc:
        raise InputError(f"无法读取文件 {source}：{exc.strerror or exc}") from None
    with handle:
        yield from handle


@corpus_app.command("add")
def add(
    ctx: typer.Context,
    file: str = typer.Argument(..., help='JSONL 文件（每行 {"id", "account_id", "text"}），"-" 为标准输入'),
) -> None:
    """导入笔记到原创度索引。坏行报告行号并跳过；已存在的 id 跳过并报告。"""
    context = cli_context(ctx)
    policy = context.policy
    max_chars = policy.originality.max_text_chars
    if file != "-" and not Path(file).is_file():
        raise InputError(f"文件不存在：{file}")
    total_bytes = Path(file).stat().st_size if file != "-" else None
    store = open_store(ctx)
    normalizer = normalizer_for(policy)
    bad: list[tuple[int, str]] = []
    added = 0
    duplicates: list[str] = []
    pending: tuple[list[str], list[str], list[str]] = ([], [], [])

    def flush() -> None:
        nonlocal added, pending
        ids, accounts, texts = pending
        if ids:
            outcome = store.add(ids, accounts, *notes_content(texts, normalizer))
            added += len(outcome.added)
            duplicates.extend(outcome.duplicates)
        pending = ([], [], [])

    progress_text = TextColumn("{task.completed} 字节") if total_bytes is None else TextColumn("{task.percentage:>3.0f}%")
    columns = (TextColumn("导入笔记"), BarColumn(), progress_text, TimeRemainingColumn())
    with Progress(*columns, console=err_console, transient=True) as progress:
        task = progress.add_task("add", total=total_bytes)
        for number, raw in enumerate(_lines(file), start=1):
            progress.advance(task, len(raw))
            if not raw.strip():
                continue
            try:
                note_id, account_id, text = _parse_line(raw.rstrip(b"\r\n"), max_chars)
            except ValueError as exc:
                bad.append((number, str(exc)))
                continue
            pending[0].append(note_id)
            pending[1].append(account_id)
            pending[2].append(text)
            if len(pending[0]) >= BATCH_NOTES:
                flush()
        flush()
    console.print(f"已导入 {added} 篇笔记；索引现有 {len(store.index)} 篇。")
    if duplicates:
        shown = "、".join(duplicates[:SHOWN_PROBLEMS]) + ("…" if len(duplicates) > SHOWN_PROBLEMS else "")
        err_console.print(f"[yellow]跳过 {len(duplicates)} 个重复 id[/yellow]（已在索引中或文件内重复）：{shown}",
                          highlight=False)
    if bad:
        _report_bad_lines(bad, f"跳过 {len(bad)} 行坏数据：")


def _report_bad_lines(bad: list[tuple[int, str]], heading: str) -> None:
    """The first SHOWN_PROBLEMS bad lines with their reasons, and how many more there were."""
    err_console.print(f"[yellow]{heading}[/yellow]", highlight=False)
    for number, reason in bad[:SHOWN_PROBLEMS]:
        err_console.print(f"  第 {number} 行：{reason}", highlight=False)
    if len(bad) > SHOWN_PROBLEMS:
        err_console.print(f"  ……另有 {len(bad) - SHOWN_PROBLEMS} 行", highlight=False)


def _percent(value: float) -> str:
    return f"{value * 100:.1f}%"


def print_report_text(report: dict, text: str) -> None:
    console.print(
        f"重复率（抄他人）{_percent(report['duplicate_ratio'])} · 自我重复 {_percent(report['self_duplicate_ratio'])}"
        f" · 原创度 {_percent(report['originality'])}（有效字数 {report['content_chars']}）",
        highlight=False,
    )
    console.print(
        f"低质判定：{'是' if report['low_quality'] else '否'} · 原创流量加权：{'是' if report['originality_bonus'] else '否'}",
        highlight=False,
    )
    if not report["matches"]:
        console.print("未发现与已收录笔记重复的段落。")
    for match in report["matches"]:
        kind = "自己的旧笔记" if match["self_duplicate"] else "他人笔记"
        console.print(f"· {kind} {match['note_id']}（账号 {match['account_id']}）重合 {_percent(match['overlap'])}",
                      highlight=False)
        for start, end in match["spans"][:5]:
            excerpt = text[start:end].replace("\n", " ")
            excerpt = excerpt if len(excerpt) <= 60 else excerpt[:57] + "…"
            console.print(f"    [{start}, {end}) 「{excerpt}」", highlight=False)
    console.print(f"策略版本 {report['policy_version']}", style="dim", highlight=False)


@corpus_app.command("check")
def check(
    ctx: typer.Context,
    file: str | None = typer.Argument(None, help='要检查的笔记文本文件，"-" 为标准输入'),
    account: str | None = typer.Option(None, "--account", help="作者账号（用于区分自我重复）"),
    note_id: str | None = typer.Option(None, "--id", help="这篇笔记自己的 id（已收录时不与自己比对）"),
    batch: str | None = typer.Option(
        None, "--batch", help='批量检查：JSON Lines 文件（每行 {"id", "account_id", "text"}，id 与 account_id 可省略），"-" 为标准输入'),
    format: str = typer.Option("text", "--format", help="text | json（批量时为 text | jsonl）"),
) -> None:
    """检查笔记的重复率与原创度（与索引中的已收录笔记比对）：一篇文本，或用 --batch 批量检查。"""
    if batch is not None:
        if file is not None or note_id is not None or account is not None:
            raise InputError("--batch 不能与 FILE、--id、--account 同时使用（批量时写在每一行里）")
        if format not in ("text", "jsonl"):
            raise InputError(f"批量检查不支持输出格式 {format}（可选 text、jsonl）")
        raise typer.Exit(_check_batch(ctx, batch, format))
    if file is None:
        raise InputError("请给出要检查的文本文件（\"-\" 为标准输入），或用 --batch 批量检查")
    if format not in ("text", "json"):
        raise InputError(f"不支持的输出格式 {format}（可选 text、json）")
    policy = cli_context(ctx).policy
    text = read_text_argument(file, policy.originality.max_text_chars)
    store = open_store(ctx, create=False)
    report = originality_report(store.index, text, account, policy, exclude_id=note_id).as_dict()
    if format == "json":
        print_json(report)
    else:
        print_report_text(report, text)


def _parse_check_line(raw: bytes, max_chars: int) -> tuple[str | None, str | None, str]:
    record = _json_object(raw)
    values: list[str | None] = []
    for name in ("id", "account_id"):
        value = record.get(name)
        if isinstance(value, int) and not isinstance(value, bool):
            value = str(value)
        if value is not None and not isinstance(value, str):
            raise ValueError(f"{name} 应是字符串")
        values.append(value.strip() or None if isinstance(value, str) else None)
    text = record.get("text")
    if not isinstance(text, str):
        raise ValueError("缺少 text（字符串）")
    if len(text) > max_chars:
        raise ValueError(f"text 过长（{len(text)} 字符，上限 {max_chars}）")
    return values[0], values[1], text


def _check_batch(ctx: typer.Context, source: str, format: str) -> int:
    """Check every line of a JSON Lines file, CHECK_BATCH lines per index query (the batched path
    that bench/bench_originality.py measures). Exit status 2 when some lines were unreadable."""
    policy = cli_context(ctx).policy
    max_chars = policy.originality.max_text_chars
    if source != "-" and not Path(source).is_file():
        raise InputError(f"文件不存在：{source}")
    store = open_store(ctx, create=False)
    bad: list[tuple[int, str]] = []
    pending: list[tuple[str | None, str | None, str]] = []
    checked = 0

    def flush() -> None:
        nonlocal checked, pending
        if not pending:
            return
        ids = [note_id for note_id, _, _ in pending]
        accounts = [account for _, account, _ in pending]
        reports = originality_reports(store.index, [text for _, _, text in pending], accounts, policy, exclude_ids=ids)
        for note_id, account, report in zip(ids, accounts, reports):
            data = report.as_dict()
            if format == "jsonl":
                print_json_line({"id": note_id, "account_id": account, **data})
            else:
                # One tab-separated line per text, for pipes (no console formatting).
                sys.stdout.write(f"{note_id or '-'}\t重复率 {_percent(data['duplicate_ratio'])}\t自我重复 "
                                 f"{_percent(data['self_duplicate_ratio'])}\t原创度 {_percent(data['originality'])}\t"
                                 f"匹配 {len(data['matches'])} 篇" + ("\t低质" if data["low_quality"] else "") + "\n")
        checked += len(pending)
        pending = []

    with Progress(TextColumn("查重"), BarColumn(), TextColumn("{task.completed} 行"), console=err_console,
                  transient=True) as progress:
        task = progress.add_task("check", total=None)
        for number, raw in enumerate(_lines(source), start=1):
            progress.advance(task)
            if not raw.strip():
                continue
            try:
                pending.append(_parse_check_line(raw.rstrip(b"\r\n"), max_chars))
            except ValueError as exc:
                bad.append((number, str(exc)))
                continue
            if len(pending) >= CHECK_BATCH:
                flush()
        flush()
    if bad:
        _report_bad_lines(bad, f"跳过 {len(bad)} 行坏数据（已检查 {checked} 行）：")
        return 2
    return 0


@corpus_app.command("remove")
def remove(ctx: typer.Context, note_id: str = typer.Argument(..., help="要删除的笔记 id")) -> None:
    """从索引中删除一篇笔记：之后不再与它比对。"""
    store = open_store(ctx, create=False)
    store.remove(note_id)
    console.print(f"已删除笔记 {note_id}；索引现有 {len(store.index)} 篇。", highlight=False)


@corpus_app.command("stats")
def stats(ctx: typer.Context, format: str = typer.Option("text", "--format", help="text | json")) -> None:
    """索引概况：笔记数、数据段、磁盘占用、参数。"""
    store = open_store(ctx, create=False)
    data = store.stats()
    if format == "json":
        print_json(data)
        return
    console.print(f"目录 {data['directory']}", highlight=False)
    console.print(
        f"笔记 {data['notes']} 篇（{data['accounts']} 个账号；待压缩的已删除 {data['deleted_not_compacted']} 篇）"
        f" · 数据段 {data['segments']} 个 · 指纹 {data['fingerprints']} 个 · 有效字符 {data['content_chars']}"
        f" · 磁盘 {data['disk_bytes'] / 1e6:.1f} MB",
        highlight=False,
    )
    console.print(f"参数：shingle {data['params']['shingle_chars']} 字，窗口 {data['params']['window']}", highlight=False)


@corpus_app.command("compact")
def compact(ctx: typer.Context) -> None:
    """合并数据段并清除已删除的笔记。"""
    store = open_store(ctx, create=False)
    store.compact()
    console.print(f"已压缩：{len(store.index)} 篇笔记，{len(store.index.segments)} 个数据段。")


@corpus_app.command("rebuild")
def rebuild(ctx: typer.Context) -> None:
    """按当前策略（shingle_chars、min_copied_chars）重建指纹。"""
    store = open_store(ctx, create=False, for_rebuild=True)
    store.compact(IndexParams.from_policy(cli_context(ctx).policy))
    console.print(f"已按当前策略重建：{len(store.index)} 篇笔记。")


def register(app: typer.Typer) -> None:
    app.add_typer(corpus_app, name="corpus")
