"""A small client for any OpenAI-compatible chat endpoint (DeepSeek, Qwen, Kimi, Ollama, vLLM…).

`ChatClient(base_url, model, api_key, timeout, retries).complete(messages) -> str` posts to
`{base_url}/chat/completions` and returns the first choice's message content. Timeouts,
connection errors, HTTP 429 and 5xx are retried with exponential backoff; a 4xx other than 429,
a reply that is not JSON, or JSON without a message is an `LLMError` at once (retrying would
not help). Every failure is an `LLMError` with a Chinese message, so callers can fall back.
The key comes from an environment variable (`REDLINE_LLM_API_KEY` by default), never a flag.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable

import httpx

from redline.errors import RedlineError

API_KEY_ENV = "REDLINE_LLM_API_KEY"
BASE_URL_ENV = "REDLINE_LLM_BASE_URL"
MODEL_ENV = "REDLINE_LLM_MODEL"


class LLMError(RedlineError):
    """The LLM endpoint could not give a usable answer (after retries where retrying helps)."""


class ChatClient:
    def __init__(
        self,
        base_url: str,
        model: str,
        api_key: str | None = None,
        timeout: float = 30.0,
        retries: int = 2,
        backoff: float = 0.5,
        temperature: float | None = 0.8,
        sleep: Callable[[float], None] = time.sleep,
    ):
        if not base_url:
            raise LLMError("未配置大模型接口地址（--llm-base-url 或 REDLINE_LLM_BASE_URL）")
        if not model:
            raise LLMError("未配置大模型名称（--llm-model 或 REDLINE_LLM_MODEL）")
        if timeout <= 0 or retries < 0:
            raise LLMError("超时必须为正数，重试次数不能为负")
        self.base_url = base_url.rstrip("/")
        self.model = model
        self.api_key = api_key if api_key is not None else os.environ.get(API_KEY_ENV)
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
        self.temperature = temperature
        self._sleep = sleep

    @classmethod
    def from_env(cls, base_url: str | None = None, model: str | None = None, **kwargs) -> "ChatClient":
        return cls(base_url or os.environ.get(BASE_URL_ENV, ""), model or os.environ.get(MODEL_ENV, ""), **kwargs)

    def complete(self, messages: list[dict[str, str]]) -> str:
        """The assistant's reply text for `messages` (OpenAI chat format)."""
        payload: dict = {"model": self.model, "messages": messages}
        if self.temperature is not None:
            payload["temperature"] = self.temperature
        headers = {"Content-Type": "application/json"}
        if self.api_key:
            headers["Authorization"] = f"Bearer {self.api_key}"
        url = f"{self.base_url}/chat/completions"
        last_problem = ""
        for attempt in range(self.retries + 1):
            if attempt:
                self._sleep(self.backoff * 2 ** (attempt - 1))
            try:
                response = httpx.post(url, json=payload, headers=headers, timeout=self.timeout)
            except httpx.TimeoutException:
                last_problem = f"请求超时（{self.timeout:g} 秒）"
                continue
            except httpx.HTTPError as exc:
                last_problem = f"无法连接 {self.base_url}：{exc}"
                continue
            if response.status_code == 429 or response.status_code >= 500:
                last_problem = f"服务端返回 HTTP {response.status_code}"
                continue
            if response.status_code >= 400:
                raise LLMError(f"大模型接口返回 HTTP {response.status_code}：{response.text[:200]}")
            return _message_content(response)
        raise LLMError(f"大模型接口调用失败（共尝试 {self.retries + 1} 次）：{last_problem}")


def _message_content(response: httpx.Response) -> str:
    try:
        data = response.json()
    except ValueError as exc:
        raise LLMError(f"大模型接口的回复不是合法的 JSON：{response.text[:200]!r}") from exc
    try:
        content = data["choices"][0]["message"]["content"]
    except (KeyError, IndexError, TypeError) as exc:
        raise LLMError("大模型接口的回复缺少 choices[0].message.content") from exc
    if not isinstance(content, str) or not content.strip():
        raise LLMError("大模型返回了空回复")
    return content
