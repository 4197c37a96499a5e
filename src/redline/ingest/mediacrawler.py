"""Read creator data exported by MediaCrawler (and two other Xiaohongshu exporters).

MediaCrawler writes Xiaohongshu notes (`*_contents_*`), comments (`*_comments_*`) and, in its old
schema, creators as CSV (utf-8-sig), JSON (one array) or JSONL. Two schemas exist:

- old: `user_id`, `avatar`, `ip_location` present, nicknames in clear;
- new (since 2026-07-01): `creator_hash` (first 16 hex of sha256(user_id)) instead of `user_id`,
  no `avatar`/`ip_location`, nickname masked as first char + `***` + last char.

Every record carries `account_key` = the creator hash, computed from `user_id` where the export
has it, so an old and a new export of the same creator name the same account. Counts are parsed
by `redline.ingest.counts` (unknown stays None, never 0); times become aware datetimes (epoch
milliseconds are UTC; naive wall-clock strings are China time). A bad row is reported with its
line (or record) number and skipped; only a file that cannot be read at all is an `InputError`.

Also recognised: xiaohongshu-mcp (camelCase JSON) notes and Spider_XHS notes (English keys or the
Chinese Excel headers saved as CSV). Their comment files are detected and refused with a message.
See `/work/shared/formats/MEDIACRAWLER.md` of the steering repo for the facts relied on here.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Generic, Literal, TypeVar

from redline.errors import InputError
from redline.ingest.counts import CountError, parse_count

Kind = Literal["notes", "comments", "creators"]
Exporter = Literal["mediacrawler", "xiaohongshu-mcp", "spider_xhs"]
Schema = Literal["old", "new", "other"]
FileFormat = Literal["csv", "json", "jsonl"]

# Xiaohongshu shows China time; China has had no daylight saving since 1991.
CHINA_TIME = timezone(timedelta(hours=8), "Asia/Shanghai")
# Where MediaCrawler truncates a description to make a missing title.
TITLE_FALLBACK_CHARS = 255
_MAX_FIELD_CHARS = 16 * 1024 * 1024

# `#护肤[话题]#` (and the `[搜索高亮]` variant) → the topic name.
_TOPIC_MARKUP = re.compile(r"#([^#\[\]\n]{1,64})\[[^\[\]#\n]{1,8}\]#")
_MASKED_NICKNAME = re.compile(r"^.?\*{3}.?$", re.DOTALL)
_SPLIT_LIST = re.compile(r"[,，;；\n]+")

# Spider_XHS writes Excel with Chinese headers; saved as CSV they arrive as these column names.
_SPIDER_XHS_HEADERS = {
    "笔记id": "note_id",
    "笔记url": "note_url",
    "笔记类型": "note_type",
    "用户id": "user_id",
    "用户主页url": "home_url",
    "昵称": "nickname",
    "头像url": "avatar",
    "标题": "title",
    "描述": "desc",
    "点赞数量": "liked_count",
    "收藏数量": "collected_count",
    "评论数量": "comment_count",
    "分享数量": "share_count",
    "视频封面url": "video_cover",
    "视频地址url": "video_addr",
    "图片地址url列表": "image_list",
    "标签": "tags",
    "上传时间": "upload_time",
    "ip归属地": "ip_location",
}
_NOTE_TYPES = {"normal": "normal", "video": "video", "图集": "normal", "图文": "normal", "视频": "video"}


# --------------------------------------------------------------------------------------------
# Records
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class ImportedNote:
    note_id: str
    account_key: str  # creator hash (16 hex), the same in old and new exports
    user_id: str | None  # old schema and other exporters only
    nickname: str
    nickname_masked: bool
    title: str
    title_from_desc: bool  # the export had no title of its own (MediaCrawler copies the desc)
    desc: str  # as exported, topic markup included
    body: str  # desc with `#话题[话题]#` markup rewritten to `#话题`
    note_type: Literal["normal", "video"]
    published_at: datetime | None
    updated_at: datetime | None
    liked_count: int | None
    collected_count: int | None
    comment_count: int | None
    share_count: int | None
    tags: tuple[str, ...]
    ip_location: str | None
    note_url: str
    video_url: str
    image_urls: tuple[str, ...]
    source_keyword: str
    crawled_at: datetime | None  # MediaCrawler's last_modify_ts: when this row was fetched
    row: int
    exporter: Exporter = "mediacrawler"
    schema: Schema = "old"


@dataclass(frozen=True, slots=True)
class ImportedComment:
    comment_id: str
    note_id: str
    parent_id: str | None  # None for a top-level comment (`0` in old exports, `""` in new)
    account_key: str | None
    user_id: str | None
    nickname: str
    nickname_masked: bool
    content: str
    created_at: datetime | None
    like_count: int | None
    sub_comment_count: int | None
    ip_location: str | None
    pictures: tuple[str, ...]
    row: int
    exporter: Exporter = "mediacrawler"
    schema: Schema = "old"


@dataclass(frozen=True, slots=True)
class ImportedCreator:
    account_key: str
    user_id: str
    nickname: str
    gender: str
    desc: str
    ip_location: str | None
    follows: int | None
    fans: int | None
    interaction: int | None  # likes + saves received, as displayed
    tags: tuple[str, ...]
    row: int
    exporter: Exporter = "mediacrawler"
    schema: Schema = "old"


@dataclass(frozen=True, slots=True)
class RowError:
    """A row that was skipped, and why. `row` is a line number (CSV, JSONL) or a record number (JSON)."""

    row: int
    message: str
    unit: str = "行"

    def __str__(self) -> str:
        return f"第 {self.row} {self.unit}：{self.message}"


@dataclass(frozen=True, slots=True)
class ExportInfo:
    """What a file is: which exporter, which kind of records, which schema, which format."""

    path: Path
    format: FileFormat
    exporter: Exporter
    kind: Kind
    schema: Schema
    columns: tuple[str, ...]


T = TypeVar("T")


@dataclass(frozen=True)
class ImportResult(Generic[T]):
    """The readable records of one file, the rows skipped, and how many duplicates were merged."""

    info: ExportInfo
    records: tuple[T, ...]
    errors: tuple[RowError, ...] = ()
    duplicates: int = 0  # rows superseded by a later row for the same id

    def __iter__(self) -> Iterator[T]:
        return iter(self.records)

    def __len__(self) -> int:
        return len(self.records)


class _RowProblem(Exception):
    """Raised inside row parsing; becomes a RowError for that row."""


# --------------------------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------------------------
def creator_hash(user_id: str) -> str:
    """MediaCrawler's creator hash: the first 16 hex digits of sha256(user_id)."""
    return hashlib.sha256(user_id.encode("utf-8")).hexdigest()[:16]


