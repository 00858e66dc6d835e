"""The Anthropic Messages interceptor (coder/aibridge ``intercept/messages``): relay and record.

Blocking: the upstream message with ``id`` replaced by the interception id and ``usage`` by the
usage summed over the interception; one token row. Streaming: every event relayed with
``message.id`` and ``usage.output_tokens`` set (the library sets both paths on every event, which
adds them to events that lacked them); two token rows per message (``message_start`` and
``message_delta``); thoughts and client tool calls recorded at ``message_stop``; the prompt after
the stream. Upstream errors are rebuilt as the Go SDK re-encodes them.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from flask import Response

from aibridge_mock.server.gocompat import encode_fragment
from aibridge_mock.server.providers.bridge import Call, json_response, last_user_text, stream_response, wait
from aibridge_mock.server.providers.relay import UpstreamUnreachableError
from aibridge_mock.server.providers.sse import named, parse_events

__all__ = ["last_user_prompt", "process"]


def last_user_prompt(payload: dict[str, Any]) -> str | None:
    """lastUserPrompt: the last message must be the user's; its text, or its last text block."""
    return last_user_text(payload, empty_is_none=False)


def _metadata(usage: dict[str, Any]) -> dict[str, int]:
    creation = usage.get("cache_creation") or {}
    server = usage.get("server_tool_use") or {}
    return {
        "web_search_requests": int(server.get("web_search_requests") or 0),
        "cache_creation_input": int(usage.get("cache_creation_input_tokens") or 0),
        "cache_read_input": int(usage.get("cache_read_input_tokens") or 0),
        "cache_ephemeral_1h_input": int(creation.get("ephemeral_1h_input_tokens") or 0),
        "cache_ephemeral_5m_input": int(creation.get("ephemeral_5m_input_tokens") or 0),
    }


def _record_usage(call: Call, msg_id: str, usage: dict[str, Any]) -> None:
    call.recording.token_usage(
        msg_id,
        int(usage.get("input_tokens") or 0),
        int(usage.get("output_tokens") or 0),
        int(usage.get("cache_read_input_tokens") or 0),
        int(usage.get("cache_creation_input_tokens") or 0),
        _metadata(usage),
    )


def _record_content(call: Call, msg_id: str, content: list[Any]) -> None:
    """Thoughts (non-empty thinking blocks) and client tool calls of one message."""
    for block in content:
        if isinstance(block, dict) and block.get("type") == "thinking" and block.get("thinking"):
            call.recording.thought(str(block["thinking"]), "thinking")
    for block in content:
        if isinstance(block, dict) and block.get("type") == "tool_use" and block.get("id"):
            # json.Marshal of the block's raw input: compacted, key order kept, <>& escaped.
            arguments = encode_fragment(block.get("input")).decode()
            call.recording.tool_usage(msg_id, str(block["id"]), str(block.get("name", "")), arguments)


def _go_usage(usage: dict[str, int]) -> dict[str, Any]:
    """The cumulative anthropic.Usage as Go's encoding/json writes the SDK struct.

    UNCONFIRMED (reference 3.3): field order and zero values follow the Go SDK's struct
    declaration; ``service_tier`` is not accumulated, so it is empty.
    """
    return {
        "cache_creation": {
            "ephemeral_1h_input_tokens": usage["ephemeral_1h"],
            "ephemeral_5m_input_tokens": usage["ephemeral_5m"],
        },
        "cache_creation_input_tokens": usage["cache_write"],
        "cache_read_input_tokens": usage["cache_read"],
        "input_tokens": usage["input"],
        "output_tokens": usage["output"],
        "server_tool_use": {"web_search_requests": usage["web_search"]},
        "service_tier": "",
    }


def error_body(status_body: bytes) -> bytes:
    """getErrorResponse + json.Marshal: ``{"error":{"message","type"},"request_id":"","type":"error"}``."""
    try:
        parsed = json.loads(status_body)
    except ValueError:
        parsed = None
    detail = parsed.get("error") if isinstance(parsed, dict) else None
    if isinstance(detail, dict):
        message, kind = str(detail.get("message", "")), str(detail.get("type", ""))
    else:
        message, kind = status_body.decode("utf-8", "replace"), "api_error"
    return encode_fragment({"error": {"message": message, "type": kind}, "request_id": "", "type": "error"})


def process(call: Call, headers: dict[str, str]) -> Response:
    try:
        reply = call.call_upstream()
    except UpstreamUnreachableError:
        call.recording.end()
        # Blocking: http.Error "internal error". Streaming: nothing was written (UNCONFIRMED:
        # the client sees an empty 200, reference 3.4).
        if call.stream:
            return Response(b"", status=200, headers=headers)
        return Response(
            b"internal error\n", status=500, content_type="text/plain; charset=utf-8", headers=headers
        )
    if not call.stream:
        for _ in wait(call, reply.pace.delay_ms, pings=False):
            pass
        if not reply.ok:
            call.recording.end()
            return json_response(reply.status, error_body(reply.body), headers)
        message = json.loads(reply.body)
        prompt = last_user_prompt(call.payload)
        msg_id = str(message.get("id", ""))
        if prompt is not None:
            call.recording.prompt(msg_id, prompt)
        usage = message.get("usage") or {}
        _record_usage(call, msg_id, usage)
        _record_content(call, msg_id, message.get("content") or [])
        message["id"] = call.recording.id
        message["usage"] = _go_usage(_sum(usage))
        call.recording.end()
        return json_response(200, encode_fragment(message), headers)
    if not reply.ok:  # the stream never started: the same rebuilt error as a blocking request
        call.recording.end()
        return json_response(reply.status, error_body(reply.body), headers)
    return stream_response(_relay(call, reply), call, headers)


