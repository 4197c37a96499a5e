"""`redline check` as a publishing pipeline uses it: reports, batch mode, exit codes, bad input."""

from __future__ import annotations

import json

import pytest
from support.cli import run_cli

DRAFT = "想要同款的私我，或者加我威❤信：beauty_girl123，这款精华是全网最有效的！"
CLEAN = "周末去西湖走了一圈，苏堤的柳树刚发芽，早上七点前人很少。"


@pytest.fixture
def cli(home, monkeypatch, capsys):
    def invoke(*args: str, stdin: str | bytes | None = None) -> tuple[int, str, str]:
        return run_cli(monkeypatch, capsys, *args, stdin=stdin)

    return invoke


def test_json_report_with_original_offsets_and_exit_one_on_violation(cli):
    code, out, _ = cli("check", "-", "--kind", "note", "--format", "json", stdin=DRAFT)
    assert code == 1
    report = json.loads(out)
    assert report["verdict"] == "violation"
    wechat = next(f for f in report["findings"] if f["rule"] == "diversion.wechat")
    assert DRAFT[wechat["start"] : wechat["end"]] == wechat["excerpt"]
    assert "beauty_girl123" in wechat["excerpt"] and wechat["family"] == "diversion"
    assert {"marketing", "negative"} <= set(report["scores"])
    assert report["policy_version"]


def test_clean_text_passes_with_exit_zero_and_a_chinese_report(cli):
    code, out, _ = cli("check", "-", stdin=CLEAN)
    assert code == 0
    assert "结论：通过" in out


def test_text_report_names_the_rule_advice_and_penalty(cli):
    code, out, _ = cli("check", "-", "--kind", "comment", stdin=DRAFT)
    assert code == 1
    assert "diversion.wechat" in out and "建议" in out and "处罚" in out


def test_batch_skips_bad_lines_with_their_numbers_and_checks_the_rest(cli, tmp_path):
    batch = tmp_path / "in.jsonl"
    batch.write_text(
        "\n".join(
            [
                json.dumps({"id": "a", "text": CLEAN, "kind": "comment"}, ensure_ascii=False),
                "{not json",
                json.dumps({"id": "b", "text": DRAFT, "kind": "dm"}, ensure_ascii=False),
                json.dumps({"id": "c", "text": "x", "price": -3}),
                json.dumps({"id": "d", "text": "9.9 元包邮", "kind": "product", "price": 0.1}, ensure_ascii=False),
            ]
        ),
        encoding="utf-8",
    )
    code, out, err = cli("check", "--batch", str(batch), "--format", "jsonl")
    results = [json.loads(line) for line in out.splitlines()]
    assert [r["id"] for r in results] == ["a", "b", "d"]
    assert results[0]["verdict"] == "pass" and results[1]["verdict"] == "violation"
    assert any(f["rule"] == "price.floor" for f in results[2]["findings"])
    assert "第 2 行" in err and "第 4 行" in err
    assert code == 2  # unreadable lines were skipped: the caller must know


@pytest.mark.parametrize(
    ("args", "stdin", "message"),
    [
        (("check", "-"), b"\xff\xfe\x00broken", "不是有效的"),
        (("check", "/no/such/file.txt"), None, "找不到文件"),
        (("check", "-", "--kind", "tweet"), "x", "tweet"),
        (("check", "-", "--price", "-1"), "x", "--price"),
    ],
)
def test_bad_input_is_exit_two_with_a_clear_message(cli, args, stdin, message):
    code, _, err = cli(*args, stdin=stdin)
    assert code == 2
    assert message in err


def test_gb18030_input_needs_saying_so(cli):
    data = DRAFT.encode("gb18030")
    assert cli("check", "-", stdin=data)[0] == 2
    code, out, _ = cli("check", "-", "--encoding", "gb18030", "--format", "json", stdin=data)
    assert code == 1 and json.loads(out)["verdict"] == "violation"


def test_originality_folds_in_when_the_data_home_has_a_corpus(cli, tmp_path):
    source = "今天分享一下我的护肤心得，混干皮使用三天后T区出油减少，质地很清爽，适合夏天使用。晚上洗完脸先用爽肤水，再用精华，最后涂面霜。"
    corpus = tmp_path / "corpus.jsonl"
    corpus.write_text(json.dumps({"id": "n1", "account_id": "a1", "text": source}, ensure_ascii=False) + "\n", encoding="utf-8")
    assert cli("corpus", "add", str(corpus))[0] == 0
    code, out, _ = cli("check", "-", "--format", "json", stdin=source[:50] + "我自己的补充：用了两周感觉不错。")
    originality = json.loads(out)["originality"]
    assert originality["duplicate_ratio"] > 0.3 and originality["low_quality"]
    assert originality["matches"][0]["note_id"] == "n1"