def detect(path: str | Path) -> ExportInfo:
    """Identify a file: exporter, kind (notes/comments/creators), schema, format."""
    info, _ = _open(Path(path))
    return info


def read_notes(path: str | Path) -> ImportResult[ImportedNote]:
    """Notes from a MediaCrawler contents export (or xiaohongshu-mcp / Spider_XHS notes)."""
    return _read(Path(path), "notes", _note, key=lambda n: n.note_id, version=_note_version)


def read_comments(path: str | Path) -> ImportResult[ImportedComment]:
    """Comments (top-level and replies) from a MediaCrawler comments export."""
    return _read(Path(path), "comments", _comment, key=lambda c: c.comment_id, version=lambda c: 0)


def read_creators(path: str | Path) -> ImportResult[ImportedCreator]:
    """Creators from a MediaCrawler creator export (old schema only)."""
    return _read(Path(path), "creators", _creator, key=lambda c: c.account_key, version=lambda c: 0)


def read_export(path: str | Path) -> ImportResult[Any]:
    """Whatever the file holds: notes, comments or creators (see `result.info.kind`)."""
    info = detect(path)
    reader = {"notes": read_notes, "comments": read_comments, "creators": read_creators}[info.kind]
    return reader(path)


def strip_topic_markup(desc: str) -> tuple[str, tuple[str, ...]]:
    """`今天#护肤[话题]#分享` → (`今天#护肤 分享`, (`护肤`,)): readable text and the topics named."""
    topics: list[str] = []

    def replace(match: re.Match[str]) -> str:
        name = match.group(1).strip()
        if name and name not in topics:
            topics.append(name)
        return f"#{name} "

    text = _TOPIC_MARKUP.sub(replace, desc)
    return re.sub(r" +(\n|$)", r"\1", text), tuple(topics)


