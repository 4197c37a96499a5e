"""Comment triage: block diversion and the creator's words, fold negatives, answer questions first."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from redline.checks import check_text
from redline.checks.finding import CheckResult, Finding
from redline.cli.app import app
from redline.creator.comments import CommentInput, triage
from redline.errors import InputError
from redline.health.curves import score_one
from redline.ingest.comment_file import read_comment_file

FIXTURES = Path(__file__).parents[1] / "ingest" / "fixtures"


def scripted(scores: dict[str, dict[str, float]], questions: frozenset[str] = frozenset()):
    """A checker that runs the real detectors, then sets the sentiment scores this test needs."""

    def checker(text, policy):
        result = check_text(text, policy, kind="comment")
        extra = dict(scores.get(text, {}))
        findings = result.findings
        if text in questions:
            findings = findings + (Finding("sentiment.question", "info", 0, len(text), text, "具体提问", ""),)
        return CheckResult(result.verdict, findings, {**result.scores, **extra}, result.policy_version)

    return checker


def labels(result):
    return {c.id: c.label for c in result.comments}


def test_diversion_is_blocked_with_its_excerpt(policy):
    checker = scripted({"想要的加我威信 abc12345": {"negative": 0.1}, "好看，已收藏": {"negative": 0.1}})
    result = triage([CommentInput("1", "想要的加我威信 abc12345"), CommentInput("2", "好看，已收藏")], policy, checker=checker)
    assert labels(result) == {"1": "block", "2": "keep"}
    reason = result.comments[0].reasons[0]
    assert reason.kind.startswith("diversion.")
    assert "abc12345" in reason.excerpt
    assert "想要的加我威信 abc12345"[reason.start : reason.end] == reason.excerpt


@pytest.mark.parametrize("text", ["去某宝搜同款", "去某 宝搜同款", "去某❤宝搜", "去某-宝", "去ＭＯＵ宝"])
def test_creator_words_are_matched_through_obfuscation(policy, text):
    result = triage([CommentInput("1", text)], policy, ["某宝", "mou宝"])
    comment = result.comments[0]
    assert comment.label == "block"
    reason = next(r for r in comment.reasons if r.kind == "block_word")
    assert text[reason.start : reason.end] == reason.excerpt
    assert reason.excerpt.replace(" ", "").replace("❤", "").replace("-", "") in ("某宝", "ＭＯＵ宝")


def test_creator_words_do_not_block_unrelated_text(policy):
    result = triage([CommentInput("1", "某天去宝山玩")], policy, ["某宝"])
    assert result.comments[0].label != "block"
    assert not any(r.kind == "block_word" for r in result.comments[0].reasons)


def test_precedence_block_fold_answer_keep(policy):
    scores = {
        "太差了，一股怪味": {"negative": 0.92},
        "敏感肌能用吗": {"negative": 0.1, "question": 1.0},
        "烂脸了，敏感肌到底能不能用？": {"negative": 0.8, "question": 1.0},
        "差评！加我vx abc12345 退款": {"negative": 0.95},
        "还行吧": {"negative": 0.3},
    }
    comments = [CommentInput(str(i), text) for i, text in enumerate(scores)]
    result = triage(comments, policy, checker=scripted(scores))
    assert [c.label for c in result.comments] == ["fold", "answer-first", "answer-first", "block", "keep"]
    assert result.comments[0].negative == pytest.approx(0.92)
    assert any(r.kind == "negative" for r in result.comments[0].reasons)


def test_negative_questions_fold_when_the_policy_says_so(policy):
    strict = policy.model_copy(
        update={"creator": policy.creator.model_copy(update={"comments": replace_comments(policy, answer_negative_questions=False)})}
    )
    scores = {"烂脸了，敏感肌到底能不能用？": {"negative": 0.8, "question": 1.0}}
    result = triage([CommentInput("1", "烂脸了，敏感肌到底能不能用？")], strict, checker=scripted(scores))
    assert result.comments[0].label == "fold"


def replace_comments(policy, **changes):
    return policy.creator.comments.model_copy(update=changes)


def test_replies_inherit_nothing_from_their_thread(policy):
    scores = {"垃圾产品，千万别买": {"negative": 0.95}, "我用着还可以": {"negative": 0.2}}
    comments = [
        CommentInput("a", "加我vx abc12345 发你链接"),
        CommentInput("a1", "好的谢谢", parent_id="a"),
        CommentInput("b", "垃圾产品，千万别买"),
        CommentInput("b1", "我用着还可以", parent_id="b"),
    ]
    result = triage(comments, policy, checker=scripted(scores))
    assert labels(result) == {"a": "block", "a1": "keep", "b": "fold", "b1": "keep"}
    assert (result.summary.threads, result.summary.replies) == (2, 2)
    assert [c.replies for c in result.comments] == [1, 0, 1, 0]


def test_summary_uses_the_index_definitions(policy):
    threshold = policy.checks.sentiment.negative_threshold
    scores = {
        "很失望": {"negative": threshold + 0.01},
        "一般般": {"negative": threshold - 0.01},
        "色号怎么选": {"negative": 0.0, "question": 1.0},
        "好看": {"negative": 0.0},
    }
    result = triage([CommentInput(str(i), t) for i, t in enumerate(scores)], policy, checker=scripted(scores))
    assert result.summary.negative_share == pytest.approx(1 / 4)
    assert result.summary.discussion_share == pytest.approx(1 / 4)
    assert result.summary.labels["fold"] == 1
    # Read the way the index reads a note's comments: the F1 curve and the F2 bonus.
    assert len(scores) >= policy.signals.min_comments and result.summary.index_enough_comments
    assert result.summary.index_negative_comments_score == pytest.approx(score_one(0.25, policy.index.curves.negative_comments))
    assert result.summary.index_discussion_bonus == (0.25 >= policy.index.bonuses.discussion_min_share)
    few = triage([CommentInput("0", "很失望")], policy, checker=scripted(scores))
    assert few.summary.negative_share == 1.0
    assert not few.summary.index_enough_comments and few.summary.index_negative_comments_score is None


def test_without_sentiment_scores_shares_are_unknown_not_zero(policy):
    def no_sentiment(text, p):
        result = check_text(text, p, kind="comment")
        return CheckResult(result.verdict, result.findings, {k: v for k, v in result.scores.items() if k not in ("negative", "question")}, result.policy_version)

    result = triage([CommentInput("1", "太差了")], policy, checker=no_sentiment)
    assert result.summary.negative_share is None and result.summary.discussion_share is None
    assert result.comments[0].label == "keep" and result.notes


def test_duplicate_ids_and_too_many_words_are_input_errors(policy):
    with pytest.raises(InputError, match="重复"):
        triage([CommentInput("1", "a"), CommentInput("1", "b")], policy)
    small = policy.model_copy(update={"creator": policy.creator.model_copy(update={"comments": replace_comments(policy, max_block_words=2)})})
    with pytest.raises(InputError, match="屏蔽词太多"):
        triage([CommentInput("1", "a")], small, ["甲", "乙", "丙"])


def test_fold_threshold_follows_the_index_unless_the_creator_sets_one(policy):
    threshold = policy.checks.sentiment.negative_threshold
    scores = {"有点失望": {"negative": threshold + 0.02}}
    comment = [CommentInput("1", "有点失望")]
    assert triage(comment, policy, checker=scripted(scores)).comments[0].label == "fold"
    lenient = policy.model_copy(
        update={"creator": policy.creator.model_copy(update={"comments": replace_comments(policy, fold_threshold=min(1.0, threshold + 0.1))})}
    )
    assert triage(comment, lenient, checker=scripted(scores)).comments[0].label == "keep"


def test_several_notes_are_summarised_per_note(policy):
    comments = [CommentInput("1", "好看", note_id="n1"), CommentInput("2", "加我vx abc12345", note_id="n2")]
    result = triage(comments, policy, checker=scripted({"好看": {"negative": 0.1}}))
    assert set(result.by_note) == {"n1", "n2"}
    assert result.by_note["n2"].labels["block"] == 1 and result.by_note["n1"].labels["block"] == 0


# -- files and CLI -------------------------------------------------------------------------------
def test_simple_jsonl_with_bad_lines(tmp_path):
    path = tmp_path / "comments.jsonl"
    path.write_text(
        '{"id": "1", "text": "好看"}\n{"id": "2", "text": "回复", "parent_id": "1"}\n{"id": "3"}\nnot json\n[1]\n',
        encoding="utf-8",
    )
    loaded = read_comment_file(path)
    assert [(c.id, c.parent_id) for c in loaded.comments] == [("1", None), ("2", "1")]
    assert [e.row for e in loaded.errors] == [3, 4, 5]


def test_all_bad_lines_is_an_error(tmp_path):
    path = tmp_path / "comments.jsonl"
    path.write_text("oops\n", encoding="utf-8")
    with pytest.raises(InputError):
        read_comment_file(path)


@pytest.mark.parametrize("name", ["search_comments_old.csv", "search_comments_new.jsonl", "search_comments_old.json"])
def test_mediacrawler_exports_are_read(name):
    loaded = read_comment_file(FIXTURES / name)
    assert loaded.source == "mediacrawler"
    assert {c.id for c in loaded.comments} == {"c1", "c2", "c3"}
    assert next(c for c in loaded.comments if c.id == "c2").parent_id == "c1"


def test_cli_triage_json(home, tmp_path):
    comments = tmp_path / "c.jsonl"
    comments.write_text(
        '{"id": "1", "text": "私信发你微❤信号"}\n{"id": "2", "text": "已入手，很好用", "parent_id": "1"}\n', encoding="utf-8"
    )
    words = tmp_path / "words.txt"
    words.write_text("# 我的屏蔽词\n微信\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["comments", "triage", str(comments), "--block-words", str(words), "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert [c["label"] for c in data["comments"]] == ["block", "keep"]
    assert data["summary"]["labels"]["block"] == 1 and data["summary"]["threads"] == 1


def test_cli_missing_file_is_a_clear_error(home, tmp_path):
    result = CliRunner().invoke(app, ["comments", "triage", str(tmp_path / "none.jsonl")])
    assert result.exit_code != 0
    assert "找不到评论文件" in str(result.exception) or "找不到评论文件" in result.output
