"""Older API generations are served by a switch: routes, record fields and member visibility follow
each generation's derived OpenAPI document and the spec's history (section 8)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from flask import Flask

from aibridge_mock.server import create_app
from aibridge_mock.server.config import Config
from aibridge_mock.server.extension import mock_of

# Each generation documents the previous one's fields plus what its upstream change added.
V1_FIELDS = {
    "id",
    "initiator",
    "provider",
    "model",
    "metadata",
    "started_at",
    "token_usages",
    "user_prompts",
    "tool_usages",
}
V2_FIELDS = V1_FIELDS | {"api_key_id", "ended_at"}
V3_FIELDS = V2_FIELDS | {"client"}
V4_FIELDS = V3_FIELDS | {"provider_name"}
INTERCEPTION_FIELDS = {"v1": V1_FIELDS, "v2": V2_FIELDS, "v3": V3_FIELDS, "v4": V4_FIELDS}


def _app(generation: str) -> Flask:
    return create_app(Config(seed=11, interceptions=600, generation=generation))


def _get(app: Flask, path: str, persona: int = 0) -> Any:
    token = mock_of(app).datasets.snapshot.dataset.personas[persona].token
    return app.test_client().get(path, headers={"Coder-Session-Token": token})


@pytest.mark.parametrize(("generation", "fields"), sorted(INTERCEPTION_FIELDS.items()))
def test_interception_items_show_only_the_fields_their_generation_documents(
    generation: str, fields: set[str]
) -> None:
    app = _app(generation)
    response = _get(app, mock_of(app).generation.prefix + "/interceptions?limit=3")
    assert response.status_code == 200, response.data
    items = json.loads(response.data)["results"]
    assert items and all(set(item) == fields for item in items)


def test_v1_is_served_under_the_experimental_prefix_with_a_total() -> None:
    app = _app("v1")
    body = json.loads(_get(app, "/api/experimental/aibridge/interceptions?limit=1").data)
    assert set(body) == {"total", "results"}
    assert _get(app, "/api/v2/aibridge/interceptions").status_code == 404


@pytest.mark.parametrize(
    ("generation", "path", "served"),
    [
        ("v2", "/sessions", False),
        ("v3", "/models", True),
        ("v3", "/clients", False),
        ("v4", "/sessions", True),
    ],
)
def test_operations_a_generation_lacks_fall_into_the_provider_catch_all(
    generation: str, path: str, served: bool
) -> None:
    response = _get(_app(generation), "/api/v2/aibridge" + path)
    assert (response.status_code == 200) is served
    if not served:
        assert response.content_type == "text/plain; charset=utf-8"


@pytest.mark.parametrize(("generation", "member_sees_own"), [("v3", True), ("v4", False), ("v5", False)])
def test_members_read_their_own_interceptions_only_before_pr_23320(
    generation: str, member_sees_own: bool
) -> None:
    app = _app(generation)
    ds = mock_of(app).datasets.snapshot.dataset
    alice = ds.personas[2].user
    body = json.loads(_get(app, "/api/v2/aibridge/interceptions?limit=1000", persona=2).data)
    own = [r for r in range(ds.n_ended) if ds.user_id_of(r) == alice.id]
    assert own, "the data set should give alice some interceptions"
    assert body["count"] == (len(own) if member_sees_own else 0)
    assert all(item["initiator"]["id"] == alice.id for item in body["results"])


def test_a_member_of_an_early_generation_filtering_by_someone_else_sees_nothing() -> None:
    app = _app("v3")
    body = json.loads(_get(app, "/api/v2/aibridge/interceptions?q=initiator:admin", persona=2).data)
    assert body == {"count": 0, "results": []}


@pytest.mark.parametrize(("generation", "feature"), [("v4", "AI Bridge"), ("v5", "AI Gateway")])
def test_the_licence_message_names_the_feature_as_that_generation_did(generation: str, feature: str) -> None:
    app = create_app(Config(seed=11, interceptions=10, generation=generation, unlicensed=True))
    response = app.test_client().get("/api/v2/aibridge/interceptions")
    assert response.status_code == 403
    assert json.loads(response.data) == {"message": f"{feature} is a Premium feature. Contact sales!"}


def test_an_unknown_generation_is_refused_with_the_choices() -> None:
    with pytest.raises(ValueError, match="v1, v2, v3, v4, v5"):
        create_app(Config(generation="v9"))