def parse_time(raw: object) -> datetime | None:
    """Epoch milliseconds/seconds (UTC) or a date-time string (naive = China time) → aware datetime."""
    if raw is None or isinstance(raw, bool):
        return None if raw is None else _bad_time(raw)
    if isinstance(raw, (int, float)):
        return _from_epoch(float(raw), raw)
    if not isinstance(raw, str):
        return _bad_time(raw)
    text = raw.strip()
    if not text:
        return None
    if re.fullmatch(r"-?\d+(\.\d+)?", text):
        return _from_epoch(float(text), text)
    candidate = text.replace("/", "-").replace("Z", "+00:00")
    try:
        moment = datetime.fromisoformat(candidate)
    except ValueError:
        return _bad_time(raw)
    return moment if moment.tzinfo else moment.replace(tzinfo=CHINA_TIME)


# --------------------------------------------------------------------------------------------
# Reading files
# --------------------------------------------------------------------------------------------
def _read(path: Path, kind: Kind, parse: Any, *, key: Any, version: Any) -> ImportResult[Any]:
    info, rows = _open(path)
    if info.exporter != "mediacrawler" and kind != "notes":
        raise InputError(f"{path.name}：暂不支持 {info.exporter} 的{_KIND_NAMES[info.kind]}导出，只支持其笔记导出")
    if info.kind != kind:
        hint = {"notes": "read_notes / 笔记", "comments": "read_comments / 评论", "creators": "read_creators / 创作者"}
        raise InputError(
            f"{path.name} 是{_KIND_NAMES[info.kind]}导出，不是{_KIND_NAMES[kind]}导出（请改用 {hint[info.kind]}）"
        )
    records: dict[str, Any] = {}
    errors: list[RowError] = []
    duplicates = 0
    unit = "条" if info.format == "json" else "行"
    for number, row in rows:
        if isinstance(row, RowError):
            errors.append(row)
            continue
        try:
            record = parse(row, number, info)
        except (_RowProblem, CountError) as problem:
            errors.append(RowError(number, str(problem), unit))
            continue
        record_key = key(record)
        earlier = records.get(record_key)
        if earlier is not None:
            duplicates += 1
            if version(record) < version(earlier):
                continue  # MediaCrawler appends a row per update: keep the latest
        records[record_key] = record  # a replaced record keeps its first position
    return ImportResult(info, tuple(records.values()), tuple(errors), duplicates)


_KIND_NAMES = {"notes": "笔记", "comments": "评论", "creators": "创作者"}


def _open(path: Path) -> tuple[ExportInfo, Iterator[tuple[int, dict[str, Any] | RowError]]]:
    if not path.exists():
        raise InputError(f"找不到文件：{path}")
    if not path.is_file():
        raise InputError(f"不是文件：{path}")
    data = path.read_bytes()
    fmt = _format_of(path, data)
    text = _decode(path, data, fmt)
    if fmt == "csv":
        columns, rows = _csv_rows(path, text)
    elif fmt == "jsonl":
        columns, rows = _jsonl_rows(path, text)
    else:
        columns, rows = _json_rows(path, text)
    exporter, kind, schema = _identify(path, columns)
    renamed = _SPIDER_XHS_HEADERS if exporter == "spider_xhs" else None
    info = ExportInfo(path, fmt, exporter, kind, schema, tuple(columns))
    return info, _renamed(rows, renamed)


