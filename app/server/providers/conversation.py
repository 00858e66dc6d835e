"""What the built-in upstream reads from a request, whatever its wire format.

A small normalised view of a Messages, Chat Completions or Responses body: the tools offered, the
turns, the user's last typed text, how many tool results the client sent back since then, and the
token estimate of the prompt (a pure function of the body: about 4 bytes of JSON per token).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any

__all__ = ["Conversation", "Tool", "estimate_tokens", "read_conversation"]


@dataclass(frozen=True)
class Tool:
    """A tool the request offers: its name and JSON Schema of arguments ({} when none is given)."""

    name: str
    schema: dict[str, Any]
    custom: bool = False  # a Responses custom tool: its call carries free text, not JSON arguments


@dataclass(frozen=True)
class Conversation:
    model: str
    tools: tuple[Tool, ...]
    last_text: str  # the last text the user typed ("" if none)
    tool_rounds: int  # tool results sent back since the user last typed
    prompt_tokens: int  # the whole prompt
    prefix_tokens: int  # everything before the last turn: what a previous request already sent
    turns: int
    thinking: bool  # the request asks for thinking (Anthropic) or a reasoning summary (Responses)
    cache_control: bool  # Anthropic prompt caching was asked for


def estimate_tokens(value: Any) -> int:
    """A stable estimate: compact JSON bytes / 4, at least 1."""
    if value is None:
        return 0
    text = value if isinstance(value, str) else json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    return max(1, math.ceil(len(text.encode()) / 4))


def _texts(content: Any, kinds: tuple[str, ...]) -> list[str]:
    if isinstance(content, str):
        return [content]
    if not isinstance(content, list):
        return []
    return [
        str(part.get("text", ""))
        for part in content
        if isinstance(part, dict) and part.get("type") in kinds and part.get("text")
    ]


def _has_type(content: Any, kinds: tuple[str, ...]) -> bool:
    return isinstance(content, list) and any(isinstance(p, dict) and p.get("type") in kinds for p in content)


def _rounds(turns: list[tuple[bool, bool]]) -> int:
    """Tool results sent back since the user last typed, from (typed, carries tool results) per turn."""
    rounds = 0
    for typed, result in reversed(turns):
        if result:
            rounds += 1
        if typed and not result:
            break
    return rounds


def _tools(raw: Any, api: str) -> tuple[Tool, ...]:
    found = []
    for tool in raw if isinstance(raw, list) else []:
        if not isinstance(tool, dict):
            continue
        if api == "messages" and isinstance(tool.get("name"), str):
            schema = tool.get("input_schema")
            found.append(Tool(tool["name"], schema if isinstance(schema, dict) else {}))
        elif api == "chat" and isinstance(tool.get("function"), dict):
            fn = tool["function"]
            if isinstance(fn.get("name"), str):
                schema = fn.get("parameters")
                found.append(Tool(fn["name"], schema if isinstance(schema, dict) else {}))
        elif (
            api == "responses"
            and tool.get("type") in ("function", "custom")
            and isinstance(tool.get("name"), str)
        ):
            schema = tool.get("parameters")
            found.append(
                Tool(tool["name"], schema if isinstance(schema, dict) else {}, tool.get("type") == "custom")
            )
    return tuple(found)


def read_conversation(api: str, body: dict[str, Any]) -> Conversation:
    """The view of a request body of ``api`` ("messages", "chat" or "responses")."""
    model = body.get("model") if isinstance(body.get("model"), str) else ""
    tools = _tools(body.get("tools"), api)
    if api == "messages":
        turns = [m for m in body.get("messages") or [] if isinstance(m, dict)]
        flags = [
            (
                m.get("role") == "user" and bool(_texts(m.get("content"), ("text",))),
                _has_type(m.get("content"), ("tool_result",)),
            )
            for m in turns
        ]
        users = [m for m in turns if m.get("role") == "user" and _texts(m.get("content"), ("text",))]
        last_text = _texts(users[-1].get("content"), ("text",))[-1] if users else ""
        head = [body.get("tools"), body.get("system")]
        thinking = isinstance(body.get("thinking"), dict) and body["thinking"].get("type") in (
            "enabled",
            "adaptive",
        )
    elif api == "chat":
        turns = [m for m in body.get("messages") or [] if isinstance(m, dict)]
        flags = [(m.get("role") == "user", m.get("role") == "tool") for m in turns]
        users = [m for m in turns if m.get("role") == "user"]
        texts = _texts(users[-1].get("content"), ("text",)) if users else []
        last_text = texts[-1] if texts else ""
        head = [body.get("tools")]
        thinking = False
    else:
        raw_input = body.get("input")
        turns = (
            [{"role": "user", "content": raw_input}]
            if isinstance(raw_input, str)
            else [t for t in raw_input or [] if isinstance(t, dict)]
        )
        flags = [
            (t.get("role") == "user", t.get("type") in ("function_call_output", "custom_tool_call_output"))
            for t in turns
        ]
        users = [t for t in turns if t.get("role") == "user"]
        texts = _texts(users[-1].get("content"), ("input_text", "text")) if users else []
        last_text = texts[-1] if texts else ""
        head = [body.get("tools"), body.get("instructions")]
        reasoning = body.get("reasoning")
        thinking = isinstance(reasoning, dict) and bool(reasoning.get("summary"))
    rounds = _rounds(flags)
    head_tokens = sum(estimate_tokens(part) for part in head)
    turn_tokens = [estimate_tokens(t) for t in turns]
    return Conversation(
        model=model or "",
        tools=tools,
        last_text=last_text,
        tool_rounds=rounds,
        prompt_tokens=head_tokens + sum(turn_tokens),
        prefix_tokens=head_tokens + sum(turn_tokens[:-1]),
        turns=len(turns),
        thinking=thinking,
        cache_control=api == "messages" and '"cache_control"' in json.dumps(body),
    )
