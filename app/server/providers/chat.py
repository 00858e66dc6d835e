"""The OpenAI Chat Completions interceptor (coder/aibridge ``intercept/chatcompletions``).

Blocking: the completion with ``id`` replaced by the interception id (and ``usage`` by the sum when
completion tokens were reported); one token row with input net of cached tokens. Streaming: each
chunk with ``id`` replaced and cumulative ``usage`` on the usage chunk, then ``data: [DONE]``; only
the first client tool call that finishes in the stream is recorded; one token row, only when the
final usage reports completion tokens. The request goes upstream re-encoded with
``stream_options.include_usage`` and ``n: 1`` when streaming.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from flask import Response

from aibridge_mock.server.gocompat import encode_fragment, sorted_json
from aibridge_mock.server.providers.bridge import Call, json_response, last_user_text, stream_response, wait
from aibridge_mock.server.providers.relay import UpstreamUnreachableError
from aibridge_mock.server.providers.sse import data_only, parse_events

__all__ = ["go_usage", "last_user_prompt", "process", "tool_input"]


def last_user_prompt(payload: dict[str, Any]) -> str | None:
    """The last message must be the user's: its non-empty string content, or its last text part."""
    return last_user_text(payload, empty_is_none=True)


def tool_input(arguments: Any) -> str:
    """unmarshalArgs + json.Marshal: parsed and re-encoded with sorted keys; empty or bad -> null."""
    text = arguments if isinstance(arguments, str) else ""
    if not text.strip():
        return "null"
    try:
        parsed = json.loads(text)
    except ValueError:
        return "null"
    return encode_fragment(sorted_json(parsed)).decode()


def _usage_row(call: Call, msg_id: str, usage: dict[str, Any]) -> None:
    prompt_details = usage.get("prompt_tokens_details") or {}
    completion_details = usage.get("completion_tokens_details") or {}
    cached = int(prompt_details.get("cached_tokens") or 0)
    call.recording.token_usage(
        msg_id,
        int(usage.get("prompt_tokens") or 0) - cached,
        int(usage.get("completion_tokens") or 0),
        cached,
        0,
        {
            "prompt_audio": int(prompt_details.get("audio_tokens") or 0),
            "prompt_cached": cached,
            "completion_accepted_prediction": int(completion_details.get("accepted_prediction_tokens") or 0),
            "completion_rejected_prediction": int(completion_details.get("rejected_prediction_tokens") or 0),
            "completion_audio": int(completion_details.get("audio_tokens") or 0),
            "completion_reasoning": int(completion_details.get("reasoning_tokens") or 0),
        },
    )


def go_usage(usage: dict[str, Any]) -> dict[str, Any]:
    """The cumulative openai.CompletionUsage as Go's encoding/json writes it (UNCONFIRMED field order)."""
    prompt_details = usage.get("prompt_tokens_details") or {}
    completion_details = usage.get("completion_tokens_details") or {}
    return {
        "completion_tokens": int(usage.get("completion_tokens") or 0),
        "prompt_tokens": int(usage.get("prompt_tokens") or 0),
        "total_tokens": int(usage.get("total_tokens") or 0),
        "completion_tokens_details": {
            key: int(completion_details.get(key) or 0)
            for key in (
                "accepted_prediction_tokens",
                "audio_tokens",
                "reasoning_tokens",
                "rejected_prediction_tokens",
            )
        },
        "prompt_tokens_details": {
            key: int(prompt_details.get(key) or 0) for key in ("audio_tokens", "cached_tokens")
        },
    }


def error_body(body: bytes, status: int) -> bytes:
    """getErrorResponse + json.Marshal of shared.ErrorObject: code, message, param, type.

    UNCONFIRMED (reference 3.4): the field order is the Go SDK struct's; ``param`` is not copied.
    """
    try:
        parsed = json.loads(body)
    except ValueError:
        parsed = None
    detail = parsed.get("error") if isinstance(parsed, dict) else None
    detail = (
        detail if isinstance(detail, dict) else {"message": body.decode("utf-8", "replace") or f"{status}"}
    )
    code = detail.get("code")
    return encode_fragment(
        {
            "error": {
                "code": code if isinstance(code, str) else "",
                "message": str(detail.get("message", "")),
                "param": "",
                "type": str(detail.get("type") or ""),
            }
        }
    )