def _renamed(rows: Iterator[tuple[int, Any]], names: Mapping[str, str] | None) -> Iterator[tuple[int, Any]]:
    for number, row in rows:
        if names and isinstance(row, dict):
            row = {names.get(k, k): v for k, v in row.items()}
        yield number, row


def _format_of(path: Path, data: bytes) -> FileFormat:
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return "csv"
    if suffix in (".jsonl", ".ndjson"):
        return "jsonl"
    if suffix == ".json":
        return "json"
    if suffix in (".xlsx", ".xls"):
        raise InputError(f"{path.name}：不支持 Excel 文件，请在 Excel 中另存为 CSV（UTF-8）后再导入")
    head = data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    if head == b"[":
        return "json"
    if head == b"{":
        first_line = data.lstrip(b"\xef\xbb\xbf \t\r\n").split(b"\n", 1)[0].strip()
        return "jsonl" if first_line.endswith(b"}") else "json"
    return "csv"


def _decode(path: Path, data: bytes, fmt: FileFormat) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as utf8_error:
        if fmt == "csv":
            # Excel on Chinese Windows saves CSV as GBK; GB18030 is its superset.
            try:
                return data.decode("gb18030")
            except UnicodeDecodeError:
                pass
        raise InputError(
            f"{path.name}：文件编码无法识别（第 {utf8_error.start} 字节起不是有效的 UTF-8），请另存为 UTF-8 后再导入"
        ) from None


def _csv_rows(path: Path, text: str) -> tuple[list[str], Iterator[tuple[int, Any]]]:
    if "\x00" in text:
        raise InputError(f"{path.name}：CSV 中含有空字符（NUL），文件可能已损坏或不是文本文件")
    previous = csv.field_size_limit()
    csv.field_size_limit(max(previous, _MAX_FIELD_CHARS))
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader, None)
    except csv.Error as exc:
        raise InputError(f"{path.name}：CSV 表头无法解析：{exc}") from None
    if not header or not any(cell.strip() for cell in header):
        raise InputError(f"{path.name}：文件为空或缺少表头")
    columns = [cell.strip() for cell in header]

    def rows() -> Iterator[tuple[int, Any]]:
        line = reader.line_num + 1
        while True:
            try:
                cells = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                raise InputError(f"{path.name} 第 {line} 行：CSV 格式错误（{exc}），此行之后无法继续读取") from None
            start, line = line, reader.line_num + 1
            if not any(cell.strip() for cell in cells):
                continue
            if len(cells) != len(columns):
                yield start, RowError(start, f"列数为 {len(cells)}，表头有 {len(columns)} 列")
                continue
            yield start, dict(zip(columns, cells))

    return columns, rows()


def _jsonl_rows(path: Path, text: str) -> tuple[list[str], Iterator[tuple[int, Any]]]:
    lines = text.splitlines()
    columns: list[str] = []
    for raw in lines:
        if raw.strip():
            try:
                first = json.loads(raw)
            except json.JSONDecodeError:
                continue
            if isinstance(first, dict):
                columns = list(first)
                break
    if not any(raw.strip() for raw in lines):
        raise InputError(f"{path.name}：文件为空")
    if not columns:
        raise InputError(f"{path.name}：没有一行是 JSON 对象，无法识别为 JSONL 导出")

    def rows() -> Iterator[tuple[int, Any]]:
        for number, raw in enumerate(lines, start=1):
            if not raw.strip():
                continue
            try:
                value = json.loads(raw)
            except json.JSONDecodeError as exc:
                yield number, RowError(number, f"不是有效的 JSON（{exc.msg}，第 {exc.colno} 列）")
                continue
            if not isinstance(value, dict):
                yield number, RowError(number, "应为 JSON 对象")
                continue
            yield number, value

    return columns, rows()


