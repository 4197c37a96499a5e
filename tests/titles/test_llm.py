"""The OpenAI-compatible client against a real local HTTP server: normal, slow, malformed, 500s."""

from __future__ import annotations

import pytest

from redline.llm import ChatClient, LLMError
from redline.titles.generate import generate_variants
from support.fake_openai import FakeOpenAI, Reply


@pytest.fixture
def server():
    with FakeOpenAI() as fake:
        yield fake


def client(server, **kwargs) -> ChatClient:
    kwargs.setdefault("timeout", 2.0)
    kwargs.setdefault("retries", 2)
    return ChatClient(server.base_url, "fake-model", api_key="sk-test", sleep=lambda _s: None, **kwargs)


def test_normal_reply_returns_content_and_sends_model_key_and_messages(server):
    server.script(Reply.text("你好"))
    assert client(server).complete([{"role": "user", "content": "hi"}]) == "你好"
    request = server.requests[-1]
    assert request["path"] == "/v1/chat/completions"
    assert request["headers"]["Authorization"] == "Bearer sk-test"
    assert request["json"]["model"] == "fake-model"
    assert request["json"]["messages"] == [{"role": "user", "content": "hi"}]


def test_api_key_comes_from_the_environment(server, monkeypatch):
    monkeypatch.setenv("REDLINE_LLM_API_KEY", "sk-env")
    ChatClient(server.base_url, "m").complete([{"role": "user", "content": "x"}])
    assert server.requests[-1]["headers"]["Authorization"] == "Bearer sk-env"


def test_http_500_is_retried_then_succeeds(server):
    server.script(Reply.status(500), Reply.status(503), Reply.text("ok"))
    assert client(server, retries=2).complete([{"role": "user", "content": "x"}]) == "ok"
    assert len(server.requests) == 3


def test_persistent_500_raises_after_all_attempts(server):
    server.script(Reply.status(500))
    with pytest.raises(LLMError, match="HTTP 500"):
        client(server, retries=2).complete([{"role": "user", "content": "x"}])
    assert len(server.requests) == 3


def test_slow_reply_times_out_then_retry_succeeds(server):
    server.script(Reply.slow(1.5, "late"), Reply.text("fast"))
    assert client(server, timeout=0.3, retries=1).complete([{"role": "user", "content": "x"}]) == "fast"


def test_slow_every_time_raises_timeout(server):
    server.script(Reply.slow(1.0))
    with pytest.raises(LLMError, match="超时"):
        client(server, timeout=0.2, retries=1).complete([{"role": "user", "content": "x"}])


def test_malformed_json_body_is_an_error_without_retry(server):
    server.script(Reply.raw("<html>bad gateway</html>"))
    with pytest.raises(LLMError, match="不是合法的 JSON"):
        client(server).complete([{"role": "user", "content": "x"}])
    assert len(server.requests) == 1


def test_json_without_choices_is_an_error(server):
    server.script(Reply.raw('{"object": "chat.completion", "choices": []}'))
    with pytest.raises(LLMError, match="choices"):
        client(server).complete([{"role": "user", "content": "x"}])


def test_client_error_4xx_is_not_retried(server):
    server.script(Reply.status(401, '{"error": "bad key"}'))
    with pytest.raises(LLMError, match="401"):
        client(server).complete([{"role": "user", "content": "x"}])
    assert len(server.requests) == 1


def test_unreachable_endpoint_raises():
    c = ChatClient("http://127.0.0.1:9/v1", "m", timeout=0.5, retries=1, sleep=lambda _s: None)
    with pytest.raises(LLMError, match="无法连接"):
        c.complete([{"role": "user", "content": "x"}])


# -- generation through the LLM ------------------------------------------------------------------

TITLE = "油皮夏天用的平价防晒推荐"


def test_llm_titles_are_used_and_screened(server, policy):
    server.script(Reply.text('```json\n{"titles": ["油皮防晒怎么选？学生党看这篇", "全网第一的油皮防晒", "这是一个明显超过二十个字的油皮防晒标题写得太长了吧", "夏天的标题没有关键词"]}\n```'))
    generation = generate_variants(TITLE, n=2, policy=policy, llm=client(server))
    titles = [v.title for v in generation.variants]
    assert titles[0] == "油皮防晒怎么选？学生党看这篇"
    assert generation.variants[0].source == "llm"
    rejected = {r.title: r.rules for r in generation.rejected}
    assert any(rule.startswith("adlaw") for rule in rejected["全网第一的油皮防晒"])
    assert rejected["这是一个明显超过二十个字的油皮防晒标题写得太长了吧"] == ("titles.length",)
    assert rejected["夏天的标题没有关键词"] == ("titles.key_terms",)
    assert len(generation.variants) == 2 and generation.variants[1].source == "offline"
    assert any("补足" in note for note in generation.notes)


def test_partial_json_keeps_complete_titles(server, policy):
    server.script(Reply.text('{"titles": ["油皮防晒｜学生党亲测3个好用的", "通勤也能用的油皮防晒", "油皮防晒用了7'))
    generation = generate_variants(TITLE, n=2, policy=policy, llm=client(server))
    assert [v.title for v in generation.variants] == ["油皮防晒｜学生党亲测3个好用的", "通勤也能用的油皮防晒"]
    assert all(v.source == "llm" for v in generation.variants)


def test_failed_llm_falls_back_to_offline_and_says_so(server, policy):
    server.script(Reply.status(500))
    generation = generate_variants(TITLE, n=10, policy=policy, llm=client(server, retries=1))
    assert len(generation.variants) == 10
    assert all(v.source == "offline" for v in generation.variants)
    assert any("已改用离线生成器" in note for note in generation.notes)


def test_slow_llm_falls_back_to_offline(server, policy):
    server.script(Reply.slow(1.0, '{"titles": ["油皮防晒怎么选？"]}'))
    generation = generate_variants(TITLE, n=5, policy=policy, llm=client(server, timeout=0.2, retries=1))
    assert all(v.source == "offline" for v in generation.variants)
    assert any("超时" in note for note in generation.notes)


def test_reply_without_titles_falls_back(server, policy):
    server.script(Reply.text("   \n  "))
    generation = generate_variants(TITLE, n=5, policy=policy, llm=client(server, retries=0))
    assert len(generation.variants) == 5
    assert any("已改用离线生成器" in note for note in generation.notes)
