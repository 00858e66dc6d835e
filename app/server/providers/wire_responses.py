"""The OpenAI Responses wire format, as the upstream writes it: the response object and its events."""

from __future__ import annotations

import json
from typing import Any

from aibridge_mock.server.providers.answers import Answer, ProviderError

__all__ = ["error_body", "response_object", "stream_events"]

_CHUNK = 24
_HEX = "0123456789abcdef"


def _dumps(value: Any) -> bytes:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()


def _items(answer: Answer) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    if answer.thinking:
        items.append(
            {
                "id": answer.derived_id("rs_", "reasoning", 48, _HEX),
                "type": "reasoning",
                "summary": [{"type": "summary_text", "text": answer.thinking}],
            }
        )
    if answer.text:
        items.append(
            {
                "id": answer.derived_id("msg_", "message", 48, _HEX),
                "type": "message",
                "status": "completed",
                "content": [{"type": "output_text", "annotations": [], "logprobs": [], "text": answer.text}],
                "role": "assistant",
            }
        )
    for index, call in enumerate(answer.tool_calls):
        if call.custom:
            items.append(
                {
                    "id": answer.derived_id("ctc_", f"call-item-{index}", 48, _HEX),
                    "type": "custom_tool_call",
                    "status": "completed",
                    "call_id": call.id,
                    "input": str(call.arguments),
                    "name": call.name,
                }
            )
        else:
            items.append(
                {
                    "id": answer.derived_id("fc_", f"call-item-{index}", 48, _HEX),
                    "type": "function_call",
                    "status": "completed",
                    "arguments": call.arguments_json,
                    "call_id": call.id,
                    "name": call.name,
                }
            )
    return items


def _usage(answer: Answer) -> dict[str, Any]:
    u = answer.usage
    return {
        "input_tokens": u.input,
        "input_tokens_details": {"cached_tokens": u.cache_read},
        "output_tokens": u.output,
        "output_tokens_details": {"reasoning_tokens": u.reasoning},
        "total_tokens": u.input + u.output,
    }


def response_object(
    answer: Answer, request: dict[str, Any], created: int, status: str = "completed"
) -> dict[str, Any]:
    done = status == "completed"
    reasoning: dict[str, Any] = request["reasoning"] if isinstance(request.get("reasoning"), dict) else {}
    return {
        "id": answer.response_id,
        "object": "response",
        "created_at": created,
        "status": status,
        "background": False,
        "error": None,
        "incomplete_details": None,
        "instructions": request.get("instructions"),
        "max_output_tokens": request.get("max_output_tokens"),
        "model": request.get("model") if isinstance(request.get("model"), str) else "",
        "output": _items(answer) if done else [],
        "parallel_tool_calls": request.get("parallel_tool_calls", True),
        "previous_response_id": request.get("previous_response_id"),
        "reasoning": {"effort": reasoning.get("effort"), "summary": reasoning.get("summary")},
        "store": request.get("store", True),
        "temperature": request.get("temperature", 1.0),
        "text": {"format": {"type": "text"}},
        "tool_choice": request.get("tool_choice", "auto"),
        "tools": request.get("tools") or [],
        "top_p": request.get("top_p", 1.0),
        "truncation": "disabled",
        "usage": _usage(answer) if done else None,
        "user": None,
        "metadata": request.get("metadata") or {},
    }


def _item_events(index: int, item: dict[str, Any]) -> list[dict[str, Any]]:
    kind, item_id = item["type"], item["id"]
    where = {"item_id": item_id, "output_index": index}
    if kind == "reasoning":
        text = item["summary"][0]["text"]
        opened = {**item, "summary": []}
        part: dict[str, Any] = {"type": "summary_text", "text": ""}
        events: list[dict[str, Any]] = [
            {"type": "response.output_item.added", "output_index": index, "item": opened},
            {"type": "response.reasoning_summary_part.added", **where, "summary_index": 0, "part": part},
        ]
        events += [
            {"type": "response.reasoning_summary_text.delta", **where, "summary_index": 0, "delta": p}
            for p in _pieces(text)
        ]
        events += [
            {"type": "response.reasoning_summary_text.done", **where, "summary_index": 0, "text": text},
            {
                "type": "response.reasoning_summary_part.done",
                **where,
                "summary_index": 0,
                "part": {**part, "text": text},
            },
        ]
    elif kind == "message":
        text = item["content"][0]["text"]
        part = {"type": "output_text", "annotations": [], "logprobs": [], "text": ""}
        events = [
            {
                "type": "response.output_item.added",
                "output_index": index,
                "item": {**item, "status": "in_progress", "content": []},
            },
            {"type": "response.content_part.added", **where, "content_index": 0, "part": part},
        ]
        events += [
            {"type": "response.output_text.delta", **where, "content_index": 0, "delta": p, "logprobs": []}
            for p in _pieces(text)
        ]
        events += [
            {"type": "response.output_text.done", **where, "content_index": 0, "text": text, "logprobs": []},
            {
                "type": "response.content_part.done",
                **where,
                "content_index": 0,
                "part": {**part, "text": text},
            },
        ]
    elif kind == "function_call":
        args = item["arguments"]
        events = [
            {
                "type": "response.output_item.added",
                "output_index": index,
                "item": {**item, "status": "in_progress", "arguments": ""},
            }
        ]
        events += [
            {"type": "response.function_call_arguments.delta", **where, "delta": p} for p in _pieces(args)
        ]
        events.append({"type": "response.function_call_arguments.done", **where, "arguments": args})
    else:
        value = item["input"]
        events = [
            {
                "type": "response.output_item.added",
                "output_index": index,
                "item": {**item, "status": "in_progress", "input": ""},
            }
        ]
        events += [
            {"type": "response.custom_tool_call_input.delta", **where, "delta": p} for p in _pieces(value)
        ]
        events.append({"type": "response.custom_tool_call_input.done", **where, "input": value})
    events.append({"type": "response.output_item.done", "output_index": index, "item": item})
    return events


def _pieces(text: str) -> list[str]:
    return [text[i : i + _CHUNK] for i in range(0, len(text), _CHUNK)] or [""]


def stream_events(answer: Answer, request: dict[str, Any], created: int) -> list[tuple[str, bytes]]:
    """``response.created`` ... ``response.completed``, each with its ``sequence_number``."""
    pending = response_object(answer, request, created, "in_progress")
    events: list[dict[str, Any]] = [
        {"type": "response.created", "response": pending},
        {"type": "response.in_progress", "response": pending},
    ]
    for index, item in enumerate(_items(answer)):
        events += _item_events(index, item)
    events.append({"type": "response.completed", "response": response_object(answer, request, created)})
    return [(e["type"], _dumps({**e, "sequence_number": n})) for n, e in enumerate(events)]


def error_body(error: ProviderError) -> bytes:
    return _dumps(
        {"error": {"message": error.message, "type": error.type, "param": None, "code": error.code}}
    )
