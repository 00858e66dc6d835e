"""A bridged request, from the parsed body to the recorded interception (coder/aibridge ``bridge.go``).

Order (reference 3.1): guess the client and its session id; build the interceptor (parse the
body, decide streaming, resolve the credential) or answer ``500 failed to create "<path>"
interceptor``; link a tool-result follow-up to its parent; record the interception (its failure is
``500 failed to record interception``); then the API's interceptor talks to the upstream, relays
the answer and records usage, prompt, tool calls and thoughts; the interception ends whatever
happened (upstream error, client gone).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from flask import Response

from aibridge_mock.server.errors import PlainTextError
from aibridge_mock.server.gocompat import go_quote
from aibridge_mock.server.providers.clients import guess_client, guess_session_id
from aibridge_mock.server.providers.credentials import CopilotWithoutTokenError, Credential, credential_for
from aibridge_mock.server.providers.gateway import Actor
from aibridge_mock.server.providers.instances import Instance
from aibridge_mock.server.providers.recorder import Recorder, Recording, RecordingError, Start
from aibridge_mock.server.providers.scripts import ScriptedAnswer
from aibridge_mock.server.providers.sse import STREAM_HEADERS
from aibridge_mock.server.providers.upstream import Upstream, UpstreamReply, UpstreamRequest

__all__ = ["Call", "Services", "last_user_text", "open_call", "wait"]

# Headers never forwarded upstream (intercept/client_headers.go): hop-by-hop ones, those the HTTP
# client sets itself, and the client's credentials (the instance's credential is set instead).
_NOT_FORWARDED = frozenset(
    h.lower()
    for h in (
        "Connection", "Keep-Alive", "Proxy-Authenticate", "Proxy-Authorization", "Te", "Trailer",
        "Transfer-Encoding", "Upgrade", "Host", "Accept-Encoding", "Content-Length",
        "Authorization", "X-Api-Key",
    )
)  # fmt: skip
PING = b'event: ping\ndata: {"type": "ping"}\n\n'  # messages/streaming.go pingPayload
PING_AFTER_MS = 10_000


@dataclass(frozen=True)
class Services:
    """What every bridged request of one app uses."""

    recorder: Recorder
    upstream: Callable[[Instance], Upstream]
    lineage: Callable[[str], tuple[str, str] | None]  # tool call id -> (parent, root)
    scripted: Callable[[str, str, str, str], ScriptedAnswer | None]  # method, path, below prefix, model
    sleep: Callable[[float], None] = time.sleep


@dataclass
class Call:
    """One bridged request on its way: what the interceptors read and record into."""

    services: Services
    instance: Instance
    api: str
    path: str  # below the generation's prefix, as the library's mux saw it
    payload: dict[str, Any]
    upstream_request: UpstreamRequest
    recording: Recording

    @property
    def stream(self) -> bool:
        return self.upstream_request.stream

    @property
    def model(self) -> str:
        model = self.payload.get("model")
        return model if isinstance(model, str) else ""

    def call_upstream(self) -> UpstreamReply:
        return self.services.upstream(self.instance).call(self.upstream_request)


def last_user_text(payload: dict[str, Any], *, empty_is_none: bool) -> str | None:
    """The prompt of a messages list (Anthropic Messages, Chat Completions): the last message must be
    the user's; its string content, or the text of its last text part. Chat completions record no
    empty string (``empty_is_none``); Anthropic's lastUserPrompt does."""
    messages = payload.get("messages")
    last = messages[-1] if isinstance(messages, list) and messages else None
    if not isinstance(last, dict) or last.get("role") != "user":
        return None
    content = last.get("content")
    if isinstance(content, str):
        return (content or None) if empty_is_none else content
    texts = [p.get("text") for p in content or [] if isinstance(p, dict) and p.get("type") == "text"]
    texts = [t for t in texts if isinstance(t, str)]
    return texts[-1] if texts else None


def _failed_interceptor(path: str) -> PlainTextError:
    return PlainTextError(500, f"failed to create {go_quote(path)} interceptor")


def is_stream(api: str, payload: dict[str, Any]) -> bool:
    """Anthropic wants the JSON boolean true; OpenAI's SDK structs read ``stream`` as truthy."""
    value = payload.get("stream")
    return value is True if api == "messages" else bool(value)