def _json_rows(path: Path, text: str) -> tuple[list[str], Iterator[tuple[int, Any]]]:
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"{path.name}：不是有效的 JSON（第 {exc.lineno} 行第 {exc.colno} 列：{exc.msg}）") from None
    if isinstance(value, dict):
        # A wrapper such as {"data": [...]} or {"feeds": [...]}: use its one list of objects.
        lists = [v for v in value.values() if isinstance(v, list) and v and all(isinstance(i, dict) for i in v)]
        if len(lists) == 1:
            value = lists[0]
        elif _looks_like_record(value):
            value = [value]
        else:
            raise InputError(f"{path.name}：JSON 顶层应为记录数组")
    if not isinstance(value, list):
        raise InputError(f"{path.name}：JSON 顶层应为记录数组")
    if not value:
        raise InputError(f"{path.name}：文件中没有记录")
    first = next((item for item in value if isinstance(item, dict)), None)
    if first is None:
        raise InputError(f"{path.name}：数组中没有 JSON 对象")

    def rows() -> Iterator[tuple[int, Any]]:
        for number, item in enumerate(value, start=1):
            if isinstance(item, dict):
                yield number, item
            else:
                yield number, RowError(number, "应为 JSON 对象", "条")

    return list(first), rows()


def _looks_like_record(value: dict[str, Any]) -> bool:
    return any(k in value for k in ("note_id", "noteId", "comment_id", "user_id", "id"))


def _identify(path: Path, columns: list[str]) -> tuple[Exporter, Kind, Schema]:
    keys = set(columns)
    if "comment_id" in keys and "content" in keys:
        return "mediacrawler", "comments", _schema(path, keys, "评论")
    if "note_id" in keys and ("desc" in keys or "title" in keys) and "note_type" not in keys:
        return "mediacrawler", "notes", _schema(path, keys, "笔记")
    if "user_id" in keys and "fans" in keys and "note_id" not in keys:
        return "mediacrawler", "creators", "old"
    if keys & {"noteId", "noteCard", "interactInfo"}:
        return "xiaohongshu-mcp", "notes", "other"
    if keys & {"commentId", "subComments", "userInfo"} and "content" in keys:
        return "xiaohongshu-mcp", "comments", "other"
    if "笔记id" in keys or {"note_id", "note_type"} <= keys or "upload_time" in keys:
        return "spider_xhs", "notes", "other"
    shown = "、".join(columns[:12]) + ("…" if len(columns) > 12 else "")
    raise InputError(
        f"{path.name}：无法识别的导出格式（列：{shown}）。支持 MediaCrawler 小红书笔记/评论/创作者导出、"
        "xiaohongshu-mcp 与 Spider_XHS 笔记导出"
    )


def _schema(path: Path, keys: set[str], what: str) -> Schema:
    if "creator_hash" in keys and "user_id" not in keys:
        return "new"
    if "user_id" in keys:
        return "old"
    if what == "评论":
        return "new"  # an anonymous comment export: authors unknown
    raise InputError(f"{path.name}：{what}导出既没有 user_id 也没有 creator_hash 列，无法确定作者")


