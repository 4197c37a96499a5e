"""Read a note's comments for triage: simple JSONL (`{"id", "text", "parent_id"?}`) or any
MediaCrawler comment export (CSV / JSON / JSONL, old or new schema) through its reader."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from redline.creator.comments import CommentInput
from redline.errors import InputError
from redline.ingest.mediacrawler import RowError, read_comments


@dataclass(frozen=True)
class CommentFile:
    comments: tuple[CommentInput, ...]
    errors: tuple[RowError, ...]
    source: str  # "jsonl" | "mediacrawler"


def read_comment_file(path: str | Path) -> CommentFile:
    path = Path(path)
    if not path.is_file():
        raise InputError(f"找不到评论文件：{path}")
    if _is_simple_jsonl(path):
        return _read_simple(path)
    result = read_comments(path)
    comments = tuple(CommentInput(c.comment_id, c.content, c.parent_id, c.note_id) for c in result)
    return CommentFile(comments, result.errors, "mediacrawler")


def _is_simple_jsonl(path: Path) -> bool:
    if path.suffix.lower() not in (".jsonl", ".ndjson", ""):
        return False
    try:
        with path.open(encoding="utf-8-sig") as handle:
            for line in handle:
                if line.strip():
                    first = json.loads(line)
                    return isinstance(first, dict) and "text" in first and "comment_id" not in first
    except (UnicodeDecodeError, json.JSONDecodeError):
        return path.suffix.lower() != ""  # a broken .jsonl is reported line by line below
    return False


def _read_simple(path: Path) -> CommentFile:
    try:
        lines = path.read_text(encoding="utf-8-sig").splitlines()
    except UnicodeDecodeError as exc:
        raise InputError(f"{path.name}：文件不是 UTF-8 编码（第 {exc.start} 字节）") from None
    comments: list[CommentInput] = []
    errors: list[RowError] = []
    seen: set[str] = set()
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            errors.append(RowError(number, f"不是有效的 JSON（{exc.msg}）"))
            continue
        if not isinstance(row, dict):
            errors.append(RowError(number, "应为 JSON 对象"))
            continue
        comment_id, text = row.get("id"), row.get("text")
        parent = row.get("parent_id")
        if comment_id is None or str(comment_id).strip() == "":
            errors.append(RowError(number, "缺少 id"))
            continue
        if not isinstance(text, str):
            errors.append(RowError(number, "text 应为字符串"))
            continue
        if parent is not None and not isinstance(parent, (str, int)):
            errors.append(RowError(number, "parent_id 应为字符串"))
            continue
        comment_id = str(comment_id).strip()
        if comment_id in seen:
            errors.append(RowError(number, f"评论 id 重复：{comment_id}"))
            continue
        seen.add(comment_id)
        parent_id = None if parent in (None, "", "0", 0) else str(parent)
        note_id = row.get("note_id")
        comments.append(CommentInput(comment_id, text, parent_id, None if note_id is None else str(note_id)))
    if not comments and errors:
        raise InputError(f"{path.name}：没有一行可读的评论（{errors[0]}）")
    return CommentFile(tuple(comments), tuple(errors), "jsonl")
