"""Optional LLM phrasing: used only when grounded in the retrieved articles; offline otherwise."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

pytest.importorskip("redline.llm")
pytest.importorskip("support.fake_openai")
from redline.cli.app import app  # noqa: E402
from redline.helpdesk import ask  # noqa: E402
from redline.helpdesk.phrasing import phrase  # noqa: E402
from redline.llm import ChatClient  # noqa: E402
from support.fake_openai import FakeOpenAI, Reply  # noqa: E402

QUESTION = "在评论里留了自己的微信号，会被怎么处罚？"


def test_grounded_reply_is_used_and_sees_only_the_passages(policy):
    offline = ask(QUESTION, policy)
    with FakeOpenAI() as server:
        server.script(Reply.text("会。评论区留微信属于站外导流：首次限流 7 天，再次禁言 30 天。"))
        phrased = phrase(QUESTION, offline, ChatClient(server.base_url, "fake", timeout=5, retries=0), policy)
        sent = server.requests[0]["json"]["messages"]
    assert phrased.phrasing == "llm" and phrased.answer.startswith("会。")
    assert phrased.citations == offline.citations and phrased.sources == offline.sources
    user = sent[-1]["content"]
    assert QUESTION in user and "首次违规限流 7 天" in user
    # Only the articles the answer was built from are given to the model.
    assert "[diversion]" in user and "[teen_mode]" not in user


@pytest.mark.parametrize(
    ("reply", "why"),
    [
        ("首次限流 15 天，再次禁言 30 天。", "15"),  # a number the articles do not contain
        ("无法回答", "资料不足"),
        ("很长" * 500, "超过"),
    ],
)
def test_ungrounded_replies_fall_back_to_the_offline_answer(policy, reply, why):
    offline = ask(QUESTION, policy)
    with FakeOpenAI() as server:
        server.script(Reply.text(reply))
        phrased = phrase(QUESTION, offline, ChatClient(server.base_url, "fake", timeout=5, retries=0), policy)
    assert phrased.phrasing == "offline" and phrased.answer == offline.answer
    assert any(why in note for note in phrased.notes)


def test_endpoint_failure_falls_back(policy):
    offline = ask(QUESTION, policy)
    with FakeOpenAI() as server:
        server.script(Reply.status(500))
        phrased = phrase(QUESTION, offline, ChatClient(server.base_url, "fake", timeout=5, retries=1, backoff=0), policy)
    assert phrased.answer == offline.answer and phrased.notes


def test_clarifying_and_declined_answers_are_never_sent(policy):
    with FakeOpenAI() as server:
        client = ChatClient(server.base_url, "fake", timeout=5, retries=0)
        assert phrase("个体店能接蒲公英吗", ask("个体店能接蒲公英吗", policy), client, policy).clarify is not None
        assert phrase("怎么做红烧肉", ask("怎么做红烧肉", policy), client, policy).declined
        assert server.requests == []


def test_cli_llm_flag(home, monkeypatch):
    with FakeOpenAI() as server:
        server.script(Reply.text("青少年模式下 22:00–06:00 不能发布笔记。"))
        result = CliRunner().invoke(
            app,
            ["ask", "青少年模式晚上几点不能发笔记", "--llm", "--llm-base-url", server.base_url, "--llm-model", "fake", "--format", "json"],
        )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["phrasing"] == "llm" and data["answer"].startswith("青少年模式下") and data["sources"][0] == "teen_mode"
