"""MediaCrawler (and other exporters') files → typed records; bad rows reported and skipped."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from redline.errors import InputError
from redline.ingest.mediacrawler import (
    creator_hash,
    detect,
    parse_time,
    read_comments,
    read_creators,
    read_export,
    read_notes,
    strip_topic_markup,
)

FIXTURES = Path(__file__).parent / "fixtures"
OLD_USER = "5f58bd990000000001003753"
OLD_KEY = hashlib.sha256(OLD_USER.encode()).hexdigest()[:16]


@pytest.mark.parametrize(
    "name",
    [
        "search_contents_old.csv",
        "search_contents_old.json",
        "search_contents_old.jsonl",
        "search_contents_new.csv",
        "search_contents_new.json",
        "search_contents_new.jsonl",
    ],
)
def test_notes_in_every_format_and_schema(name):
    result = read_notes(FIXTURES / name)
    notes = {n.note_id: n for n in result}
    first = notes["6650a1000000000001"]
    # The same creator is the same account in both schemas.
    assert first.account_key == OLD_KEY
    assert first.title == "敏感肌的换季护肤清单"
    assert first.note_type == "normal"
    assert first.published_at == datetime(2024, 5, 24, tzinfo=timezone.utc)
    assert first.tags == ("敏感肌", "换季护肤")
    assert "[话题]" not in first.body and "#敏感肌" in first.body
    assert first.collected_count == 21_000 and first.share_count == 1_000
    video = notes["6650a1000000000002"]
    assert video.note_type == "video"
    assert video.liked_count == 100_000 and video.collected_count == 3_000 and video.comment_count == 100
    assert video.share_count is None  # empty = unknown, not 0
    assert video.title_from_desc and "[话题]" not in video.title
    expected_schema = "new" if "new" in name else "old"
    assert result.info.schema == expected_schema
    if expected_schema == "new":
        assert first.user_id is None and first.ip_location is None
        assert first.nickname == "小***记" and first.nickname_masked
    else:
        assert first.user_id == OLD_USER and first.nickname == "小鹿护肤日记"
        assert not first.nickname_masked


def test_csv_bad_rows_are_reported_with_line_numbers_and_skipped():
    result = read_notes(FIXTURES / "search_contents_old.csv")
    assert result.info.format == "csv"
    assert [n.note_id for n in result] == ["6650a1000000000001", "6650a1000000000002", "6650a1000000000005"]
    messages = [str(e) for e in result.errors]
    assert messages[0].startswith("第 4 行") and "很多" in messages[0]
    assert messages[1].startswith("第 5 行") and "负数" in messages[1]
    # A quoted multi-line field does not shift later line numbers: row 7 starts on line 7.
    multiline = next(n for n in result if n.note_id == "6650a1000000000005")
    assert multiline.row == 7 and multiline.title == "多行\n描述"
    assert multiline.published_at == datetime(2024, 5, 24, 10, tzinfo=timezone(timedelta(hours=8)))


def test_a_note_fetched_twice_keeps_the_later_fetch():
    result = read_notes(FIXTURES / "search_contents_old.csv")
    note = next(n for n in result if n.note_id == "6650a1000000000001")
    assert result.duplicates == 1
    assert note.liked_count == 14_000 and note.comment_count == 2_400


def test_jsonl_bad_lines_are_reported():
    result = read_notes(FIXTURES / "search_contents_new.jsonl")
    assert len(result) == 2
    assert [(e.row, e.unit) for e in result.errors] == [(3, "行"), (5, "行")]
    assert "JSON" in result.errors[0].message


@pytest.mark.parametrize(
    "name", ["search_comments_old.csv", "search_comments_old.json", "search_comments_new.jsonl", "search_comments_new.csv"]
)
def test_comments_threads_in_both_schemas(name):
    result = read_comments(FIXTURES / name)
    comments = {c.comment_id: c for c in result}
    assert set(comments) == {"c1", "c2", "c3"}
    assert comments["c1"].parent_id is None  # "0" (old) and "" (new) both mean top-level
    assert comments["c3"].parent_id is None
    assert comments["c2"].parent_id == "c1"
    assert comments["c2"].account_key == OLD_KEY
    assert comments["c1"].like_count == 12_000 and comments["c3"].like_count is None
    assert comments["c3"].pictures == ("https://img.example/p.jpg",)
    assert comments["c1"].created_at == datetime(2024, 5, 24, 0, 20, tzinfo=timezone.utc)


def test_comment_without_id_is_skipped_with_its_line():
    result = read_comments(FIXTURES / "search_comments_old.csv")
    assert [str(e) for e in result.errors] == ["第 5 行：缺少评论 ID（comment_id）"]


def test_creators_old_schema():
    result = read_creators(FIXTURES / "creator_creators_old.csv")
    assert [c.user_id for c in result] == [OLD_USER]
    creator = result.records[0]
    assert (creator.fans, creator.follows, creator.interaction) == (15_000, 120, 203_000)
    assert creator.tags == ("护肤", "美妆")
    assert "abc" in str(result.errors[0]) and result.errors[0].row == 3


def test_reading_the_wrong_kind_says_what_the_file_is():
    with pytest.raises(InputError, match="是评论导出"):
        read_notes(FIXTURES / "search_comments_old.csv")
    assert read_export(FIXTURES / "search_comments_new.jsonl").info.kind == "comments"


def test_xiaohongshu_mcp_notes_are_read_and_its_comments_refused():
    result = read_notes(FIXTURES / "mcp_feeds.json")
    assert result.info.exporter == "xiaohongshu-mcp"
    notes = {n.note_id: n for n in result}
    assert notes["mcp001"].liked_count == 11_000 and notes["mcp001"].collected_count == 2_000
    assert notes["mcp001"].title == "通勤包里的五件小物"
    assert notes["mcp002"].note_type == "video" and notes["mcp002"].tags == ("通勤",)
    assert notes["mcp002"].account_key == OLD_KEY
    with pytest.raises(InputError, match="xiaohongshu-mcp"):
        read_comments(FIXTURES / "mcp_comments.json")


def test_spider_xhs_chinese_headers_in_gbk_csv():
    result = read_notes(FIXTURES / "spider_xhs_notes_gbk.csv")
    assert result.info.exporter == "spider_xhs"
    first, second = result.records
    assert first.note_type == "video" and first.liked_count == 23_000 and first.comment_count == 1_024
    assert first.tags == ("露营", "户外")
    assert first.published_at == datetime(2024, 5, 20, 8, 30, tzinfo=timezone(timedelta(hours=8)))
    assert second.title == "没有标题" and second.title_from_desc


def test_unknown_columns_name_what_was_seen():
    with pytest.raises(InputError, match="无法识别的导出格式.*a、b、c"):
        detect(FIXTURES / "unknown.csv")


def test_unreadable_files_are_input_errors(tmp_path):
    with pytest.raises(InputError, match="找不到文件"):
        read_notes(tmp_path / "missing.csv")
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    with pytest.raises(InputError, match="为空"):
        read_notes(empty)
    broken = tmp_path / "broken.json"
    broken.write_text('[{"note_id": "1",', encoding="utf-8")
    with pytest.raises(InputError, match="不是有效的 JSON"):
        read_notes(broken)
    latin = tmp_path / "bytes.jsonl"
    latin.write_bytes(b'{"note_id": "\xff\xfe"}\n')
    with pytest.raises(InputError, match="编码"):
        read_notes(latin)
    xlsx = tmp_path / "notes.xlsx"
    xlsx.write_bytes(b"PK\x03\x04")
    with pytest.raises(InputError, match="另存为 CSV"):
        read_notes(xlsx)


def test_notes_without_author_column_are_refused(tmp_path):
    path = tmp_path / "notes.csv"
    path.write_text("note_id,title,desc\n1,标题,正文\n", encoding="utf-8")
    with pytest.raises(InputError, match="user_id.*creator_hash"):
        read_notes(path)


def test_wrong_column_count_is_a_row_error(tmp_path):
    path = tmp_path / "notes.csv"
    path.write_text("note_id,title,desc,user_id\n1,标题,正文,u1\n2,只有两列\n3,标题,正文,u1\n", encoding="utf-8")
    result = read_notes(path)
    assert [n.note_id for n in result] == ["1", "3"]
    assert str(result.errors[0]) == "第 3 行：列数为 2，表头有 4 列"


def test_huge_field_is_read(tmp_path):
    path = tmp_path / "notes.csv"
    body = "很长的正文" * 100_000
    path.write_text(f"note_id,title,desc,user_id\n1,,{body},u1\n", encoding="utf-8")
    (note,) = read_notes(path).records
    assert len(note.desc) == len(body) and note.title_from_desc and len(note.title) == 255


def test_topic_markup_and_creator_hash():
    assert strip_topic_markup("今天#护肤[话题]#分享#好物[搜索高亮]#") == ("今天#护肤 分享#好物", ("护肤", "好物"))
    assert creator_hash(OLD_USER) == OLD_KEY


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1716508800000", datetime(2024, 5, 24, tzinfo=timezone.utc)),
        (1716508800000, datetime(2024, 5, 24, tzinfo=timezone.utc)),
        (1716508800, datetime(2024, 5, 24, tzinfo=timezone.utc)),
        ("2024-05-24T08:00:00+08:00", datetime(2024, 5, 24, tzinfo=timezone.utc)),
        ("2024/05/24 08:00:00", datetime(2024, 5, 24, tzinfo=timezone.utc)),
        ("", None),
        (0, None),
        (None, None),
    ],
)
def test_times(raw, expected):
    assert parse_time(raw) == expected


@pytest.mark.parametrize("raw", ["昨天", "12345", -1, "2024-13-01"])
def test_bad_times_are_errors(raw):
    with pytest.raises(InputError):
        parse_time(raw)