# --------------------------------------------------------------------------------------------
# Rows → records
# --------------------------------------------------------------------------------------------
def _note(row: dict[str, Any], number: int, info: ExportInfo) -> ImportedNote:
    if info.exporter == "xiaohongshu-mcp":
        row = _flatten_mcp(row)
    elif info.exporter == "spider_xhs":
        row = _flatten_spider(row)
    note_id = _required(row, "note_id", "笔记 ID")
    user_id = _text(row.get("user_id")) or None
    account_key = creator_hash(user_id) if user_id else _hash_field(row)
    if not account_key:
        raise _RowProblem("缺少作者（user_id 或 creator_hash 为空）")
    desc = _text(row.get("desc"))
    title = _text(row.get("title"))
    body, topics = strip_topic_markup(desc)
    # MediaCrawler fills an empty title with the first 255 characters of the description.
    title_from_desc = not title or (bool(desc) and title == desc[:TITLE_FALLBACK_CHARS])
    if not title:
        title = body[:TITLE_FALLBACK_CHARS]
    elif title_from_desc:
        title = strip_topic_markup(title)[0]
    raw_type = _text(row.get("type")).lower() or "normal"
    note_type = _NOTE_TYPES.get(raw_type)
    if note_type is None:
        raise _RowProblem(f"未知的笔记类型 type={raw_type!r}（应为 normal 或 video）")
    nickname = _text(row.get("nickname"))
    return ImportedNote(
        note_id=note_id,
        account_key=account_key,
        user_id=user_id,
        nickname=nickname,
        nickname_masked=bool(_MASKED_NICKNAME.match(nickname)) and "***" in nickname,
        title=title,
        title_from_desc=title_from_desc,
        desc=desc,
        body=body,
        note_type=note_type,  # type: ignore[arg-type]
        published_at=_time(row, "time"),
        updated_at=_time(row, "last_update_time"),
        liked_count=_count(row, "liked_count"),
        collected_count=_count(row, "collected_count"),
        comment_count=_count(row, "comment_count"),
        share_count=_count(row, "share_count"),
        tags=_merge(_list(row.get("tag_list")), topics),
        ip_location=_text(row.get("ip_location")) or None,
        note_url=_text(row.get("note_url")),
        video_url=_text(row.get("video_url")),
        image_urls=_list(row.get("image_list")),
        source_keyword=_text(row.get("source_keyword")),
        crawled_at=_time(row, "last_modify_ts"),
        row=number,
        exporter=info.exporter,
        schema=info.schema,
    )


def _note_version(note: ImportedNote) -> tuple[float, float]:
    """Which of two rows for one note is newer: fetched later, else edited later."""
    crawled = note.crawled_at.timestamp() if note.crawled_at else 0.0
    edited = note.updated_at or note.published_at
    return crawled, edited.timestamp() if edited else 0.0


def _comment(row: dict[str, Any], number: int, info: ExportInfo) -> ImportedComment:
    comment_id = _required(row, "comment_id", "评论 ID")
    note_id = _required(row, "note_id", "笔记 ID")
    user_id = _text(row.get("user_id")) or None
    parent = _text(row.get("parent_comment_id"))
    if parent == comment_id:
        raise _RowProblem("评论的 parent_comment_id 指向自己")
    nickname = _text(row.get("nickname"))
    return ImportedComment(
        comment_id=comment_id,
        note_id=note_id,
        parent_id=None if parent in ("", "0") else parent,
        account_key=creator_hash(user_id) if user_id else (_hash_field(row) or None),
        user_id=user_id,
        nickname=nickname,
        nickname_masked=bool(_MASKED_NICKNAME.match(nickname)) and "***" in nickname,
        content=_text(row.get("content")),
        created_at=_time(row, "create_time"),
        like_count=_count(row, "like_count"),
        sub_comment_count=_count(row, "sub_comment_count"),
        ip_location=_text(row.get("ip_location")) or None,
        pictures=_list(row.get("pictures")),
        row=number,
        exporter=info.exporter,
        schema=info.schema,
    )


def _creator(row: dict[str, Any], number: int, info: ExportInfo) -> ImportedCreator:
    user_id = _required(row, "user_id", "用户 ID")
    return ImportedCreator(
        account_key=creator_hash(user_id),
        user_id=user_id,
        nickname=_text(row.get("nickname")),
        gender=_text(row.get("gender")),
        desc=_text(row.get("desc")),
        ip_location=_text(row.get("ip_location")) or None,
        follows=_count(row, "follows"),
        fans=_count(row, "fans"),
        interaction=_count(row, "interaction"),
        tags=_list(row.get("tag_list")),
        row=number,
        exporter=info.exporter,
        schema=info.schema,
    )


