"""Passthrough routes (model lists, ``count_tokens``, ...): answered, never recorded (reference 1.2).

A real deployment reverse-proxies them to the provider. The built-in upstream answers the ones a
client needs to start (model listing and lookup, Anthropic's token count, Claude Code's event
logging) in the provider's format, and the others with the provider's own 404 error body.
"""

from __future__ import annotations

import json
from typing import Any

from aibridge_mock.server.dataset.catalog import PROVIDER_INSTANCES
from aibridge_mock.server.providers.conversation import read_conversation
from aibridge_mock.server.providers.instances import Instance

__all__ = ["answer"]

CREATED = 1_747_267_200  # 2025-05-15: when the mock's models were "released" (a fixed, plausible time)


def _dumps(value: Any) -> bytes:
    return json.dumps(value, separators=(",", ":")).encode()


def models_of(instance: Instance) -> list[str]:
    """The models the built-in upstream offers: the catalog's for this instance (or its type)."""
    same = [p for p in PROVIDER_INSTANCES if p.name == instance.name] or [
        p for p in PROVIDER_INSTANCES if p.provider == instance.type
    ]
    found = [m for p in same for m, _ in p.models] + [p.small_model for p in same]
    return list(dict.fromkeys(found))


def _not_found(instance: Instance, what: str) -> tuple[int, bytes]:
    if instance.type == "anthropic":
        return 404, _dumps(
            {"type": "error", "error": {"type": "not_found_error", "message": f"{what} not found"}}
        )
    return 404, _dumps(
        {
            "error": {
                "message": f"{what} not found.",
                "type": "invalid_request_error",
                "param": None,
                "code": None,
            }
        }
    )


def _model(instance: Instance, name: str) -> dict[str, Any]:
    if instance.type == "anthropic":
        return {"type": "model", "id": name, "display_name": name, "created_at": "2025-05-15T00:00:00Z"}
    return {"id": name, "object": "model", "created": CREATED, "owned_by": instance.type}


def answer(instance: Instance, below: str, method: str, body: bytes) -> tuple[int, bytes]:
    """(status, JSON body) for a passthrough path below the instance's route prefix."""
    models = models_of(instance)
    if below.rstrip("/") in ("/v1/models", "/models"):
        listed = [_model(instance, m) for m in models]
        if instance.type == "anthropic":
            return 200, _dumps(
                {"data": listed, "has_more": False, "first_id": models[0], "last_id": models[-1]}
            )
        return 200, _dumps({"object": "list", "data": listed})
    for prefix in ("/v1/models/", "/models/"):
        if below.startswith(prefix):
            name = below[len(prefix) :]
            return (
                (200, _dumps(_model(instance, name)))
                if name in models
                else _not_found(instance, f"model: {name}")
            )
    if below == "/v1/messages/count_tokens" and method == "POST":
        try:
            payload = json.loads(body)
        except ValueError:
            payload = None
        if not isinstance(payload, dict):
            return 400, _dumps(
                {"type": "error", "error": {"type": "invalid_request_error", "message": "invalid JSON body"}}
            )
        return 200, _dumps({"input_tokens": read_conversation("messages", payload).prompt_tokens})
    if below.startswith("/api/event_logging/"):
        return 200, b"{}"
    return _not_found(instance, f"{method} {below}")
