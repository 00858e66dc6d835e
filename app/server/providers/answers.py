"""The built-in upstream's answers: what a model says, as a pure function of seed, instance and body.

An answer is a text, tool calls, or a provider error, with usage figures that follow the request
(prompt size, cached prefix) and the answer (output). When the request offers tools and the client
has sent back fewer tool results than the conversation's planned depth (1 to 3, fixed by its last
typed prompt), the model calls a tool, so a client's agentic loop runs a few turns and then ends.
Scripted answers (:mod:`.scripts`) replace the plan with what a test asked for.
"""

from __future__ import annotations

import hashlib
import json
import random
import string
from dataclasses import dataclass, field, replace
from typing import Any

from aibridge_mock.server.providers.conversation import Conversation, Tool, estimate_tokens

__all__ = ["Answer", "ProviderError", "ToolCall", "Usage", "plan_answer", "with_usage"]

_B62 = string.ascii_letters + string.digits


@dataclass(frozen=True)
class ToolCall:
    id: str
    name: str
    arguments: Any  # a JSON object for function tools, a string for Responses custom tools
    custom: bool = False

    @property
    def arguments_json(self) -> str:
        return json.dumps(self.arguments, separators=(",", ":"), ensure_ascii=False)


@dataclass(frozen=True)
class Usage:
    input: int  # all prompt tokens, cached ones included (OpenAI's prompt_tokens, Anthropic's sum)
    output: int
    cache_read: int = 0
    cache_write: int = 0
    reasoning: int = 0


@dataclass(frozen=True)
class ProviderError:
    """An upstream error answer: before any output, or in the middle of a stream."""

    status: int
    type: str
    message: str
    code: str | None = None  # OpenAI's error code
    mid_stream: bool = False


@dataclass(frozen=True)
class Answer:
    response_id: str
    text: str = ""
    tool_calls: tuple[ToolCall, ...] = ()
    thinking: str = ""
    usage: Usage = field(default_factory=lambda: Usage(0, 0))
    error: ProviderError | None = None
    delay_ms: int = 0  # before the first byte
    chunk_delay_ms: int = 0  # between streamed events
    seed_key: bytes = b""  # what every id of this answer is derived from

    def derived_id(self, prefix: str, label: str, length: int, alphabet: str = _B62) -> str:
        rnd = random.Random(self.seed_key + label.encode())
        return prefix + "".join(rnd.choices(alphabet, k=length))


_REPLIES = (
    "I looked into {topic}. The change is small: update the handler, add a test for the edge case, and "
    "keep the public interface as it is.",
    "Done. {topic} now behaves as described, and the existing tests still pass.",
    "Here is what I found about {topic}: the logic is correct, but the error path is not covered. I "
    "added a test for it.",
    "{topic} is handled in one place now. I removed the duplicated branch and documented why the "
    "retry is safe.",
)
_AFTER_TOOLS = (
    "Based on the tool results, {topic} is in good shape. I made the remaining change and verified it.",
    "The output confirms it: {topic} works as expected. Nothing else needs to change.",
)
_THOUGHTS = (
    "The user wants {topic}. I should look at the relevant file first, then make the smallest change.",
    "Let me think about {topic}: the simplest approach is to reuse the existing helper.",
)
_PATHS = ("README.md", "main.go", "src/app.ts", "internal/server/handler.go", "pyproject.toml")
_COMMANDS = ("ls -la", "git status", "go test ./...", "pytest -q", "make lint")


def _topic(text: str) -> str:
    words = [w.strip(".,:;!?\"'`()[]{}") for w in text.split()]
    words = [w for w in words if w]
    return " ".join(words[:6]) if words else "the request"


def _value(name: str, schema: dict[str, Any], rnd: random.Random, topic: str) -> Any:
    kind = schema.get("type")
    if isinstance(schema.get("enum"), list) and schema["enum"]:
        return schema["enum"][0]
    lowered = name.lower()
    if kind in ("integer", "number"):
        return 1
    if kind == "boolean":
        return False
    if kind == "array":
        return []
    if kind == "object":
        return {}
    if "path" in lowered or "file" in lowered:
        return "/home/coder/project/" + rnd.choice(_PATHS)
    if "command" in lowered or "cmd" in lowered:
        return rnd.choice(_COMMANDS)
    if "url" in lowered:
        return "https://example.com/docs"
    if "pattern" in lowered or "query" in lowered:
        return topic.split()[0] if topic.split() else "TODO"
    return topic


def _arguments(tool: Tool, rnd: random.Random, topic: str) -> Any:
    if tool.custom:
        return f"print({json.dumps(topic)})"
    props = tool.schema.get("properties")
    props = props if isinstance(props, dict) else {}
    required = [r for r in tool.schema.get("required") or [] if isinstance(r, str) and r in props]
    names = required or list(props)[:1]
    return {n: _value(n, props[n] if isinstance(props[n], dict) else {}, rnd, topic) for n in names}


def _pick_tool(tools: tuple[Tool, ...], rnd: random.Random) -> Tool:
    preferred = [
        t for t in tools if any(k in t.name.lower() for k in ("read", "search", "grep", "list", "bash"))
    ]
    return rnd.choice(preferred or list(tools))


def seed_key(seed: int, instance: str, body: bytes) -> bytes:
    return hashlib.sha256(f"{seed}:{instance}:".encode() + body).digest()


def plan_answer(api: str, conv: Conversation, key: bytes, response_id: str, call_id_of: Any) -> Answer:
    """The built-in model's answer to a conversation; ``call_id_of(answer, index)`` names tool calls."""
    rnd = random.Random(key)
    topic = _topic(conv.last_text)
    depth = 1 + hashlib.sha256(conv.last_text.encode()).digest()[0] % 3
    thinking = rnd.choice(_THOUGHTS).format(topic=topic) if conv.thinking else ""
    answer = Answer(response_id=response_id, thinking=thinking, seed_key=key)
    if conv.tools and conv.tool_rounds < depth:
        tool = _pick_tool(conv.tools, rnd)
        call = ToolCall("", tool.name, _arguments(tool, rnd, topic), tool.custom)
        answer = replace(answer, tool_calls=(replace(call, id=call_id_of(answer, 0)),))
    else:
        replies = _AFTER_TOOLS if conv.tool_rounds else _REPLIES
        answer = replace(answer, text=rnd.choice(replies).format(topic=topic))
    return with_usage(api, conv, answer)


def with_usage(api: str, conv: Conversation, answer: Answer) -> Answer:
    """Usage that follows the request and the answer (see the module docstring of conversation)."""
    output = estimate_tokens(answer.text) if answer.text else 0
    output += sum(estimate_tokens(c.arguments_json) + 4 for c in answer.tool_calls)
    reasoning = estimate_tokens(answer.thinking) if answer.thinking else 0
    total = conv.prompt_tokens
    if api == "messages":
        # Anthropic caches only what the request marks with cache_control: the earlier turns are
        # read back, the new part is written for the next turn, a few tokens stay uncached.
        if not conv.cache_control:
            usage = Usage(total, max(output + reasoning, 1))
        else:
            read = conv.prefix_tokens if conv.turns > 1 else 0
            new = total - read
            uncached = max(1, new // 10)
            usage = Usage(total, max(output + reasoning, 1), read, max(new - uncached, 0))
    else:
        # OpenAI caches prompts of 1,024 tokens or more automatically, in steps of 128 tokens.
        cached = conv.prefix_tokens // 128 * 128 if conv.prefix_tokens >= 1024 else 0
        usage = Usage(total, max(output + reasoning, 1), cached, 0, reasoning)
    return replace(answer, usage=usage)