def correlating_call_id(api: str, payload: dict[str, Any]) -> str | None:
    """The tool call a follow-up answers (intercept/*/reqpayload.go, chatcompletions/base.go)."""
    if api == "messages":
        messages = payload.get("messages")
        last = messages[-1] if isinstance(messages, list) and messages else None
        content = last.get("content") if isinstance(last, dict) else None
        for block in reversed(content if isinstance(content, list) else []):
            if isinstance(block, dict) and block.get("type") == "tool_result" and block.get("tool_use_id"):
                return str(block["tool_use_id"])
        return None
    if api == "chat":
        messages = payload.get("messages")
        last = messages[-1] if isinstance(messages, list) and messages else None
        if isinstance(last, dict) and last.get("role") == "tool" and last.get("tool_call_id"):
            return str(last["tool_call_id"])
        return None
    items = payload.get("input")
    last = items[-1] if isinstance(items, list) and items else None
    if isinstance(last, dict) and last.get("type") == "function_call_output" and last.get("call_id"):
        return str(last["call_id"])
    return None


def _forwarded(headers: Any, credential: Credential) -> Any:
    from werkzeug.datastructures import Headers

    kept = Headers([(k, v) for k, v in headers.items() if k.lower() not in _NOT_FORWARDED])
    kept[credential.header] = (
        credential.secret if credential.header == "X-Api-Key" else f"Bearer {credential.secret}"
    )
    return kept


def open_call(
    services: Services,
    instance: Instance,
    api: str,
    method: str,
    path: str,
    full_path: str,
    actor: Actor,
    body: bytes,
) -> Call:
    """Everything up to and including the recorded start of the interception."""
    headers = actor.headers
    user_agent = headers.get("User-Agent", "")
    client = guess_client(user_agent, headers)
    try:
        payload = json.loads(body) if body else None
    except ValueError:
        payload = None
    if not isinstance(payload, dict):
        raise _failed_interceptor(path)
    try:
        credential = credential_for(instance.type, headers, instance.key)
    except CopilotWithoutTokenError:
        raise _failed_interceptor(path) from None
    call_id = correlating_call_id(api, payload)
    lineage = services.lineage(call_id) if call_id else None
    metadata: dict[str, Any] = {"Username": actor.persona.user.username}
    if user_agent:
        metadata["request_user_agent"] = user_agent
    model = payload.get("model") if isinstance(payload.get("model"), str) else ""
    start = Start(
        user=actor.persona.user.id,
        api_key_id=actor.api_key_id,
        provider=instance.type,
        provider_name=instance.name,
        model=str(model),
        client=client,
        client_session_id=guess_session_id(client, headers, payload),
        parent=lineage[0] if lineage else None,
        root=lineage[1] if lineage else None,
        credential_kind=credential.kind,
        credential_hint=credential.hint,
        metadata=metadata,
    )
    scripted = services.scripted(method, full_path, path, str(model))
    try:
        recording = services.recorder.start(start)
    except RecordingError:
        raise PlainTextError(500, "failed to record interception") from None
    below_instance = path[len(instance.route_prefix) :]
    request = UpstreamRequest(
        api, instance, below_instance, body, payload, _forwarded(headers, credential), credential,
        is_stream(api, payload), scripted,
    )  # fmt: skip
    return Call(services, instance, api, path, payload, request, recording)


def wait(call: Call, milliseconds: int, pings: bool) -> Iterator[bytes]:
    """Sleep; a stream that waits 10 s without traffic gets Anthropic's ping (eventstream.go)."""
    left = milliseconds
    while left > 0:
        step = min(left, PING_AFTER_MS) if pings else left
        call.services.sleep(step / 1000)
        left -= step
        if pings and step == PING_AFTER_MS:
            yield PING


class Relayed:
    """A streamed body whose interception ends even if the server closes it before the first byte.

    A generator that never started runs none of its ``finally`` clauses when closed; the WSGI
    server closes the response iterable when the client goes away, so this ends the recording.
    """

    def __init__(self, chunks: Iterator[bytes], call: Call) -> None:
        self._chunks = chunks
        self._call = call

    def __iter__(self) -> Iterator[bytes]:
        return self

    def __next__(self) -> bytes:
        return next(self._chunks)

    def close(self) -> None:
        close = getattr(self._chunks, "close", None)
        if close is not None:
            close()
        self._call.recording.end()


def stream_response(chunks: Iterator[bytes], call: Call, headers: dict[str, str]) -> Response:
    """200 ``text/event-stream`` with the library's stream headers (eventstream.go)."""
    return Response(Relayed(chunks, call), status=200, headers={**headers, **STREAM_HEADERS})


def json_response(status: int, body: bytes, headers: dict[str, str]) -> Response:
    return Response(body, status=status, content_type="application/json", headers=headers)
