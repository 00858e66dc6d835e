"""The Anthropic Messages wire format, as the upstream (api.anthropic.com) writes it.

The built-in upstream renders its answers with these functions: a message body, the stream of
events (``message_start``, content blocks, ``message_delta``, ``message_stop``) and error bodies,
shaped like Anthropic's documented examples so that the official SDKs parse them.
"""

from __future__ import annotations

import json
from typing import Any

from aibridge_mock.server.providers.answers import Answer, ProviderError

__all__ = ["error_body", "message", "stream_events"]

_CHUNK = 24  # characters per text delta


def _dumps(value: Any) -> bytes:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()


def _usage(answer: Answer, output: int) -> dict[str, Any]:
    u = answer.usage
    return {
        "input_tokens": u.input - u.cache_read - u.cache_write,
        "cache_creation_input_tokens": u.cache_write,
        "cache_read_input_tokens": u.cache_read,
        "cache_creation": {"ephemeral_5m_input_tokens": u.cache_write, "ephemeral_1h_input_tokens": 0},
        "output_tokens": output,
        "service_tier": "standard",
    }


def _blocks(answer: Answer) -> list[dict[str, Any]]:
    blocks: list[dict[str, Any]] = []
    if answer.thinking:
        signature = answer.derived_id("", "signature", 64)
        blocks.append({"type": "thinking", "thinking": answer.thinking, "signature": signature})
    if answer.text:
        blocks.append({"type": "text", "text": answer.text})
    blocks += [
        {"type": "tool_use", "id": c.id, "name": c.name, "input": c.arguments} for c in answer.tool_calls
    ]
    return blocks


def _stop_reason(answer: Answer) -> str:
    return "tool_use" if answer.tool_calls else "end_turn"


def message(answer: Answer, model: str) -> bytes:
    """A Messages API response body."""
    return _dumps(
        {
            "id": answer.response_id,
            "type": "message",
            "role": "assistant",
            "model": model,
            "content": _blocks(answer),
            "stop_reason": _stop_reason(answer),
            "stop_sequence": None,
            "usage": _usage(answer, answer.usage.output),
        }
    )


def _pieces(text: str) -> list[str]:
    return [text[i : i + _CHUNK] for i in range(0, len(text), _CHUNK)] or [""]


def stream_events(answer: Answer, model: str) -> list[tuple[str, bytes]]:
    """The events of a streamed response. ``message_start`` reports 1 output token, as Anthropic does."""
    start: dict[str, Any] = {
        "id": answer.response_id,
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": [],
        "stop_reason": None,
        "stop_sequence": None,
        "usage": _usage(answer, 1),
    }
    events: list[tuple[str, Any]] = [("message_start", {"type": "message_start", "message": start})]
    for index, block in enumerate(_blocks(answer)):
        kind = block["type"]
        if kind == "thinking":
            opening: dict[str, Any] = {"type": "thinking", "thinking": "", "signature": ""}
            deltas = [{"type": "thinking_delta", "thinking": p} for p in _pieces(block["thinking"])]
            deltas.append({"type": "signature_delta", "signature": block["signature"]})
        elif kind == "text":
            opening = {"type": "text", "text": ""}
            deltas = [{"type": "text_delta", "text": p} for p in _pieces(block["text"])]
        else:
            opening = {"type": "tool_use", "id": block["id"], "name": block["name"], "input": {}}
            raw = json.dumps(block["input"], separators=(",", ":"), ensure_ascii=False)
            deltas = [{"type": "input_json_delta", "partial_json": p} for p in _pieces(raw)]
        events.append(
            ("content_block_start", {"type": "content_block_start", "index": index, "content_block": opening})
        )
        events += [
            ("content_block_delta", {"type": "content_block_delta", "index": index, "delta": d})
            for d in deltas
        ]
        events.append(("content_block_stop", {"type": "content_block_stop", "index": index}))
    events.append(
        (
            "message_delta",
            {
                "type": "message_delta",
                "delta": {"stop_reason": _stop_reason(answer), "stop_sequence": None},
                "usage": {"output_tokens": answer.usage.output},
            },
        )
    )
    events.append(("message_stop", {"type": "message_stop"}))
    return [(name, _dumps(data)) for name, data in events]


def error_body(error: ProviderError, request_id: str) -> bytes:
    """Anthropic's error shape (docs: errors#error-shapes)."""
    return _dumps(
        {"type": "error", "error": {"type": error.type, "message": error.message}, "request_id": request_id}
    )
