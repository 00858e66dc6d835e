"""Scripted answers: the next N answers of a route or a model, set through the admin API.

A script is ``{"route"?, "model"?, "answers": [...]}``; each answer is a text, tool calls, or a
provider error (``529 overloaded_error``, ``429 rate_limit_error``, ...), optionally mid-stream,
and may be slow (``delay_ms`` before the first byte, ``chunk_delay_ms`` between events). Scripts
live in the shared settings; a shared counter per script hands each answer out once, whichever
worker or replica serves the request. When every answer of a script is used, the built-in model
answers again.
"""

from __future__ import annotations

import fnmatch
import json
from dataclasses import dataclass
from typing import Any

from aibridge_mock.server.providers.answers import ProviderError
from aibridge_mock.server.runtime import Runtime

__all__ = ["Script", "ScriptBook", "ScriptError", "ScriptedAnswer", "parse_script"]

MAX_DELAY_MS = 600_000
_ANSWER_KEYS = frozenset(
    {"text", "tool_calls", "tool_call", "thinking", "error", "delay_ms", "chunk_delay_ms"}
)


class ScriptError(ValueError):
    """A script the admin API refuses: the JSON path of the problem and what is wrong."""

    def __init__(self, path: str, problem: str) -> None:
        super().__init__(f"{path}: {problem}")
        self.path = path
        self.problem = problem


@dataclass(frozen=True)
class ScriptedAnswer:
    text: str = ""
    tool_calls: tuple[tuple[str, Any], ...] = ()  # (name, arguments)
    thinking: str = ""
    error: ProviderError | None = None
    delay_ms: int = 0
    chunk_delay_ms: int = 0


@dataclass(frozen=True)
class Script:
    id: str
    route: str  # fnmatch pattern on "METHOD /path" or on the path below the API prefix; "" any
    model: str  # fnmatch pattern on the request's model; "" any
    answers: tuple[ScriptedAnswer, ...]

    def matches(self, method: str, path: str, below_prefix: str, model: str) -> bool:
        if self.model and not fnmatch.fnmatchcase(model, self.model):
            return False
        if not self.route:
            return True
        candidates = (path, below_prefix, f"{method} {path}", f"{method} {below_prefix}")
        return any(fnmatch.fnmatchcase(c, self.route) for c in candidates)

    def describe(self, used: int) -> dict[str, Any]:
        return {
            "id": self.id,
            "route": self.route,
            "model": self.model,
            "answers": len(self.answers),
            "used": min(used, len(self.answers)),
        }


def _int(raw: dict[str, Any], key: str, path: str, low: int, high: int, default: int) -> int:
    value = raw.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ScriptError(
            f"{path}.{key}", f"must be an integer between {low} and {high}, got {json.dumps(value)}"
        )
    return value


def _str(raw: dict[str, Any], key: str, path: str) -> str:
    value = raw.get(key, "")
    if not isinstance(value, str):
        raise ScriptError(f"{path}.{key}", f"must be a string, got {json.dumps(value)}")
    return value


def _error(raw: Any, path: str) -> ProviderError:
    if not isinstance(raw, dict):
        raise ScriptError(path, 'must be an object such as {"status": 529, "type": "overloaded_error"}')
    status = _int(raw, "status", path, 400, 599, 500)
    default_type = {429: "rate_limit_error", 529: "overloaded_error", 401: "authentication_error"}.get(
        status, "api_error" if status >= 500 else "invalid_request_error"
    )
    return ProviderError(
        status=status,
        type=_str(raw, "type", path) or default_type,
        message=_str(raw, "message", path)
        or {529: "Overloaded", 429: "Rate limit exceeded"}.get(status, "Upstream error"),
        code=_str(raw, "code", path) or None,
        mid_stream=bool(raw.get("mid_stream", False)),
    )


def _tool_calls(raw: dict[str, Any], path: str) -> tuple[tuple[str, Any], ...]:
    calls = raw.get("tool_calls", [raw["tool_call"]] if "tool_call" in raw else [])
    if not isinstance(calls, list):
        raise ScriptError(f"{path}.tool_calls", 'must be a list of {"name", "input"} objects')
    found = []
    for index, call in enumerate(calls):
        where = f"{path}.tool_calls[{index}]"
        if not isinstance(call, dict) or not isinstance(call.get("name"), str) or not call["name"]:
            raise ScriptError(where, 'must be an object with a non-empty "name" and an optional "input"')
        found.append((call["name"], call.get("input", {})))
    return tuple(found)


def _answer(raw: Any, path: str) -> ScriptedAnswer:
    if isinstance(raw, str):
        return ScriptedAnswer(text=raw)
    if not isinstance(raw, dict):
        raise ScriptError(
            path, "must be a text or an object with text, tool_calls, thinking, error, delay_ms"
        )
    unknown = sorted(set(raw) - _ANSWER_KEYS)
    if unknown:
        raise ScriptError(
            f"{path}.{unknown[0]}", f"is not a field of an answer (one of {', '.join(sorted(_ANSWER_KEYS))})"
        )
    answer = ScriptedAnswer(
        text=_str(raw, "text", path),
        tool_calls=_tool_calls(raw, path),
        thinking=_str(raw, "thinking", path),
        error=_error(raw["error"], f"{path}.error") if "error" in raw else None,
        delay_ms=_int(raw, "delay_ms", path, 0, MAX_DELAY_MS, 0),
        chunk_delay_ms=_int(raw, "chunk_delay_ms", path, 0, MAX_DELAY_MS, 0),
    )
    if not (answer.text or answer.tool_calls or answer.error):
        raise ScriptError(path, "needs a text, tool_calls or an error")
    return answer


def parse_script(raw: Any, script_id: str) -> Script:
    """A script from the admin API's JSON body; ScriptError names the first problem."""
    if not isinstance(raw, dict):
        raise ScriptError("$", 'must be an object with "answers" and optionally "route" and "model"')
    answers = raw.get("answers")
    if not isinstance(answers, list) or not answers:
        raise ScriptError("$.answers", "must be a non-empty list")
    return Script(
        id=script_id,
        route=_str(raw, "route", "$"),
        model=_str(raw, "model", "$"),
        answers=tuple(_answer(a, f"$.answers[{i}]") for i, a in enumerate(answers)),
    )


class ScriptBook:
    """The scripts of the shared settings, parsed once per settings version, handed out in order."""

    def __init__(self) -> None:
        self._parsed: tuple[int, tuple[Script, ...]] = (-1, ())

    def scripts(self, runtime: Runtime) -> tuple[Script, ...]:
        settings = runtime.sync()
        version, parsed = self._parsed
        if version != settings.version:
            parsed = tuple(parse_script(doc["body"], str(doc["id"])) for doc in settings.scripts)
            self._parsed = (settings.version, parsed)
        return parsed

    def next_answer(
        self, runtime: Runtime, method: str, path: str, below_prefix: str, model: str
    ) -> ScriptedAnswer | None:
        """The next unused answer of the first matching script, or None (the built-in model answers)."""
        for script in self.scripts(runtime):
            if not script.matches(method, path, below_prefix, model):
                continue
            if runtime.backend.counter(script.id) >= len(script.answers):
                continue  # used up: no need to take a number
            index = runtime.backend.increment(script.id)
            if index < len(script.answers):
                return script.answers[index]
        return None

    def describe(self, runtime: Runtime) -> list[dict[str, Any]]:
        return [s.describe(runtime.backend.counter(s.id)) for s in self.scripts(runtime)]
