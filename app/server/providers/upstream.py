"""The provider a bridged request is sent to: the built-in one here, or a real one (:mod:`.relay`).

Interceptors hand an :class:`UpstreamRequest` to an upstream and get what a provider would send:
a status, a content type and a body, or a stream of SSE events. The built-in upstream writes the
provider's own wire format (:mod:`.wire_anthropic`, :mod:`.wire_chat`, :mod:`.wire_responses`) for
a scripted answer or the built-in model's (:mod:`.answers`), so the bridge code that reads it is
the same as for a real provider. Nothing here calls the network.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from typing import Any, Protocol

from werkzeug.datastructures import Headers

from aibridge_mock.server.providers import wire_anthropic, wire_chat, wire_responses
from aibridge_mock.server.providers.answers import Answer, ToolCall, plan_answer, seed_key, with_usage
from aibridge_mock.server.providers.conversation import read_conversation
from aibridge_mock.server.providers.credentials import Credential
from aibridge_mock.server.providers.instances import Instance
from aibridge_mock.server.providers.scripts import ScriptedAnswer
from aibridge_mock.server.providers.sse import data_only, named

__all__ = ["BuiltinUpstream", "Pace", "Upstream", "UpstreamReply", "UpstreamRequest"]

_HEX = "0123456789abcdef"


@dataclass(frozen=True)
class UpstreamRequest:
    api: str  # "messages", "chat" or "responses"
    instance: Instance
    path: str  # below the instance's route prefix, e.g. /v1/messages or /chat/completions
    body: bytes  # what the bridge forwards (the client's bytes, or re-encoded for chat)
    payload: dict[str, Any]  # the same, parsed
    headers: Headers  # the client's headers the bridge forwards
    credential: Credential
    stream: bool
    scripted: ScriptedAnswer | None = None


@dataclass(frozen=True)
class Pace:
    """How fast a built-in answer arrives: a scripted slow stream."""

    delay_ms: int = 0  # before the first byte
    chunk_delay_ms: int = 0  # between events


@dataclass(frozen=True)
class UpstreamReply:
    status: int
    content_type: str
    body: bytes = b""  # the whole body of a blocking answer or of an error
    events: Iterator[bytes] | None = None  # a stream: the bytes of one SSE event at a time
    pace: Pace = Pace()

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300


class Upstream(Protocol):
    def call(self, request: UpstreamRequest) -> UpstreamReply: ...


def _call_id(api: str) -> Callable[[Answer, int], str]:
    def name(answer: Answer, index: int) -> str:
        if api == "messages":
            return answer.derived_id("toolu_01", f"call-{index}", 22)
        return answer.derived_id("call_", f"call-{index}", 24)

    return name


def _response_id(api: str, key: bytes) -> str:
    probe = Answer(response_id="", seed_key=key)
    if api == "messages":
        return probe.derived_id("msg_01", "id", 22)
    if api == "chat":
        return probe.derived_id("chatcmpl-", "id", 29)
    return probe.derived_id("resp_", "id", 50, _HEX)


class BuiltinUpstream:
    """A deterministic provider: the answer is a function of (seed, instance, body) or of a script."""

    def __init__(self, seed: Callable[[], int], now_seconds: Callable[[], int]) -> None:
        self.seed = seed  # the served data set's seed: a reseed changes the answers too
        self.now_seconds = now_seconds

    def answer(self, request: UpstreamRequest) -> Answer:
        conv = read_conversation(request.api, request.payload)
        key = seed_key(self.seed(), request.instance.name, request.body)
        response_id = _response_id(request.api, key)
        script = request.scripted
        if script is None:
            return plan_answer(request.api, conv, key, response_id, _call_id(request.api))
        answer = Answer(
            response_id=response_id,
            text=script.text,
            thinking=script.thinking,
            error=script.error,
            delay_ms=script.delay_ms,
            chunk_delay_ms=script.chunk_delay_ms,
            seed_key=key,
        )
        name = _call_id(request.api)
        custom = {t.name for t in conv.tools if t.custom}
        calls = tuple(
            ToolCall(name(answer, i), tool, args, tool in custom)
            for i, (tool, args) in enumerate(script.tool_calls)
        )
        return with_usage(request.api, conv, replace(answer, tool_calls=calls))

    def call(self, request: UpstreamRequest) -> UpstreamReply:
        answer = self.answer(request)
        pace = Pace(answer.delay_ms, answer.chunk_delay_ms)
        error = answer.error
        if error is not None and not (error.mid_stream and request.stream):
            return UpstreamReply(
                error.status, "application/json", self._error_body(request, answer), pace=pace
            )
        model = str(request.payload.get("model", "")) if isinstance(request.payload.get("model"), str) else ""
        created = self.now_seconds()
        if not request.stream:
            if request.api == "messages":
                body = wire_anthropic.message(answer, model)
            elif request.api == "chat":
                body = wire_chat.completion(answer, model, created)
            else:
                body = json.dumps(
                    wire_responses.response_object(answer, request.payload, created), separators=(",", ":")
                ).encode()
            return UpstreamReply(200, "application/json", body, pace=pace)
        events = self._events(request, answer, model, created)
        return UpstreamReply(200, "text/event-stream; charset=utf-8", events=iter(events), pace=pace)

    def _error_body(self, request: UpstreamRequest, answer: Answer) -> bytes:
        assert answer.error is not None
        if request.api == "messages":
            return wire_anthropic.error_body(answer.error, answer.derived_id("req_011", "request", 24))
        return (
            wire_chat.error_body(answer.error)
            if request.api == "chat"
            else wire_responses.error_body(answer.error)
        )

    def _events(self, request: UpstreamRequest, answer: Answer, model: str, created: int) -> list[bytes]:
        error = answer.error
        if request.api == "messages":
            events = [named(n, d) for n, d in wire_anthropic.stream_events(answer, model)]
            if error is not None:  # mid-stream: the start of the message, then Anthropic's error event
                events = [*events[:2], named("error", self._error_body(request, answer))]
            return events
        if request.api == "chat":
            chunks = [data_only(c) for c in wire_chat.chunks(answer, model, created)]
            if error is not None:
                chunks = [*chunks[:1], data_only(self._error_body(request, answer))]
            return chunks
        stream = wire_responses.stream_events(answer, request.payload, created)
        out = [named(n, d) for n, d in stream]
        if error is not None:
            failure = {
                "type": "error",
                "code": error.code or error.type,
                "message": error.message,
                "param": None,
            }
            body = json.dumps({**failure, "sequence_number": 2}, separators=(",", ":")).encode()
            out = [*out[:2], named("error", body)]
        return out
