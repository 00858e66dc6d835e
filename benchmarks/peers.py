"""The peers: other mock servers serving the very bodies our mock computed, as static stubs.

Each answers ``GET /api/v2/aibridge/interceptions?limit=1`` and ``?limit=100`` with the bytes our
server returned for them (captured once per run), so that the comparison is about serving, not
about data: Stoplight Prism 5 (an OpenAPI document whose examples are the bodies; it picks one by the
``Prefer: example=...`` header, as it has no per-query examples), Mockoon CLI 9 (a route with one
response per ``limit`` rule) and WireMock 3 (a mapping per query, the body from a file). They are
installed from the npm registry into the gitignored benchmarks/.work on first use; WireMock runs
on a Java runtime (Debian's ``default-jre-headless``, installed with apt-get when missing and root).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import servers
from load import LoadError, apt

WORK = servers.WORK
PACKAGES = {
    "prism": "@stoplight/prism-cli@5",
    "mockoon-cli": "@mockoon/cli@9",
    "wiremock": "wiremock@3",
}  # bin -> package
PATH = "/api/v2/aibridge/interceptions"
JSON_TYPE = "application/json; charset=utf-8"


@dataclass(frozen=True)
class Peer:
    """A started peer: its process, and how to ask it for each body."""

    name: str
    version: str
    process: servers.Process
    headers: dict[str, dict[str, str]]  # per query ("limit=1"): extra request headers

    def stop(self) -> None:
        self.process.stop()


def ensure_packages() -> None:
    """The three peers from npm, installed once into benchmarks/.work."""
    missing = [
        spec for name, spec in PACKAGES.items() if not (WORK / "node_modules" / ".bin" / name).exists()
    ]
    if not missing:
        return
    if shutil.which("npm") is None:
        raise LoadError("npm is needed for the peers (Prism, Mockoon, WireMock): install Node.js and npm")
    WORK.mkdir(parents=True, exist_ok=True)
    print(f"installing {', '.join(missing)} into benchmarks/.work (npm) ...", flush=True)
    subprocess.run(
        ["npm", "install", "--silent", "--no-audit", "--no-fund", "--prefix", str(WORK), *missing],
        check=True,
        stdout=subprocess.DEVNULL,
    )


def ensure_java() -> str:
    found = shutil.which("java")
    if found:
        return found
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        raise LoadError("WireMock needs Java: apt-get install -y default-jre-headless")
    print("installing default-jre-headless with apt-get ...", flush=True)
    if apt(["install", "-y", "default-jre-headless"]) != 0:
        apt(["update"])
        apt(["install", "-y", "default-jre-headless"])
    found = shutil.which("java")
    if not found:
        raise LoadError("apt-get could not install a Java runtime (default-jre-headless)")
    return found


def _version(package: str) -> str:
    path = WORK / "node_modules" / package / "package.json"
    return str(json.loads(path.read_text())["version"]) if path.exists() else "?"


def _prism(port: int, bodies: dict[str, bytes], directory: Path) -> Peer:
    examples = {f"limit{q.split('=')[1]}": {"value": json.loads(b)} for q, b in bodies.items()}
    document = {
        "openapi": "3.1.0",
        "info": {"title": "captured aibridge-mock bodies", "version": "1"},
        "paths": {
            PATH: {
                "get": {
                    "parameters": [{"name": "limit", "in": "query", "schema": {"type": "integer"}}],
                    "responses": {
                        "200": {"description": "ok", "content": {"application/json": {"examples": examples}}}
                    },
                }
            }
        },
    }
    spec = directory / "prism.json"
    spec.write_text(json.dumps(document))
    binary = WORK / "node_modules" / ".bin" / "prism"
    process = servers.Process(
        [str(binary), "mock", str(spec), "-p", str(port), "-h", "127.0.0.1"], f"http://127.0.0.1:{port}", PATH
    )
    headers = {q: {"Prefer": f"example=limit{q.split('=')[1]}"} for q in bodies}
    return Peer("Prism", _version("@stoplight/prism-cli"), process, headers)


def _mockoon(port: int, bodies: dict[str, bytes], directory: Path) -> Peer:
    responses = [
        {
            "uuid": f"00000000-0000-4000-8000-00000000000{i}",
            "body": body.decode(),
            "statusCode": 200,
            "headers": [{"key": "Content-Type", "value": JSON_TYPE}],
            "rules": [
                {"target": "query", "modifier": "limit", "value": q.split("=")[1], "operator": "equals"}
            ],
            "disableTemplating": True,
            "default": i == 0,
        }
        for i, (q, body) in enumerate(bodies.items())
    ]
    route = {"uuid": "00000000-0000-4000-8000-0000000000aa", "method": "get", "endpoint": PATH.lstrip("/")}
    environment = {
        "uuid": "00000000-0000-4000-8000-0000000000ee",
        "name": "captured aibridge-mock bodies",
        "port": port,
        "hostname": "127.0.0.1",
        "cors": False,
        "routes": [{**route, "responses": responses}],
        "rootChildren": [{"type": "route", "uuid": route["uuid"]}],
    }
    data = directory / "mockoon.json"
    data.write_text(json.dumps(environment))
    binary = WORK / "node_modules" / ".bin" / "mockoon-cli"
    # --repair: fill in the fields this minimal file leaves out, without asking (no terminal here).
    args = [
        str(binary),
        "start",
        "--data",
        str(data),
        "--port",
        str(port),
        "--disable-log-to-file",
        "--repair",
    ]
    process = servers.Process(args, f"http://127.0.0.1:{port}", PATH + "?limit=1")
    return Peer("Mockoon", _version("@mockoon/cli"), process, {q: {} for q in bodies})


def _wiremock(port: int, bodies: dict[str, bytes], directory: Path) -> Peer:
    root = directory / "wiremock"
    (root / "mappings").mkdir(parents=True, exist_ok=True)
    (root / "__files").mkdir(parents=True, exist_ok=True)
    for query, body in bodies.items():
        limit = query.split("=")[1]
        (root / "__files" / f"limit{limit}.json").write_bytes(body)
        mapping = {
            "request": {"method": "GET", "urlPath": PATH, "queryParameters": {"limit": {"equalTo": limit}}},
            "response": {
                "status": 200,
                "bodyFileName": f"limit{limit}.json",
                "headers": {"Content-Type": JSON_TYPE},
            },
        }
        (root / "mappings" / f"limit{limit}.json").write_text(json.dumps(mapping))
    jar = next((WORK / "node_modules" / "wiremock").rglob("wiremock-standalone-*.jar"))
    args = [ensure_java(), "-jar", str(jar), "--port", str(port), "--bind-address", "127.0.0.1"]
    args += ["--root-dir", str(root), "--disable-banner", "--no-request-journal"]
    process = servers.Process(args, f"http://127.0.0.1:{port}", PATH + "?limit=1")
    return Peer("WireMock", jar.stem.removeprefix("wiremock-standalone-"), process, {q: {} for q in bodies})


STARTERS = {"prism": _prism, "mockoon": _mockoon, "wiremock": _wiremock}


def start(name: str, port: int, bodies: dict[str, bytes], directory: Path) -> Peer:
    """Start one peer serving ``bodies`` (query -> bytes) and check it answers each with those bytes."""
    ensure_packages()
    directory.mkdir(parents=True, exist_ok=True)
    peer = STARTERS[name](port, bodies, directory)
    for query, body in bodies.items():
        url = f"{peer.process.base}{PATH}?{query}"
        status, answer = servers.http_get(url, headers=peer.headers[query])
        if status != 200 or json.loads(answer) != json.loads(body):
            peer.stop()
            raise servers.ServerError(f"{peer.name} did not serve the captured body for {query}: {status}")
    return peer
