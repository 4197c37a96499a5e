"""`redline corpus …` end to end: import with bad lines, check as JSON and text, stats, remove."""

from __future__ import annotations

import json

import pytest

from support.cli import run_cli

from .corpus import edit, make_note


def run(monkeypatch, capsys, *args: str, stdin: str | bytes | None = None) -> tuple[int, str, str]:
    return run_cli(monkeypatch, capsys, *args, stdin=stdin)


@pytest.fixture
def cli(home, monkeypatch, capsys):
    def invoke(*args: str, stdin=None) -> tuple[int, str, str]:
        return run(monkeypatch, capsys, *args, stdin=stdin)

    return invoke


@pytest.fixture
def imported(cli, tmp_path, rng):
    texts = {f"n{i}": make_note(rng) for i in range(20)}
    lines = [json.dumps({"id": k, "account_id": f"acc-{k}", "text": v}, ensure_ascii=False) for k, v in texts.items()]
    lines.insert(3, "{not json")
    lines.insert(7, json.dumps({"id": "n1", "account_id": "acc-x", "text": "重复的 id"}, ensure_ascii=False))
    lines.insert(9, json.dumps({"id": "empty", "account_id": "a", "text": "   "}))
    lines.insert(11, json.dumps({"account_id": "a", "text": "没有 id"}, ensure_ascii=False))
    data = ("\n".join(lines) + "\n").encode("utf-8") + b'{"id": "bad", "account_id": "a", "text": "\xff\xfe"}\n'
    path = tmp_path / "notes.jsonl"
    path.write_bytes(data)
    code, out, err = cli("corpus", "add", str(path))
    assert code == 0
    return texts, out, err


def test_add_reports_bad_lines_by_number_and_duplicates(imported):
    texts, out, err = imported
    assert "已导入 20 篇笔记" in out
    assert "第 4 行" in err and "JSON" in err
    assert "第 10 行" in err and "text 为空" in err
    assert "第 12 行" in err and "缺少 id" in err
    assert "第 25 行" in err and "UTF-8" in err
    assert "跳过 1 个重复 id" in err and "n1" in err


def test_check_json_shape(cli, imported, tmp_path, rng):
    texts, _, _ = imported
    copy = edit(rng, texts["n2"], 0.05)
    code, out, _ = cli("corpus", "check", "-", "--format", "json", stdin=copy)
    assert code == 0
    report = json.loads(out)
    assert set(report) == {"duplicate_ratio", "originality", "self_duplicate_ratio", "content_chars", "matches",
                           "low_quality", "originality_bonus", "policy_version"}
    assert report["duplicate_ratio"] > 0.8
    match = report["matches"][0]
    assert match["note_id"] == "n2" and match["account_id"] == "acc-n2"
    assert all(0 <= s < e <= len(copy) for s, e in match["spans"])


def test_check_text_output_in_chinese(cli, imported, tmp_path):
    texts, _, _ = imported
    path = tmp_path / "mine.txt"
    path.write_text(texts["n3"], encoding="utf-8")
    code, out, _ = cli("corpus", "check", str(path), "--account", "acc-n3")
    assert code == 0
    assert "自我重复 100.0%" in out and "自己的旧笔记 n3" in out and "低质判定：是" in out


def test_bad_inputs_are_clear_errors(cli, imported, tmp_path):
    code, _, err = cli("corpus", "check", "-", stdin="  \n")
    assert code == 2 and "为空" in err
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"\xff\xfe\xfa")
    code, _, err = cli("corpus", "check", str(bad))
    assert code == 2 and "UTF-8" in err
    code, _, err = cli("corpus", "check", str(tmp_path / "missing.txt"))
    assert code == 2 and "无法读取" in err
    code, _, err = cli("corpus", "add", str(tmp_path / "missing.jsonl"))
    assert code == 2 and "不存在" in err
    code, _, err = cli("corpus", "remove", "nope")
    assert code == 2 and "没有笔记 nope" in err


def test_stats_and_remove(cli, imported):
    texts, _, _ = imported
    code, out, _ = cli("corpus", "stats", "--format", "json")
    assert code == 0 and json.loads(out)["notes"] == 20
    code, out, _ = cli("corpus", "remove", "n5")
    assert code == 0 and "已删除笔记 n5" in out
    code, out, _ = cli("corpus", "check", "-", "--format", "json", stdin=texts["n5"])
    assert json.loads(out)["matches"] == []
    code, out, _ = cli("corpus", "stats")
    assert code == 0 and "笔记 19 篇" in out


def test_check_without_an_index_says_so(cli):
    code, _, err = cli("corpus", "check", "-", stdin="随便一段文字")
    assert code == 2 and "不存在" in err and "corpus add" in err


def test_damaged_index_is_an_error_not_original(cli, imported, home):
    texts, _, _ = imported
    manifest = home.corpus_dir / "notes" / "manifest.json"
    manifest.write_text(manifest.read_text(encoding="utf-8")[:50], encoding="utf-8")
    code, out, err = cli("corpus", "check", "-", "--format", "json", stdin=texts["n1"])
    assert code == 2 and "已损坏" in err and out == ""


def test_check_a_batch_of_json_lines(cli, imported, tmp_path, rng):
    texts, _, _ = imported
    copy = edit(rng, texts["n2"], 0.05)
    original = make_note(rng)
    lines = [
        json.dumps({"id": "new-1", "account_id": "acc-z", "text": copy}, ensure_ascii=False),
        "{broken",
        json.dumps({"text": original}, ensure_ascii=False),
        json.dumps({"id": "n4", "account_id": "acc-n4", "text": texts["n4"]}, ensure_ascii=False),  # itself: excluded
        json.dumps({"id": "mine", "account_id": "acc-n3", "text": texts["n3"]}, ensure_ascii=False),
    ]
    path = tmp_path / "queue.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    code, out, err = cli("corpus", "check", "--batch", str(path), "--format", "jsonl")
    assert code == 2 and "第 2 行" in err and "JSON" in err
    rows = [json.loads(line) for line in out.splitlines()]
    assert [row["id"] for row in rows] == ["new-1", None, "n4", "mine"]
    assert rows[0]["duplicate_ratio"] > 0.8 and rows[0]["matches"][0]["note_id"] == "n2"
    assert rows[1]["matches"] == [] and rows[1]["originality"] == 1.0
    assert rows[2]["matches"] == []
    assert rows[3]["self_duplicate_ratio"] == 1.0 and rows[3]["duplicate_ratio"] == 0.0
    # Each line gets what a single check of it gets.
    code, single, _ = cli("corpus", "check", "-", "--account", "acc-z", "--format", "json", stdin=copy)
    assert {k: v for k, v in rows[0].items() if k not in ("id", "account_id")} == json.loads(single)
    code, out, _ = cli("corpus", "check", "--batch", str(path))
    assert "new-1\t重复率" in out and "低质" in out
    code, out, _ = cli("corpus", "check", "--batch", "-", "--format", "jsonl", stdin=lines[0] + "\n")
    assert code == 0 and json.loads(out)["matches"][0]["note_id"] == "n2"
    code, _, err = cli("corpus", "check", "--batch", str(path), "--id", "x")
    assert code == 2 and "--batch" in err
