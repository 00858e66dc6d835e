"""Which AI client sent a request, and its own session id: ``GuessClient`` and ``GuessSessionID``.

Rules of the target era (coder/aibridge ``client.go`` and ``session.go``, with the in-tree
additions for OpenCode and ``charm-crush/``): the User-Agent is lower-cased and tried in order,
first match wins; only the detected client's session source is read.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from werkzeug.datastructures import Headers

__all__ = ["UNKNOWN", "guess_client", "guess_session_id"]

UNKNOWN = "Unknown"

# (test on the lower-cased User-Agent and the headers, client) in GuessClient's order.
_RULES: tuple[tuple[Callable[[str, Headers], bool], str], ...] = (
    (lambda ua, h: ua.startswith("mux/"), "Mux"),
    (lambda ua, h: ua.startswith("claude"), "Claude Code"),
    (lambda ua, h: ua.startswith("codex"), "Codex"),
    (lambda ua, h: ua.startswith("zed/"), "Zed"),
    (lambda ua, h: ua.startswith("githubcopilotchat/"), "GitHub Copilot (VS Code)"),
    (lambda ua, h: ua.startswith("copilot/"), "GitHub Copilot (CLI)"),
    (lambda ua, h: ua.startswith("kilo-code/") or h.get("originator", "") == "kilo-code", "Kilo Code"),
    (lambda ua, h: ua.startswith("roo-code/") or h.get("originator", "") == "roo-code", "Roo Code"),
    (lambda ua, h: ua.startswith("coder-agents/"), "Coder Agents"),
    (lambda ua, h: ua.startswith(("charm crush/", "charm-crush/")), "Charm Crush"),
    (lambda ua, h: h.get("x-cursor-client-version", "") != "", "Cursor"),
    (lambda ua, h: ua.startswith("opencode/"), "OpenCode"),
)

# The header(s) each client's session id is read from, first non-blank wins (session.go).
# Codex: the era reads ``session_id`` (underscore). WSGI servers cannot tell it from current Codex's
# ``session-id`` (both become HTTP_SESSION_ID) and drop underscore names, so the mock records no
# Codex session id, which is what a Coder of the era records for current Codex (reference 8).
_SESSION_HEADERS: dict[str, tuple[str, ...]] = {
    "Mux": ("X-Mux-Workspace-Id",),
    "GitHub Copilot (VS Code)": ("x-interaction-id",),
    "GitHub Copilot (CLI)": ("X-Client-Session-Id",),
    "Kilo Code": ("X-KILOCODE-TASKID",),
    "Coder Agents": ("X-Coder-Chat-Id",),
    "OpenCode": ("X-OpenCode-Session", "x-session-affinity"),
}
_LEGACY_SESSION_MARK = "_session_"


def guess_client(user_agent: str, headers: Headers) -> str:
    """The ``client`` recorded for a request; never empty (``Unknown``)."""
    ua = user_agent.lower()
    return next((client for test, client in _RULES if test(ua, headers)), UNKNOWN)


def guess_session_id(client: str, headers: Headers, body: Any) -> str | None:
    """``client_session_id``: trimmed, blank means none (``cleanRef``)."""
    if client == "Claude Code":
        return _claude_code_session(headers, body)
    for name in _SESSION_HEADERS.get(client, ()):
        value = headers.get(name, "").strip()
        if value:
            return value
    return None


def _claude_code_session(headers: Headers, body: Any) -> str | None:
    """Header ``X-Claude-Code-Session-Id`` (Claude Code >= 2.1.86), else ``metadata.user_id``."""
    value = headers.get("X-Claude-Code-Session-Id", "").strip()
    if value:
        return value
    metadata = body.get("metadata") if isinstance(body, dict) else None
    user_id = metadata.get("user_id") if isinstance(metadata, dict) else None
    if not isinstance(user_id, str):
        return None
    try:
        parsed = json.loads(user_id)
    except ValueError:
        parsed = None
    if isinstance(parsed, dict) and "session_id" in parsed:
        # A JSON user_id with a session_id key: its value as gjson's String() gives it (blank: none).
        return _text(parsed["session_id"]).strip() or None
    _, mark, rest = user_id.partition(_LEGACY_SESSION_MARK)
    return (rest.strip() or None) if mark else None


def _text(value: Any) -> str:
    """gjson's ``String()`` of a JSON value: strings as they are, null as "", others as JSON."""
    if isinstance(value, str):
        return value
    if value is None:
        return ""
    return json.dumps(value, separators=(",", ":"))
