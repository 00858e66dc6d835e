"""Materialise the details of a generated interception from the seed and its record index.

A pure function of (seed, record index, the row's column facts): the same record always gets the
same prompts, tool calls and token usage, and their numbers add up to the columns. Each user works
in one codebase (:func:`stack_of`), so prompts and tool calls never mix languages.
"""

from __future__ import annotations

import json
import random
import string
from functools import cache

from aibridge_mock.server.dataset import catalog
from aibridge_mock.server.dataset.records import JSON, Detail, RowFacts
from aibridge_mock.server.gocompat import format_time

_B62 = string.ascii_letters + string.digits


def _uuid(rnd: random.Random) -> str:
    raw = rnd.getrandbits(128)
    raw = (raw & ~(0xF << 76)) | (0x4 << 76)
    raw = (raw & ~(0x3 << 62)) | (0x2 << 62)
    h = f"{raw:032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def _response_id(rnd: random.Random, provider: str) -> str:
    if provider == "anthropic":
        return "msg_01" + "".join(rnd.choices(_B62, k=22))
    if provider == "openai":
        return "resp_" + "".join(rnd.choices("0123456789abcdef", k=48))
    return "chatcmpl-" + "".join(rnd.choices(_B62, k=29))


@cache
def stack_of(seed: int, username: str) -> catalog.Stack:
    """The codebase a user works in: a pure function of seed and username."""
    stacks = [stack for stack, _ in catalog.STACKS]
    weights = [weight for _, weight in catalog.STACKS]
    return random.Random(f"{seed}:stack:{username}").choices(stacks, weights)[0]


def _fill(template: str, rnd: random.Random, username: str, stack: catalog.Stack) -> str:
    field, field2 = rnd.sample(catalog.FIELDS, 2)  # "rename owner_id to owner_id" is no task
    return template.format(
        path=rnd.choice(stack.paths),
        func=rnd.choice(stack.funcs),
        lib=rnd.choice(stack.libs),
        job=rnd.choice(stack.jobs),
        nothing=stack.nothing,
        test_style=stack.test_style,
        test_command=stack.test_command,
        resource=rnd.choice(catalog.RESOURCES),
        field=field,
        field2=field2,
        username=username,
        workspace=_uuid(rnd),
        pr=rnd.randint(100, 9999),
    )


def _prompt_text(rnd: random.Random, username: str, stack: catalog.Stack) -> str:
    template = rnd.choice([p.text for p in catalog.PROMPTS if stack.name in p.stacks])
    return _fill(template, rnd, username, stack)


def generated_detail(seed: int, facts: RowFacts, api_key_id: str) -> Detail:
    """The details of generated record ``facts.detail_ref``."""
    rnd = random.Random(f"{seed}:record:{facts.detail_ref}")
    stack = stack_of(seed, facts.username)
    response_id = _response_id(rnd, facts.provider)
    ended = facts.ended if facts.ended >= 0 else None
    byok = facts.is_root and rnd.random() < 0.12
    hint = ""
    if byok:
        prefix = {"anthropic": "sk-a", "openai": "sk-p"}.get(facts.provider, "ghu_")
        hint = f"{prefix}...{''.join(rnd.choices(_B62, k=4))}"
    return Detail(
        metadata={"Username": facts.username},
        api_key_id=None if rnd.random() < 0.03 else api_key_id,
        credential_kind="byok" if byok else "centralized",
        credential_hint=hint,
        token_usages=_token_usages(rnd, facts, response_id, ended),
        user_prompts=_prompts(rnd, facts, response_id, stack),
        tool_usages=_tool_usages(rnd, facts, response_id, ended, stack),
        thoughts=_thoughts(rnd, facts, stack),
    )


