"""A scriptable OpenAI-compatible chat server on 127.0.0.1, for tests of LLM clients.

    with FakeOpenAI() as server:
        server.script(Reply.text('{"titles": ["a"]}'), Reply.status(500), Reply.slow(2.0, "…"))
        client = ChatClient(server.base_url, "fake-model", timeout=0.5)

Each POST to /v1/chat/completions takes the next scripted reply (the last one repeats when the
script runs out; the default is `Reply.text("ok")`). Every request is recorded (`server.requests`:
path, headers, parsed JSON body) so a test can assert what the client sent. A real HTTP server in
a thread: the client under test goes through real sockets, timeouts and all.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass(frozen=True)
class Reply:
    status_code: int = 200
    body: str = ""
    delay: float = 0.0
    content_type: str = "application/json"

    @classmethod
    def text(cls, content: str, delay: float = 0.0) -> "Reply":
        """A normal completion whose message content is `content`."""
        return cls(200, json.dumps(_completion(content), ensure_ascii=False), delay)

    @classmethod
    def slow(cls, delay: float, content: str = "ok") -> "Reply":
        return cls.text(content, delay)

    @classmethod
    def status(cls, status_code: int, body: str = '{"error": {"message": "fake failure"}}') -> "Reply":
        return cls(status_code, body)

    @classmethod
    def raw(cls, body: str, status_code: int = 200, content_type: str = "application/json") -> "Reply":
        """Anything at all as the HTTP body (malformed JSON, HTML error pages…)."""
        return cls(status_code, body, 0.0, content_type)


def _completion(content: str) -> dict[str, Any]:
    return {
        "id": "chatcmpl-fake",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": "fake-model",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0},
    }


@dataclass
class FakeOpenAI:
    host: str = "127.0.0.1"
    requests: list[dict[str, Any]] = field(default_factory=list)
    _script: list[Reply] = field(default_factory=lambda: [Reply.text("ok")])
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def script(self, *replies: Reply) -> "FakeOpenAI":
        with self._lock:
            self._script = list(replies) or [Reply.text("ok")]
        return self

    def _next(self) -> Reply:
        with self._lock:
            return self._script.pop(0) if len(self._script) > 1 else self._script[0]

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self._server.server_port}/v1"

    def __enter__(self) -> "FakeOpenAI":
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:  # keep test output quiet
                pass

            def do_POST(self) -> None:  # noqa: N802 - http.server naming
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length).decode("utf-8", "replace")
                try:
                    body = json.loads(raw)
                except ValueError:
                    body = None
                fake.requests.append({"path": self.path, "headers": dict(self.headers), "json": body})
                if not self.path.rstrip("/").endswith("/chat/completions"):
                    self._send(Reply.status(404))
                    return
                reply = fake._next()
                if reply.delay:
                    time.sleep(reply.delay)
                self._send(reply)

            def _send(self, reply: Reply) -> None:
                data = reply.body.encode("utf-8")
                try:
                    self.send_response(reply.status_code)
                    self.send_header("Content-Type", reply.content_type)
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):  # the client timed out and left
                    pass

        self._server = ThreadingHTTPServer((self.host, 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
