"""A fake LLM: a real HTTP server speaking OpenAI chat completions, scripted by tests.

It runs aiohttp on 127.0.0.1 (an ephemeral port) in a thread of its own, so a client
under test talks to it over real sockets, and a delayed answer blocks nothing else.

Script answers in order with ``server.script([...])``; each request takes the next one,
and the ``default`` function answers when the script is empty. An answer is:

- a ``dict``: a verdict, sent as the arguments of a call to the tool the request named
  (instructor's TOOLS mode), or as the message content when no tool was offered (JSON);
- a ``str``: raw text in the same place (e.g. invalid JSON);
- ``Text(content)``: a plain assistant message even when a tool was asked for;
- ``Cut(content)``: raw text in the same place as a ``str``, with ``finish_reason``
  ``"length"``, as a model stopped by ``max_tokens`` mid-answer;
- ``Status(code, headers, body)``: an HTTP error, e.g. ``Status(429, {"Retry-After": "1"})``;
- ``Delay(seconds, then)``: wait, then answer ``then`` (the default answer if ``None``);
- ``Reset()``: close the connection without answering;
- ``InvalidBody()``: status 200 with a body that is not JSON;
- ``EmptyChoices()``: a well-formed completion whose ``choices`` list is empty.

Every request is recorded in ``server.requests`` (``Received``), in arrival order.
Answers carry ``usage``: prompt tokens are the request's characters / 4, completion
tokens the answer's characters / 4. ``fake_llm`` is the pytest fixture: one server per
test session, its script, default and record reset for every test.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import socket
import struct
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from aiohttp import web

VERDICT: dict[str, Any] = {
    "termination": "completed",
    "helpfulness": "helpful",
    "confidence": 0.9,
    "user_sentiment": "neutral",
    "rationale": "The agent finished the task and the user accepted it.",
    "evidence": [],
}


@dataclass(frozen=True)
class Status:
    code: int
    headers: dict[str, str] = field(default_factory=dict)
    body: Any = None


@dataclass(frozen=True)
class Delay:
    seconds: float
    then: Answer | None = None


@dataclass(frozen=True)
class Text:
    content: str


@dataclass(frozen=True)
class Cut:
    content: str


class Reset:
    """Close the connection without a byte of answer."""


class InvalidBody:
    """Status 200, ``application/json``, and a body cut off mid-object."""


class EmptyChoices:
    """A completion with ``"choices": []``."""


Answer = dict[str, Any] | str | Text | Cut | Status | Delay | Reset | InvalidBody | EmptyChoices


@dataclass(frozen=True)
class Received:
    """One request as the server saw it."""

    body: dict[str, Any]
    headers: dict[str, str]

    @property
    def messages(self) -> list[dict[str, Any]]:
        return list(self.body.get("messages", []))

    def content(self, role: str) -> str:
        """The first message of ``role``, as text."""
        return next(str(m.get("content")) for m in self.messages if m.get("role") == role)

    @property
    def tool_name(self) -> str | None:
        """The tool the request forces or offers first; ``None`` without tools."""
        choice = self.body.get("tool_choice")
        if isinstance(choice, dict):
            return str(choice["function"]["name"])
        tools = self.body.get("tools") or []
        return str(tools[0]["function"]["name"]) if tools else None


def default_answer(received: Received) -> Answer:
    return dict(VERDICT)


class FakeLlm:
    """The server; ``url`` is the ``base_url`` for an OpenAI client."""

    def __init__(self) -> None:
        self.requests: list[Received] = []
        self.default: Callable[[Received], Answer] = default_answer
        self._script: deque[Answer] = deque()
        self._ids = itertools.count(1)
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._runner: web.AppRunner | None = None
        self.url = ""

    def script(self, answers: Iterable[Answer]) -> None:
        self._script.extend(answers)

    def reset(self) -> None:
        self._script.clear()
        self.requests.clear()
        self.default = default_answer

    def start(self) -> None:
        self._thread.start()
        port = asyncio.run_coroutine_threadsafe(self._serve(), self._loop).result(timeout=10)
        self.url = f"http://127.0.0.1:{port}/v1"

    def stop(self) -> None:
        if self._runner is not None:
            asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._loop.close()

    async def _serve(self) -> int:
        app = web.Application()
        app.router.add_post("/v1/chat/completions", self._chat)
        # A client that gave up (a timeout) cancels its handler; shutdown waits for no one.
        self._runner = web.AppRunner(
            app, access_log=None, handler_cancellation=True, shutdown_timeout=1.0
        )
        await self._runner.setup()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind(("127.0.0.1", 0))
        await web.SockSite(self._runner, sock, backlog=512).start()
        return int(sock.getsockname()[1])

    async def _chat(self, request: web.Request) -> web.StreamResponse:
        received = Received(await request.json(), dict(request.headers))
        self.requests.append(received)
        answer = self._script.popleft() if self._script else self.default(received)
        return await self._answer(request, received, answer)

    async def _answer(
        self, request: web.Request, received: Received, answer: Answer
    ) -> web.StreamResponse:
        if isinstance(answer, Delay):
            await asyncio.sleep(answer.seconds)
            then = self.default(received) if answer.then is None else answer.then
            return await self._answer(request, received, then)
        if isinstance(answer, Status):
            body = answer.body if answer.body is not None else _error(answer.code)
            return web.json_response(body, status=answer.code, headers=answer.headers)
        if isinstance(answer, Reset):
            return _reset(request)
        if isinstance(answer, InvalidBody):
            return web.Response(
                text='{"id": "chatcmpl-1", "choices": [', content_type="application/json"
            )
        if isinstance(answer, EmptyChoices):
            return web.json_response(self._completion(received, [], ""))
        message, finish, text = _message(received, answer)
        choice = {"index": 0, "message": message, "finish_reason": finish, "logprobs": None}
        return web.json_response(self._completion(received, [choice], text))

    def _completion(self, received: Received, choices: list[Any], text: str) -> dict[str, Any]:
        prompt = len(json.dumps(received.messages)) // 4 + 1
        completion = len(text) // 4 + 1
        return {
            "id": f"chatcmpl-fake-{next(self._ids)}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": received.body.get("model", "fake"),
            "choices": choices,
            "usage": {
                "prompt_tokens": prompt,
                "completion_tokens": completion,
                "total_tokens": prompt + completion,
            },
        }


def _message(received: Received, answer: Answer) -> tuple[dict[str, Any], str, str]:
    """The assistant message for an answer, its finish reason, and its text."""
    if isinstance(answer, Text):
        return {"role": "assistant", "content": answer.content}, "stop", answer.content
    if isinstance(answer, Cut):
        message, _, text = _message(received, answer.content)
        return message, "length", text
    text = answer if isinstance(answer, str) else json.dumps(answer)
    name = received.tool_name
    if name is None:
        return {"role": "assistant", "content": text}, "stop", text
    call = {"id": "call_fake", "type": "function", "function": {"name": name, "arguments": text}}
    return {"role": "assistant", "content": None, "tool_calls": [call]}, "tool_calls", text


def _error(code: int) -> dict[str, Any]:
    return {"error": {"message": f"fake error {code}", "type": "fake_error", "code": code}}


def _reset(request: web.Request) -> web.StreamResponse:
    """Drop the connection with a TCP reset; aiohttp then has nowhere to write."""
    transport = request.transport
    if transport is not None:
        sock = transport.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        transport.abort()
    return web.Response()


@pytest.fixture(scope="session")
def fake_llm_server() -> Iterator[FakeLlm]:
    server = FakeLlm()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def fake_llm(fake_llm_server: FakeLlm) -> Iterator[FakeLlm]:
    """The fake LLM with an empty script and record, answering ``VERDICT`` by default."""
    fake_llm_server.reset()
    yield fake_llm_server
    fake_llm_server.reset()
