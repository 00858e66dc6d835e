"""The OpenAI Responses interceptor (coder/aibridge ``intercept/responses``).

The upstream's status, content type and bytes reach the client unchanged (no id rewrite). Streams
are held back and written once the upstream stream ends, because coderd always builds an MCP
proxy object (reference 3.3). Recorded from the final response (``response.completed`` when
streaming): one token row with input net of cached tokens, the prompt with the first response id,
``function_call`` and ``custom_tool_call`` items, reasoning summaries and commentary as thoughts.
``"background": true`` is refused with 501 after the interception was recorded.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from flask import Response

from aibridge_mock.server.gocompat import encode_fragment, sorted_json
from aibridge_mock.server.providers.bridge import Call, json_response, stream_response, wait
from aibridge_mock.server.providers.relay import UpstreamUnreachableError
from aibridge_mock.server.providers.sse import parse_events

__all__ = ["last_user_prompt", "process"]


def last_user_prompt(payload: dict[str, Any]) -> str | None:
    """A string input; else the last item must be the user's: its string content or input_text parts."""
    items = payload.get("input")
    if isinstance(items, str):
        return items
    last = items[-1] if isinstance(items, list) and items else None
    if not isinstance(last, dict) or last.get("role") != "user":
        return None
    content = last.get("content")
    if isinstance(content, str):
        return content
    parts = [p.get("text") for p in content or [] if isinstance(p, dict) and p.get("type") == "input_text"]
    texts = [t for t in parts if isinstance(t, str)]
    return "\n".join(texts) if texts else None


def _arguments(raw: Any) -> str:
    """parseFunctionCallJSONArgs + json.Marshal: JSON re-encoded (sorted keys), else the raw string."""
    text = raw.strip() if isinstance(raw, str) else ""
    try:
        return (
            encode_fragment(sorted_json(json.loads(text))).decode()
            if text
            else encode_fragment(text).decode()
        )
    except ValueError:
        return encode_fragment(text).decode()


def _record(call: Call, response: dict[str, Any] | None, first_id: str) -> None:
    recording = call.recording
    if response is not None:
        usage = response.get("usage") or {}
        cached = int((usage.get("input_tokens_details") or {}).get("cached_tokens") or 0)
        recording.token_usage(
            str(response.get("id", "")),
            int(usage.get("input_tokens") or 0) - cached,
            int(usage.get("output_tokens") or 0),
            cached,
            0,
            {
                "input_cached": cached,
                "output_reasoning": int(
                    (usage.get("output_tokens_details") or {}).get("reasoning_tokens") or 0
                ),
                "total_tokens": int(usage.get("total_tokens") or 0),
            },
        )
        _record_thoughts(call, response)
    prompt = last_user_prompt(call.payload)
    if prompt is not None and first_id:
        recording.prompt(first_id, prompt)
    for item in (response or {}).get("output") or []:
        if item.get("type") == "function_call":
            arguments = _arguments(item.get("arguments"))
        elif item.get("type") == "custom_tool_call":
            arguments = encode_fragment(str(item.get("input", ""))).decode()
        else:
            continue
        recording.tool_usage(
            str(response.get("id", "")) if response else "",
            str(item.get("call_id", "")),
            str(item.get("name", "")),
            arguments,
        )
    recording.end()


def _record_thoughts(call: Call, response: dict[str, Any]) -> None:
    for item in response.get("output") or []:
        if item.get("type") == "reasoning":
            for part in item.get("summary") or []:
                if part.get("text"):
                    call.recording.thought(str(part["text"]), "reasoning_summary")
        elif item.get("type") == "message" and item.get("phase") == "commentary":
            for part in item.get("content") or []:
                if part.get("type") == "output_text" and part.get("text"):
                    call.recording.thought(str(part["text"]), "commentary")


def process(call: Call, headers: dict[str, str]) -> Response:
    if call.payload.get("background") is True:
        call.recording.end()
        body = {"code": "501", "message": "background requests are currently not supported by AI Bridge"}
        return json_response(501, encode_fragment(body), headers)
    try:
        reply = call.call_upstream()
    except UpstreamUnreachableError as exc:
        call.recording.end()
        return json_response(500, encode_fragment({"code": "500", "message": str(exc)}), headers)
    if not call.stream or not reply.ok:
        for _ in wait(call, reply.pace.delay_ms, pings=False):
            pass
        response = None
        if reply.ok:
            try:
                response = json.loads(reply.body)
            except ValueError:
                response = None
        first_id = str(response.get("id", "")) if isinstance(response, dict) else ""
        _record(call, response if isinstance(response, dict) else None, first_id)
        return Response(reply.body, status=reply.status, content_type=reply.content_type, headers=headers)
    return stream_response(_held_back(call, reply), call, headers)


def _held_back(call: Call, reply: Any) -> Iterator[bytes]:
    held: list[bytes] = []
    completed: dict[str, Any] | None = None
    first_id = ""
    try:
        for _ in wait(call, reply.pace.delay_ms, pings=False):
            pass
        for index, event in enumerate(parse_events(reply.events)):
            if index:
                for _ in wait(call, reply.pace.chunk_delay_ms, pings=False):
                    pass
            held.append(event.raw)
            try:
                data = json.loads(event.data)
            except ValueError:
                continue
            response = data.get("response") if isinstance(data, dict) else None
            if isinstance(response, dict):
                first_id = first_id or str(response.get("id", ""))
                if data.get("type") == "response.completed":
                    completed = response
        _record(call, completed, first_id)
        yield b"".join(held)
    finally:
        if not call.recording.ended:
            _record(call, completed, first_id)