def _sum(usage: dict[str, Any]) -> dict[str, int]:
    creation = usage.get("cache_creation") or {}
    return {
        "input": int(usage.get("input_tokens") or 0),
        "output": int(usage.get("output_tokens") or 0),
        "cache_read": int(usage.get("cache_read_input_tokens") or 0),
        "cache_write": int(usage.get("cache_creation_input_tokens") or 0),
        "ephemeral_1h": int(creation.get("ephemeral_1h_input_tokens") or 0),
        "ephemeral_5m": int(creation.get("ephemeral_5m_input_tokens") or 0),
        "web_search": int((usage.get("server_tool_use") or {}).get("web_search_requests") or 0),
    }


def _relay(call: Call, reply: Any) -> Iterator[bytes]:
    recording = call.recording
    msg_id, output, stream_error = "", 0, None
    content: dict[int, dict[str, Any]] = {}
    partial: dict[int, str] = {}
    try:
        yield from wait(call, reply.pace.delay_ms, pings=True)
        for index, event in enumerate(parse_events(reply.events)):
            if index:
                yield from wait(call, reply.pace.chunk_delay_ms, pings=True)
            if event.name == "error":
                stream_error = event.data
                break
            data = json.loads(event.data)
            kind = data.get("type")
            if kind == "message_start":
                message = data.get("message") or {}
                msg_id = str(message.get("id", ""))
                usage = message.get("usage") or {}
                output += int(usage.get("output_tokens") or 0)
                _record_usage(call, msg_id, usage)
            elif kind == "message_delta":
                delta_output = int((data.get("usage") or {}).get("output_tokens") or 0)
                output += delta_output
                recording.token_usage(msg_id, 0, delta_output, 0, 0, {})
            elif kind in ("content_block_start", "content_block_delta"):
                _accumulate(data, content, partial)
            elif kind == "message_stop":
                _finish_blocks(content, partial)
                _record_content(call, msg_id, [content[i] for i in sorted(content)])
            final = kind == "message_stop"
            if final:
                _end(call, msg_id)
            yield named(
                str(event.name or kind), _mark(data, recording.id, output if kind == "message_delta" else 0)
            )
        if stream_error is not None:
            _end(call, msg_id)
            message = f"unknown stream error: received error while streaming: {stream_error}"
            error = {"error": {"message": message, "type": "error"}, "request_id": "", "type": "error"}
            yield named("error", encode_fragment(error))
    finally:
        _end(call, msg_id)  # the client went away, or the stream ended without message_stop


def _end(call: Call, msg_id: str) -> None:
    """The prompt is recorded after the stream loop (also when it failed), then the interception ends."""
    if call.recording.ended:
        return
    prompt = last_user_prompt(call.payload)
    if prompt is not None:
        call.recording.prompt(msg_id, prompt)
    call.recording.end()


def _mark(data: dict[str, Any], interception_id: str, output_tokens: int) -> bytes:
    """sjson.Set "message.id" and "usage.output_tokens" on an event (messages/streaming.go marshalEvent)."""
    marked = dict(data)
    message = marked.get("message")
    marked["message"] = (
        {**message, "id": interception_id} if isinstance(message, dict) else {"id": interception_id}
    )
    usage = marked.get("usage")
    marked["usage"] = (
        {**usage, "output_tokens": output_tokens}
        if isinstance(usage, dict)
        else {"output_tokens": output_tokens}
    )
    return encode_fragment(marked)


def _accumulate(data: dict[str, Any], content: dict[int, dict[str, Any]], partial: dict[int, str]) -> None:
    index = int(data.get("index") or 0)
    if data.get("type") == "content_block_start":
        content[index] = dict(data.get("content_block") or {})
        return
    delta = data.get("delta") or {}
    block = content.setdefault(index, {})
    if delta.get("type") == "text_delta":
        block["text"] = block.get("text", "") + str(delta.get("text", ""))
    elif delta.get("type") == "thinking_delta":
        block["thinking"] = block.get("thinking", "") + str(delta.get("thinking", ""))
    elif delta.get("type") == "input_json_delta":
        partial[index] = partial.get(index, "") + str(delta.get("partial_json", ""))


def _finish_blocks(content: dict[int, dict[str, Any]], partial: dict[int, str]) -> None:
    for index, raw in partial.items():
        try:
            content[index]["input"] = json.loads(raw) if raw else {}
        except ValueError:
            content[index]["input"] = raw
