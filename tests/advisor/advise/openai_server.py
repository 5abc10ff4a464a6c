"""A scripted OpenAI-compatible chat server on 127.0.0.1 for tests of the real LLM client path.

:class:`ScriptedLLM` serves enough of the OpenAI Chat Completions API (``POST /v1/chat/completions``, not
streamed; ``GET /v1/models``) that LangChain's ``ChatOpenAI`` talks to it unchanged over HTTP. Each completion
request takes the next :class:`Reply` of its script (a tool call, a structured narrative, plain text, an HTTP
error, any of them after a delay) and every request body is recorded (``requests``), so a test asserts what the
client sent: the tools offered, the system prompt, the ``<data>`` block.

A :func:`narrative` reply answers however the request asks for structured output: as JSON content when the
request carries a ``response_format`` (``with_structured_output``'s default ``json_schema`` method in
langchain-openai 1.x), as a call of the forced tool when ``tool_choice`` names one (``function_calling``), else
as JSON content. A script item may also be a function of the request body returning a :class:`Reply` (a model
that reads the data it was sent). An exhausted script answers HTTP 500.

Loaded by the tests with ``importlib`` (test folders are not packages)."""

from __future__ import annotations

import json
import re
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass(frozen=True)
class Reply:
    """One scripted answer. ``calls``: tool calls ``(name, arguments)`` (arguments a mapping, sent as JSON, or a
    string sent as is: malformed JSON on purpose); ``content``: the message text; ``structured``: a narrative
    object answered in whatever structured form the request asks for; ``status``: an HTTP error status instead
    of a completion; ``delay_s``: seconds to wait before answering."""

    calls: tuple[tuple[str, Mapping[str, Any] | str], ...] = ()
    content: str | None = None
    structured: Mapping[str, Any] | None = None
    status: int = 200
    delay_s: float = 0.0


def tool_call(name: str, args: Mapping[str, Any] | str | None = None, *more: tuple[str, Mapping[str, Any] | str], delay_s: float = 0.0) -> Reply:
    """A message calling tool ``name`` with ``args`` (and the ``more`` calls after it, in order)."""
    return Reply(calls=((name, args if args is not None else {}), *more), delay_s=delay_s)


def narrative(answer: str, action_ids: Sequence[str] = (), *, delay_s: float = 0.0) -> Reply:
    """A structured narrative (``advisor.narrative.llm.NarrativeOut``): ``answer`` and ``action_ids``."""
    return Reply(structured={"answer": answer, "action_ids": list(action_ids)}, delay_s=delay_s)


def text(content: str, *, delay_s: float = 0.0) -> Reply:
    """A plain text message (no tool call, not JSON)."""
    return Reply(content=content, delay_s=delay_s)


def error(status: int = 500, *, delay_s: float = 0.0) -> Reply:
    """An HTTP error answer (OpenAI's error body)."""
    return Reply(status=status, delay_s=delay_s)


Responder = Callable[[Mapping[str, Any]], Reply]


def data_of(body: Mapping[str, Any]) -> Any:
    """The JSON inside the ``<data>...</data>`` block of a request's last user message (None when there is
    none)."""
    users = [m for m in body.get("messages", []) if m.get("role") == "user"]
    content = users[-1].get("content", "") if users else ""
    if not isinstance(content, str):
        content = " ".join(str(part.get("text", "")) for part in content if isinstance(part, Mapping))
    m = re.search(r"<data>(.*?)</data>", content, re.DOTALL)
    return json.loads(m.group(1)) if m else None


def system_prompt(body: Mapping[str, Any]) -> str:
    """The system message of a request ('' when none)."""
    return "\n".join(str(m.get("content", "")) for m in body.get("messages", []) if m.get("role") == "system")


def tool_names(body: Mapping[str, Any]) -> list[str]:
    """The names of the tools a request offers."""
    return [t["function"]["name"] for t in body.get("tools", []) if t.get("type") == "function"]


