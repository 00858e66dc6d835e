"""The compose file and the Kubernetes manifests under deploy/ hang together and name real options."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest
import yaml

from aibridge_mock.server.config import ENV_PREFIX, Config

DEPLOY = Path(__file__).parent.parent / "deploy"
OPTIONS = {ENV_PREFIX + f.name.upper() for f in dataclasses.fields(Config)}


def _documents(name: str) -> list[dict[str, Any]]:
    return [d for d in yaml.safe_load_all((DEPLOY / name).read_text()) if d]


def _kind(kind: str, name: str) -> dict[str, Any]:
    found = [
        d
        for path in (DEPLOY / "kubernetes").glob("*.yaml")
        for d in _documents(f"kubernetes/{path.name}")
        if d.get("kind") == kind and d["metadata"]["name"] == name
    ]
    assert len(found) == 1, f"{kind}/{name}"
    return found[0]


def test_compose_runs_three_replicas_from_an_image_sharing_redis_behind_a_balancer() -> None:
    (compose,) = _documents("compose.yaml")
    services = compose["services"]
    mock = services["aibridge-mock"]
    assert "build" not in mock and mock["image"]  # no checkout of this repository needed
    assert mock["deploy"]["replicas"] == 3
    env = mock["environment"]
    assert set(env) <= OPTIONS
    assert env["AIBRIDGE_MOCK_STATE"].startswith("redis://redis:")
    assert {"AIBRIDGE_MOCK_SEED", "AIBRIDGE_MOCK_ANCHOR", "AIBRIDGE_MOCK_ADMIN_TOKEN"} <= set(env)
    assert "redis" in services and services["redis"]["image"].startswith("redis:")
    balancer = services["balancer"]
    config = compose["configs"][balancer["configs"][0]["source"]]["content"]
    assert "server aibridge-mock:8080" in config and balancer["ports"]


@pytest.mark.parametrize("name", ["configuration.yaml", "redis.yaml", "aibridge-mock.yaml"])
def test_kustomization_lists_every_manifest(name: str) -> None:
    (kustomization,) = _documents("kubernetes/kustomization.yaml")
    assert name in kustomization["resources"]


def test_kubernetes_replicas_read_their_options_from_the_environment_and_are_ready_on_readyz() -> None:
    deployment = _kind("Deployment", "aibridge-mock")
    assert deployment["spec"]["replicas"] >= 2
    pod = deployment["spec"]["template"]
    (container,) = pod["spec"]["containers"]
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    sources = {next(iter(s.values()))["name"] for s in container["envFrom"]}
    config = _kind("ConfigMap", "aibridge-mock")
    assert config["metadata"]["name"] in sources
    names = set(config["data"]) | set(_kind("Secret", "aibridge-mock-admin")["stringData"])
    names |= {e["name"] for e in container["env"]}
    assert names <= OPTIONS
    redis = _kind("Service", "aibridge-mock-redis")
    assert config["data"]["AIBRIDGE_MOCK_STATE"] == f"redis://{redis['metadata']['name']}:6379/0"
    service = _kind("Service", "aibridge-mock")
    assert service["spec"]["selector"] == pod["metadata"]["labels"]
    assert pod["spec"]["terminationGracePeriodSeconds"] > 10  # longer than the server's drain