def _flatten_mcp(row: dict[str, Any]) -> dict[str, Any]:
    """xiaohongshu-mcp's camelCase note (or feed item with a `noteCard`) → MediaCrawler keys."""
    card = row.get("noteCard") if isinstance(row.get("noteCard"), dict) else {}
    merged = {**card, **{k: v for k, v in row.items() if k != "noteCard"}}
    user = merged.get("user") if isinstance(merged.get("user"), dict) else {}
    interact = merged.get("interactInfo") if isinstance(merged.get("interactInfo"), dict) else {}
    tags = merged.get("tagList") or []
    return {
        "note_id": merged.get("noteId") or merged.get("id"),
        "user_id": user.get("userId") or user.get("user_id"),
        "nickname": user.get("nickname") or user.get("nickName") or "",
        "title": merged.get("title") or merged.get("displayTitle") or "",
        "desc": merged.get("desc") or "",
        "type": merged.get("type") or "normal",
        "time": merged.get("time"),
        "last_update_time": merged.get("lastUpdateTime"),
        "ip_location": merged.get("ipLocation"),
        "liked_count": interact.get("likedCount"),
        "collected_count": interact.get("collectedCount"),
        "comment_count": interact.get("commentCount"),
        "share_count": interact.get("sharedCount") or interact.get("shareCount"),
        "tag_list": [t.get("name", "") if isinstance(t, dict) else str(t) for t in tags],
    }


def _flatten_spider(row: dict[str, Any]) -> dict[str, Any]:
    return {
        **row,
        "type": row.get("note_type") or "normal",
        "time": row.get("upload_time"),
        "tag_list": row.get("tags"),
        "video_url": row.get("video_addr") or "",
    }


# --------------------------------------------------------------------------------------------
# Field helpers
# --------------------------------------------------------------------------------------------
def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value != value:
        return ""
    if isinstance(value, (dict, list)):
        raise _RowProblem(f"应为文本，得到 {type(value).__name__}")
    return str(value).strip()


def _required(row: dict[str, Any], key: str, name: str) -> str:
    value = _text(row.get(key))
    if not value:
        raise _RowProblem(f"缺少{name}（{key}）")
    return value


def _hash_field(row: dict[str, Any]) -> str:
    value = _text(row.get("creator_hash")).lower()
    if value and not re.fullmatch(r"[0-9a-f]{8,64}", value):
        raise _RowProblem(f"creator_hash 应为十六进制字符串：{value!r}")
    return value


def _count(row: dict[str, Any], key: str) -> int | None:
    try:
        return parse_count(row.get(key))
    except CountError as exc:
        raise _RowProblem(f"{key}：{exc}") from None


def _time(row: dict[str, Any], key: str) -> datetime | None:
    try:
        return parse_time(row.get(key))
    except InputError as exc:
        raise _RowProblem(f"{key}：{exc}") from None


def _list(value: object) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, (list, tuple)):
        items = [str(v).strip() for v in value if v is not None]
    elif isinstance(value, str):
        text = value.strip()
        if text.startswith("[") and text.endswith("]"):
            try:
                parsed = json.loads(text)
            except json.JSONDecodeError:
                parsed = None
            if isinstance(parsed, list):
                return _list(parsed)
            text = text[1:-1]  # a Python list repr such as "['露营', '户外']"
        items = [part.strip().strip("'\"").strip() for part in _SPLIT_LIST.split(text)]
    else:
        raise _RowProblem(f"应为列表或逗号分隔的文本，得到 {type(value).__name__}")
    return tuple(dict.fromkeys(item for item in items if item))


def _merge(first: tuple[str, ...], second: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(dict.fromkeys((*first, *second)))


def _from_epoch(number: float, raw: object) -> datetime | None:
    if number < 0:
        raise InputError(f"时间不能为负数：{raw}")
    if number == 0:
        return None  # exporters write 0 for "not known"
    if number >= 1e11:  # milliseconds (13 digits today)
        number /= 1000.0
    elif number < 1e8:
        raise InputError(f"无法识别的时间戳：{raw}（应为毫秒或秒）")
    try:
        return datetime.fromtimestamp(number, tz=timezone.utc)
    except (OverflowError, OSError, ValueError):
        raise InputError(f"时间戳超出范围：{raw}") from None


def _bad_time(raw: object) -> datetime | None:
    raise InputError(f"无法识别的时间：{raw!r}（应为毫秒时间戳或“2026-01-20 12:00:00”格式）")