@dataclass
class ScriptedLLM:
    """The server's state: the script still to answer and the requests received (``path``, ``body``)."""

    script: deque[Reply | Responder] = field(default_factory=deque)
    requests: list[dict[str, Any]] = field(default_factory=list)
    url: str = ""
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def base_url(self) -> str:
        """What ``KPI_ADVISOR_LLM_BASE_URL`` is set to (``http://127.0.0.1:PORT/v1``)."""
        return f"{self.url}/v1"

    def push(self, *replies: Reply | Responder) -> None:
        """Append ``replies`` to the script."""
        with self.lock:
            self.script.extend(replies)

    def reset(self, *replies: Reply | Responder) -> None:
        """Forget the recorded requests and replace the script by ``replies``."""
        with self.lock:
            self.requests.clear()
            self.script.clear()
            self.script.extend(replies)

    @property
    def completions(self) -> list[dict[str, Any]]:
        """The bodies of the chat-completion requests received, in order."""
        with self.lock:
            return [r["body"] for r in self.requests if r["path"].endswith("/chat/completions")]

    @property
    def remaining(self) -> int:
        with self.lock:
            return len(self.script)

    def _next(self, body: Mapping[str, Any]) -> Reply:
        with self.lock:
            self.requests.append({"path": "/v1/chat/completions", "body": body})
            item = self.script.popleft() if self.script else None
        if item is None:
            return Reply(status=500, content="the test script is exhausted")
        return item if isinstance(item, Reply) else item(body)


def completion(reply: Reply, body: Mapping[str, Any], n: int) -> dict[str, Any]:
    """The chat completion answering ``body`` with ``reply`` (the ``n``-th of the server)."""
    calls = list(reply.calls)
    content = reply.content
    if reply.structured is not None:
        forced = body.get("tool_choice")
        name = forced.get("function", {}).get("name") if isinstance(forced, Mapping) else None
        if name and "response_format" not in body:
            calls.append((name, reply.structured))
        else:
            content = json.dumps(reply.structured, ensure_ascii=False)
    message: dict[str, Any] = {"role": "assistant", "content": content, "refusal": None}
    if calls:
        message["tool_calls"] = [
            {"id": f"call_{n}_{i}", "type": "function",
             "function": {"name": name, "arguments": args if isinstance(args, str) else json.dumps(args, ensure_ascii=False)}}
            for i, (name, args) in enumerate(calls)
        ]
    return {
        "id": f"chatcmpl-{n}", "object": "chat.completion", "created": int(time.time()), "model": body.get("model", "test"),
        "choices": [{"index": 0, "message": message, "finish_reason": "tool_calls" if calls else "stop", "logprobs": None}],
        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
    }


def _handler(state: ScriptedLLM) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def _send(self, status: int, doc: Mapping[str, Any]) -> None:
            raw = json.dumps(doc, ensure_ascii=False).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)

        def do_GET(self) -> None:
            if self.path.rstrip("/").endswith("/models"):
                self._send(200, {"object": "list", "data": [{"id": "test-model", "object": "model", "created": 0, "owned_by": "tests"}]})
            else:
                self._send(404, {"error": {"message": f"no route {self.path}", "type": "invalid_request_error"}})

        def do_POST(self) -> None:
            size = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(size) if size else b""
            if not self.path.rstrip("/").endswith("/chat/completions"):
                self._send(404, {"error": {"message": f"no route {self.path}", "type": "invalid_request_error"}})
                return
            try:
                body = json.loads(raw or b"{}")
            except ValueError:
                self._send(400, {"error": {"message": "body is not JSON", "type": "invalid_request_error"}})
                return
            if body.get("stream"):
                self._send(400, {"error": {"message": "streaming is not scripted", "type": "invalid_request_error"}})
                return
            reply = state._next(body)
            if reply.delay_s:
                time.sleep(reply.delay_s)
            if reply.status != 200:
                message = reply.content or "scripted server error"
                self._send(reply.status, {"error": {"message": message, "type": "server_error", "code": None}})
                return
            with state.lock:
                n = len(state.requests)
            self._send(200, completion(reply, body, n))

    return Handler


@contextmanager
def scripted_llm(*replies: Reply | Responder) -> Iterator[ScriptedLLM]:
    """Serve a :class:`ScriptedLLM` starting with ``replies`` on a free 127.0.0.1 port in a background thread
    for the duration of the ``with`` block."""
    state = ScriptedLLM(deque(replies))
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    server.daemon_threads = True
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