def _token_usages(rnd: random.Random, facts: RowFacts, response_id: str, ended: int | None) -> list[JSON]:
    if ended is None:
        return []  # usage is recorded when the response completes
    parts = 2 if rnd.random() < 0.1 else 1
    totals = facts.tokens
    splits = [tuple(t // parts for t in totals)] * (parts - 1)
    splits.append(tuple(t - sum(s[i] for s in splits) for i, t in enumerate(totals)))
    usages = []
    span = max(ended - facts.started, 2)
    for index, (tin, tout, cread, cwrite) in enumerate(splits):
        created = ended - (parts - 1 - index) * (span // (parts + 1)) - rnd.randint(0, min(40_000, span // 4))
        usages.append(
            {
                "id": _uuid(rnd),
                "interception_id": facts.id,
                "provider_response_id": response_id,
                "input_tokens": tin,
                "output_tokens": tout,
                "cache_read_input_tokens": cread,
                "cache_write_input_tokens": cwrite,
                "metadata": _usage_metadata(rnd, facts.provider, cread, cwrite, tout),
                "created_at": format_time(created),
                "_created": created,
            }
        )
    return sorted(usages, key=lambda u: (u["_created"], u["id"]))


def _usage_metadata(rnd: random.Random, provider: str, cread: int, cwrite: int, tout: int) -> JSON:
    """What the aibridge interceptors record beside the first-class token columns (spec section 11)."""
    if provider == "anthropic":
        return {
            "cache_creation_input": cwrite,
            "cache_ephemeral_1h_input": 0,
            "cache_ephemeral_5m_input": cwrite,
            "cache_read_input": cread,
            "web_search_requests": rnd.choice((0, 0, 0, 1)),
        }
    reasoning = int(tout * rnd.uniform(0.2, 0.7))
    if provider == "openai":  # Responses API usage, nested as the upstream reports it
        return {
            "input_tokens_details": {"cached_tokens": cread},
            "output_tokens_details": {"reasoning_tokens": reasoning},
            "service_tier": "default",
        }
    return {
        "completion_accepted_prediction": 0,
        "completion_audio": 0,
        "completion_reasoning": reasoning,
        "completion_rejected_prediction": 0,
        "prompt_audio": 0,
        "prompt_cached": cread,
    }


def _prompts(rnd: random.Random, facts: RowFacts, response_id: str, stack: catalog.Stack) -> list[JSON]:
    if facts.prompt_at < 0:
        return []
    if facts.small_model:
        text = rnd.choice(
            (
                "Please write a 5-10 word title for the following conversation:",
                "Summarize this coding conversation in under 50 characters.",
            )
        )
    else:
        text = _prompt_text(rnd, facts.username, stack)
    return [
        {
            "id": _uuid(rnd),
            "interception_id": facts.id,
            "provider_response_id": response_id,
            "prompt": text,
            "metadata": {},
            "created_at": format_time(facts.prompt_at),
            "_created": facts.prompt_at,
        }
    ]


def _tool_usages(
    rnd: random.Random, facts: RowFacts, response_id: str, ended: int | None, stack: catalog.Stack
) -> list[JSON]:
    end = ended if ended is not None else facts.started + 1_000_000
    calls = []
    for _ in range(facts.n_tools):
        created = rnd.randint(facts.started + (end - facts.started) // 2, max(end - 1, facts.started + 1))
        if rnd.random() < 0.12:
            tool, server_url, template = rnd.choice(catalog.INJECTED_TOOLS)
            failed = rnd.random() < 0.25
            error = (
                _fill(rnd.choice(catalog.INJECTED_TOOL_ERRORS), rnd, facts.username, stack) if failed else ""
            )
            args, injected = _fill_literal(template, rnd, facts.username), True
        else:
            tool = rnd.choice(catalog.CLIENT_TOOLS.get(facts.provider, catalog.CLIENT_TOOLS["openai"]))
            server_url, error, injected = "", "", False
            args = json.dumps(_client_tool_args(rnd, tool, facts.username, stack), separators=(",", ":"))
        calls.append(
            {
                "id": _uuid(rnd),
                "interception_id": facts.id,
                "provider_response_id": response_id,
                "server_url": server_url,
                "tool": tool,
                "input": args,
                "injected": injected,
                "invocation_error": error,
                "metadata": {},
                "created_at": format_time(created),
                "_created": created,
            }
        )
    return sorted(calls, key=lambda c: (c["_created"], c["id"]))


def _fill_literal(template: str, rnd: random.Random, username: str) -> str:
    """Fill placeholders in a JSON template without str.format (its braces are JSON's)."""
    return (
        template.replace("{username}", username)
        .replace("{workspace}", _uuid(rnd))
        .replace("{pr}", str(rnd.randint(100, 9999)))
    )


def _client_tool_args(rnd: random.Random, tool: str, username: str, stack: catalog.Stack) -> JSON:
    path = "/home/coder/project/" + rnd.choice(stack.paths)
    lowered = tool.lower()
    if "bash" in lowered or "shell" in lowered or "terminal" in lowered:
        return {"command": rnd.choice((stack.test_command, "git status", "git diff --stat", "ls -la"))}
    if "grep" in lowered or "search" in lowered or "glob" in lowered:
        return {"pattern": rnd.choice(stack.funcs), "path": "/home/coder/project"}
    if "todo" in lowered or "plan" in lowered:
        return {"todos": [{"content": _prompt_text(rnd, username, stack), "status": "in_progress"}]}
    if "fetch" in lowered:
        return {"url": stack.docs[0], "prompt": stack.docs[1]}
    if "dir" in lowered:
        return {"path": "/home/coder/project"}
    return {"file_path": path}


def _thoughts(rnd: random.Random, facts: RowFacts, stack: catalog.Stack) -> list[str]:
    if facts.small_model or facts.ended < 0:
        return []
    share = 0.6 if facts.provider == "anthropic" else 0.3
    count = (rnd.random() < share) + (rnd.random() < 0.15)
    return [_fill(rnd.choice(catalog.THOUGHTS), rnd, facts.username, stack) for _ in range(count)]