def process(call: Call, headers: dict[str, str]) -> Response:
    try:
        reply = call.call_upstream()
    except UpstreamUnreachableError as exc:
        call.recording.end()
        if call.stream:  # UNCONFIRMED (reference 3.4): nothing written, an empty 200
            return Response(b"", status=200, headers=headers)
        text = f"{exc}\n".encode()
        return Response(text, status=500, content_type="text/plain; charset=utf-8", headers=headers)
    prompt = last_user_prompt(call.payload)
    if not call.stream:
        for _ in wait(call, reply.pace.delay_ms, pings=False):
            pass
        if not reply.ok:
            call.recording.end()
            return json_response(reply.status, error_body(reply.body, reply.status), headers)
        completion = json.loads(reply.body)
        msg_id = str(completion.get("id", ""))
        if prompt is not None:
            call.recording.prompt(msg_id, prompt)
        usage = completion.get("usage") or {}
        _usage_row(call, msg_id, usage)
        choices = completion.get("choices") or []
        message = (choices[0].get("message") or {}) if choices else {}
        for tool_call in message.get("tool_calls") or []:
            fn = tool_call.get("function") or {}
            call.recording.tool_usage(
                msg_id, str(tool_call.get("id", "")), str(fn.get("name", "")), tool_input(fn.get("arguments"))
            )
        completion["id"] = call.recording.id
        if int(usage.get("completion_tokens") or 0) > 0:
            completion["usage"] = go_usage(usage)
        call.recording.end()
        return json_response(200, encode_fragment(completion), headers)
    if not reply.ok:
        call.recording.end()
        return json_response(reply.status, error_body(reply.body, reply.status), headers)
    return stream_response(_relay(call, reply, prompt), call, headers)


def _relay(call: Call, reply: Any, prompt: str | None) -> Iterator[bytes]:
    msg_id, usage, stream_error = "", None, None
    calls: dict[int, dict[str, Any]] = {}
    first_finished: dict[str, Any] | None = None
    try:
        yield from wait(call, reply.pace.delay_ms, pings=False)
        for index, event in enumerate(parse_events(reply.events)):
            if index:
                yield from wait(call, reply.pace.chunk_delay_ms, pings=False)
            if event.data.strip() == "[DONE]":
                break
            chunk = json.loads(event.data)
            if "error" in chunk:
                stream_error = event.data
                break
            msg_id = msg_id or str(chunk.get("id", ""))
            first_finished = first_finished or _track_calls(chunk, calls)
            if isinstance(chunk.get("usage"), dict):
                usage = chunk["usage"]
                chunk["usage"] = go_usage(usage)
            chunk["id"] = call.recording.id
            yield data_only(encode_fragment(chunk))
        first_finished = first_finished or (calls[min(calls)] if calls else None)
        _end(call, msg_id, usage, first_finished, prompt)
        if stream_error is not None:
            message = f"unknown stream error: received error while streaming: {stream_error}"
            yield data_only(
                encode_fragment(
                    {"error": {"code": "error", "message": message, "param": "", "type": "error"}}
                )
            )
        yield data_only(b"[DONE]")
    finally:
        _end(call, msg_id, usage, first_finished, prompt)


def _track_calls(chunk: dict[str, Any], calls: dict[int, dict[str, Any]]) -> dict[str, Any] | None:
    """Accumulate tool-call deltas; a call is finished when a later one starts or the choice ends."""
    finished = None
    for choice in chunk.get("choices") or []:
        for delta in (choice.get("delta") or {}).get("tool_calls") or []:
            index = int(delta.get("index") or 0)
            if index not in calls and calls:
                finished = finished or calls[max(calls)]
            entry = calls.setdefault(index, {"id": "", "name": "", "arguments": ""})
            fn = delta.get("function") or {}
            entry["id"] = delta.get("id") or entry["id"]
            entry["name"] = fn.get("name") or entry["name"]
            entry["arguments"] += fn.get("arguments") or ""
        if choice.get("finish_reason") and calls:
            finished = finished or calls[min(calls)]
    return finished


def _end(call: Call, msg_id: str, usage: Any, tool_call: dict[str, Any] | None, prompt: str | None) -> None:
    if call.recording.ended:
        return
    if tool_call is not None:
        call.recording.tool_usage(
            msg_id, tool_call["id"], tool_call["name"], tool_input(tool_call["arguments"])
        )
    if prompt is not None:
        call.recording.prompt(msg_id, prompt)
    if isinstance(usage, dict) and int(usage.get("completion_tokens") or 0) > 0:
        _usage_row(call, msg_id, usage)
    call.recording.end()
