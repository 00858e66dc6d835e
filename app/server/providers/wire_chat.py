"""The OpenAI Chat Completions wire format, as the upstream writes it (bodies, chunks, errors)."""

from __future__ import annotations

import json
from typing import Any

from aibridge_mock.server.providers.answers import Answer, ProviderError

__all__ = ["chunks", "completion", "error_body", "usage_object"]

_CHUNK = 24


def _dumps(value: Any) -> bytes:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()


def usage_object(answer: Answer) -> dict[str, Any]:
    u = answer.usage
    return {
        "prompt_tokens": u.input,
        "completion_tokens": u.output,
        "total_tokens": u.input + u.output,
        "prompt_tokens_details": {"cached_tokens": u.cache_read, "audio_tokens": 0},
        "completion_tokens_details": {
            "reasoning_tokens": u.reasoning,
            "audio_tokens": 0,
            "accepted_prediction_tokens": 0,
            "rejected_prediction_tokens": 0,
        },
    }


def _tool_calls(answer: Answer) -> list[dict[str, Any]]:
    return [
        {"id": c.id, "type": "function", "function": {"name": c.name, "arguments": c.arguments_json}}
        for c in answer.tool_calls
    ]


def _finish(answer: Answer) -> str:
    return "tool_calls" if answer.tool_calls else "stop"


def _fingerprint(answer: Answer) -> str:
    return answer.derived_id("fp_", "fingerprint", 10, "0123456789abcdef")


def completion(answer: Answer, model: str, created: int) -> bytes:
    message: dict[str, Any] = {
        "role": "assistant",
        "content": answer.text or None,
        "refusal": None,
        "annotations": [],
    }
    if answer.tool_calls:
        message["tool_calls"] = _tool_calls(answer)
    return _dumps(
        {
            "id": answer.response_id,
            "object": "chat.completion",
            "created": created,
            "model": model,
            "choices": [{"index": 0, "message": message, "logprobs": None, "finish_reason": _finish(answer)}],
            "usage": usage_object(answer),
            "service_tier": "default",
            "system_fingerprint": _fingerprint(answer),
        }
    )


def chunks(answer: Answer, model: str, created: int) -> list[bytes]:
    """Chunks of a stream with ``stream_options.include_usage`` (the bridge always asks for it)."""
    head = {
        "id": answer.response_id,
        "object": "chat.completion.chunk",
        "created": created,
        "model": model,
        "service_tier": "default",
        "system_fingerprint": _fingerprint(answer),
    }

    def chunk(delta: dict[str, Any], finish: str | None = None) -> bytes:
        choice = {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}
        return _dumps({**head, "choices": [choice], "usage": None})

    out = [chunk({"role": "assistant", "content": "", "refusal": None})]
    text = answer.text
    out += [chunk({"content": text[i : i + _CHUNK]}) for i in range(0, len(text), _CHUNK)]
    for index, call in enumerate(_tool_calls(answer)):
        fn = call["function"]
        opening = {
            "index": index,
            "id": call["id"],
            "type": "function",
            "function": {"name": fn["name"], "arguments": ""},
        }
        out.append(chunk({"tool_calls": [opening]}))
        args = fn["arguments"]
        out += [
            chunk({"tool_calls": [{"index": index, "function": {"arguments": args[i : i + _CHUNK]}}]})
            for i in range(0, len(args), _CHUNK)
        ]
    out.append(chunk({}, _finish(answer)))
    out.append(_dumps({**head, "choices": [], "usage": usage_object(answer)}))
    return out


def error_body(error: ProviderError) -> bytes:
    """OpenAI's error shape."""
    return _dumps(
        {"error": {"message": error.message, "type": error.type, "param": None, "code": error.code}}
    )
