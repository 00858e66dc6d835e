"""``aibridge-mock export``: a HAR file and MSW handlers holding the mock's exact answers.

The HAR entries are replayed against the mock. The handlers are run by Node (``tests/node``, MSW
with ``node --test``) against probes: every exported request, requests the mock answers the same
way (reordered or defaulted parameters, other token sources, ``q`` spelled differently, pages cut
from an exported page), and malformed ones, each with the mock's own status, headers and bytes.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from flask import Flask

from aibridge_mock.cli import main
from aibridge_mock.server import create_app
from aibridge_mock.server.config import Config
from aibridge_mock.server.export import ExportOptions, export
from aibridge_mock.server.export.run import HAR_NAME, MODULE_NAME, TYPES_NAME
from aibridge_mock.server.extension import mock_of
from aibridge_mock.server.gocompat import encode_json

NODE_DIR = Path(__file__).parent / "node"
SEED, SIZE = 7, 600
API = "/api/v2/aibridge"
EXTRA = ('/sessions?q=client:"Claude Code"', "/interceptions?q=provider:openai&limit=20&offset=5")
ORIGIN = "http://localhost"  # Flask's test client is this origin too: WWW-Authenticate names it


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("export")
    export(ExportOptions(out=out, seed=SEED, interceptions=SIZE, requests=EXTRA, base_url=ORIGIN))
    return out


@pytest.fixture(scope="module")
def app() -> Flask:
    return create_app(Config(seed=SEED, interceptions=SIZE))


@pytest.fixture(scope="module")
def har(exported: Path) -> dict[str, Any]:
    document: dict[str, Any] = json.loads((exported / HAR_NAME).read_text())
    return document


@pytest.fixture(scope="module")
def tokens(app: Flask) -> dict[str, str]:
    return {p.user.username: p.token for p in mock_of(app).datasets.snapshot.dataset.personas}


# -- the HAR file -------------------------------------------------------------------------------------


def test_the_har_holds_the_default_requests_for_every_persona(
    har: dict[str, Any], tokens: dict[str, str]
) -> None:
    entries = har["log"]["entries"]
    assert har["log"]["version"] == "1.2"
    by_token = {v: k for k, v in tokens.items()}
    seen = {(by_token[e["request"]["headers"][0]["value"]], e["request"]["url"]) for e in entries}
    for persona in tokens:
        for path in ("/interceptions", "/sessions", "/models", "/clients"):
            assert (persona, f"{ORIGIN}{API}{path}") in seen
        assert (persona, f"{ORIGIN}{API}/sessions?q=client%3A%22Claude%20Code%22") in seen
    owner = [e for e in entries if e["request"]["headers"][0]["value"] == tokens["admin"]]
    listed = next(
        json.loads(e["response"]["content"]["text"])
        for e in owner
        if e["request"]["url"].endswith("/sessions")
    )
    detailed = {
        e["request"]["url"].split("/sessions/")[1].split("?")[0]
        for e in owner
        if "/sessions/" in e["request"]["url"]
    }
    assert detailed == {quote(s["id"]) for s in listed["sessions"]}  # every session of the first page
    member = [e for e in entries if e["request"]["headers"][0]["value"] == tokens["alice"]]
    assert not [e for e in member if "/sessions/" in e["request"]["url"]]  # members see no sessions (v5)


def test_every_har_entry_is_the_mocks_answer_byte_for_byte(har: dict[str, Any], app: Flask) -> None:
    client = app.test_client()
    for entry in har["log"]["entries"]:
        request = entry["request"]
        response = client.get(
            request["url"].removeprefix(ORIGIN), headers={h["name"]: h["value"] for h in request["headers"]}
        )
        content = entry["response"]["content"]
        assert (entry["response"]["status"], content["text"].encode()) == (
            response.status_code,
            response.data,
        )
        assert content["mimeType"] == response.content_type
        assert content["size"] == len(response.data)


def test_thread_pages_past_the_first_are_walked_with_after_id_and_before_id(tmp_path: Path) -> None:
    export(ExportOptions(out=tmp_path, seed=SEED, interceptions=3000, persona=("owner",)))
    urls = [e["request"]["url"] for e in json.loads((tmp_path / HAR_NAME).read_text())["log"]["entries"]]
    walked = [u for u in urls if "after_id=" in u]
    assert walked, "seed 7 at 3,000 interceptions has a session of more than 50 threads on its first page"
    assert any("before_id=" in u for u in urls)


def test_two_exports_of_the_same_options_are_byte_identical(exported: Path, tmp_path: Path) -> None:
    export(ExportOptions(out=tmp_path, seed=SEED, interceptions=SIZE, requests=EXTRA, base_url=ORIGIN))
    for name in (HAR_NAME, MODULE_NAME, TYPES_NAME):
        assert (tmp_path / name).read_bytes() == (exported / name).read_bytes(), name


def test_the_cli_writes_the_three_files_and_says_what_it_exported(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status = main(["export", "--out", str(tmp_path), "--interceptions", "40", "--persona", "owner", "bob"])
    assert status == 0
    out = capsys.readouterr().out
    assert out.startswith("exported ") and "as admin, bob (seed 1, 40 interceptions" in out
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([HAR_NAME, MODULE_NAME, TYPES_NAME])


@pytest.mark.parametrize(
    ("args", "line"),
    [
        (["--persona", "carol"], "--persona: no persona 'carol' (usernames: admin, auditor, alice, bob; "),
        (
            ["--request", "https://evil.example/x"],
            "--request: 'https://evil.example/x' is not a request below",
        ),
        (["--request", "/nope"], "--request: '/api/v2/aibridge/nope' is none of the API's operations"),
        (["--anchor", "someday"], "--anchor: must be now, now-<duration>"),
    ],
)
def test_bad_export_options_are_one_line_and_exit_status_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], line: str
) -> None:
    assert main(["export", "--out", str(tmp_path), "--interceptions", "20", *args]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"aibridge-mock export: {line}") and err.count("\n") == 1


# -- the MSW handlers, in Node -------------------------------------------------------------------------


@dataclass
class Probes:
    """Requests for the handlers and what the mock answers to each."""

    app: Flask
    items: list[dict[str, Any]] = field(default_factory=list)

    def add(self, why: str, path: str, headers: dict[str, str], method: str = "GET") -> None:
        client = self.app.test_client()
        sent = dict(headers)
        if "Cookie" in sent:  # the test client sends its own cookie jar, not a Cookie header
            name, _, value = sent.pop("Cookie").partition("=")
            client.set_cookie(name, value)
        response = client.open(path, method=method, headers=sent)
        expect = {"Content-Type": response.headers["Content-Type"]}
        for name in ("X-Coder-Build-Version", "X-Content-Type-Options", "WWW-Authenticate"):
            if name in response.headers:
                expect[name] = response.headers[name]
        self.not_exported(why, path, headers, response.status_code, response.data, expect, method)

    def not_exported(
        self,
        why: str,
        path: str,
        headers: dict[str, str],
        status: int,
        body: bytes,
        expect: dict[str, str],
        method: str = "GET",
    ) -> None:
        self.items.append(
            {
                "why": why,
                "method": method,
                "url": ORIGIN + path,
                "headers": headers,
                "status": status,
                "body_b64": base64.b64encode(body).decode(),
                "expect_headers": expect,
            }
        )


def _owner(tokens: dict[str, str]) -> dict[str, str]:
    return {"Coder-Session-Token": tokens["admin"]}


def _probes(app: Flask, har: dict[str, Any], tokens: dict[str, str]) -> list[dict[str, Any]]:
    probes = Probes(app)
    for entry in har["log"]["entries"]:
        request = entry["request"]
        headers = {h["name"]: h["value"] for h in request["headers"]}
        probes.add("exported", request["url"].removeprefix(ORIGIN), headers)
    owner, member = _owner(tokens), {"Coder-Session-Token": tokens["alice"]}
    client = app.test_client()
    sessions = client.get(f"{API}/sessions", headers=owner).get_json()["sessions"]
    interceptions = client.get(f"{API}/interceptions", headers=owner).get_json()["results"]
    same = [
        "/sessions?limit=100",
        "/sessions?offset=0&limit=100&unknown=1",
        "/sessions?limit=&offset=",
        "/sessions?limit=0",
        "/sessions?limit=25",
        "/sessions?limit=25&offset=25",
        "/sessions?offset=90&limit=10",
        f"/sessions?after_session_id={quote(sessions[3]['id'])}&limit=5",
        "/interceptions?limit=30&offset=60",
        f"/interceptions?after_id={interceptions[10]['id']}&limit=5",
        f"/interceptions?after_id={interceptions[10]['id'].upper()}&limit=5&offset=0",
        "/sessions?q=client%3A%22Claude%20Code%22&limit=10",
        "/sessions?q=CLIENT:%22Claude+Code%22",
        "/sessions?q=++client:%22Claude%20Code%22++&offset=3",
        "/sessions?q=client:%22Claude%20Code%22%20initiator:",
        "/models?q=gpt",
        "/models?q=model:claude-&limit=2&offset=1",
        "/models?q=gpt-5_",
        "/models?q=%25sonnet",
        "/clients?q=C",
        "/clients?q=client:Unknown",
        "/models?q=zzz",
        f"/sessions/{quote(sessions[0]['id'])}?limit=50",
        f"/sessions/{quote(sessions[0]['id'])}?after_id=&limit=",
        f"/sessions/{quote(sessions[0]['id'])}?before_id=00000000-0000-0000-0000-000000000000",
    ]
    for path in same:
        probes.add("answered like the mock", API + path, owner)
    probes.add("a member's empty list", f"{API}/sessions?limit=3&q=initiator:me", member)
    probes.add("a member's empty list", f"{API}/interceptions?q=provider:openai", member)
    probes.add("a member's empty list", f"{API}/models?q=gpt", member)
    probes.add("a member's unknown cursor", f"{API}/interceptions?after_id={interceptions[0]['id']}", member)
    probes.add(
        "a member's unknown cursor", f"{API}/sessions?after_session_id={quote(sessions[0]['id'])}", member
    )
    probes.add("a member's unknown session", f"{API}/sessions/{quote(sessions[0]['id'])}", member)
    probes.add("bearer token", f"{API}/models", {"Authorization": f"Bearer {tokens['bob']}"})
    probes.add("cookie", f"{API}/clients", {"Cookie": f"coder_session_token={tokens['admin']}"})
    probes.add("token in the query", f"{API}/sessions?coder_session_token={tokens['auditor']}&limit=5", {})
    probes.add("access_token", f"{API}/models?access_token={tokens['alice']}", {})
    errors = [
        "/sessions?limit=abc",
        "/sessions?limit=1001",
        "/sessions?offset=-1&limit=99999999999",
        "/interceptions?after_id=x",
        "/interceptions?limit=1&limit=2",
        f"/interceptions?after_id={interceptions[0]['id']}&offset=3",
        f"/sessions?after_session_id={quote(sessions[0]['id'])}&offset=3",
        "/sessions?q=bare",
        "/sessions?q=a:b:c",
        "/sessions?q=:x",
        "/sessions?q=color:blue",
        "/sessions?q=initiator:nobody",
        "/sessions?q=provider_name:nope",
        "/interceptions?q=started_after:2026-05-01",
        "/interceptions?q=started_after:%222026-05-01%22",
        "/interceptions?q=started_after:%222026-02-30T00:00:00Z%22",
        "/interceptions?q=started_after:%222026-05-10T00:00:00Z%22%20started_before:%222026-05-01T00:00:00%2B02:00%22",
        "/interceptions?q=model:a%20model:b",
        "/interceptions?q=%22%E2%80%A8%22:x",
        "/models?q=foo:bar",
        "/clients?q=client:a%20client:b",
        f"/sessions/{quote(sessions[0]['id'])}?after_id=xyz",
        f"/sessions/{quote(sessions[0]['id'])}?after_id=urn:xuid:0000000000000000000000000000000000",
        f"/sessions/{quote(sessions[0]['id'])}?after_id={interceptions[0]['id']}&before_id={interceptions[1]['id']}",
        f"/sessions/{quote(sessions[0]['id'])}?limit=0",
        f"/sessions/{quote(sessions[0]['id'])}?limit=201",
        f"/sessions/{quote(sessions[0]['id'])}?limit=5abc",
        "/sessions/no-such-session",
    ]
    for path in errors:
        probes.add("coderd's error", API + path, owner)
    for why, headers in (
        ("no token", {}),
        ("a malformed token", {"Coder-Session-Token": "abc"}),
        ("an unknown key id", {"Coder-Session-Token": "0123456789-0123456789012345678901"}),
        ("a wrong secret", {"Coder-Session-Token": tokens["admin"][:11] + "x" * 22}),
    ):
        probes.add(why, f"{API}/sessions", headers)
    probes.add("provider catch-all", f"{API}/sessions", {}, method="POST")
    probes.add("provider catch-all", f"{API}/nope", {"Authorization": f"Bearer {tokens['admin']}"})
    probes.add("provider catch-all", f"{API}/nope", {"X-Api-Key": "nope"})
    probes.add("provider catch-all", f"{API}/sessions/", {"Authorization": f"Bearer {tokens['admin']}"})
    probes.add("provider catch-all", API, {"X-Coder-AI-Governance-Token": tokens["bob"]}, method="DELETE")
    for path in (
        "/sessions?q=provider:openai",
        f"/sessions/{quote(sessions[0]['id'])}?limit=7",
        "/interceptions?offset=95&limit=10",
    ):
        command = f"aibridge-mock export --request '{path}'"
        detail = f"GET {API}{path} (as admin) was not exported; export it with: {command}"
        body = encode_json({"message": "Not in the aibridge-mock export.", "detail": detail})
        expect = {"Content-Type": "application/json; charset=utf-8"}
        probes.not_exported("not exported", API + path, owner, 501, body, expect)
    return probes.items


def _node() -> str:
    node = shutil.which("node")
    if node is None:
        pytest.skip("Node is not installed (the export's handlers are tested with node --test)")
    if not (NODE_DIR / "node_modules" / "msw").is_dir():
        pytest.skip("msw is not installed: npm ci --prefix tests/node (.ci/run does it)")
    return node


@pytest.fixture(scope="module")
def node_dir(exported: Path) -> Iterator[Path]:
    link = exported / "node_modules"
    if not link.exists():
        link.symlink_to(NODE_DIR / "node_modules")  # the module imports "msw" from next to itself
    yield exported


@pytest.mark.slow
def test_the_msw_handlers_answer_as_the_mock_does(
    node_dir: Path, app: Flask, har: dict[str, Any], tokens: dict[str, str]
) -> None:
    node = _node()
    probes = _probes(app, har, tokens)
    (node_dir / "probes.json").write_text(json.dumps(probes))
    env = {**os.environ, "AIBRIDGE_MOCK_EXPORT_DIR": str(node_dir), "NO_COLOR": "1"}
    command = [node, "--test", "--test-reporter=dot", str(NODE_DIR / "export.test.mjs")]
    result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, (result.stdout + result.stderr)[-6000:]
    assert len(probes) > len(har["log"]["entries"]) + 60


@pytest.mark.slow
def test_the_typescript_declarations_type_check_a_use_of_the_handlers(node_dir: Path) -> None:
    node = _node()
    tsc = NODE_DIR / "node_modules" / "typescript" / "bin" / "tsc"
    if not tsc.is_file():
        pytest.skip("typescript is not installed: npm ci --prefix tests/node (.ci/run does it)")
    (node_dir / "use.ts").write_text(
        'import { handlers, createHandlers, personas, prefix, type Persona } from "./handlers.js";\n'
        'import type { HttpHandler } from "msw";\n'
        "const all: HttpHandler[] = [...handlers, ...createHandlers({ baseUrl: 'http://localhost:3000' })];\n"
        "const owner: Persona | undefined = personas.find((p) => p.role === 'owner');\n"
        "export const token: string = owner?.token ?? '';\n"
        "export const count: number = all.length;\n"
        "export const api: string = prefix;\n"
    )
    (node_dir / "tsconfig.json").write_text(
        json.dumps(
            {
                "compilerOptions": {
                    "strict": True,
                    "noEmit": True,
                    "module": "nodenext",
                    "moduleResolution": "nodenext",
                    "target": "es2022",
                    "skipLibCheck": True,
                },
                "files": ["use.ts"],
            }
        )
    )
    (node_dir / "package.json").write_text('{"type": "module"}\n')
    result = subprocess.run(
        [node, str(tsc), "-p", str(node_dir / "tsconfig.json")], capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.slow
@pytest.mark.parametrize("generation", ["v1", "v3"])
def test_the_msw_handlers_of_older_generations_answer_as_their_mock_does(
    generation: str, tmp_path: Path
) -> None:
    """v1: the experimental prefix and a {results, total} envelope; v3: members read their own rows."""
    node = _node()
    export(ExportOptions(out=tmp_path, seed=SEED, interceptions=300, generation=generation, base_url=ORIGIN))
    (tmp_path / "node_modules").symlink_to(NODE_DIR / "node_modules")
    app = create_app(Config(seed=SEED, interceptions=300, generation=generation))
    prefix = mock_of(app).generation.prefix
    har = json.loads((tmp_path / HAR_NAME).read_text())
    probes = Probes(app)
    for entry in har["log"]["entries"]:
        headers = {h["name"]: h["value"] for h in entry["request"]["headers"]}
        path = entry["request"]["url"].removeprefix(ORIGIN)
        probes.add("exported", path, headers)
        if "?" not in path and "/sessions/" not in path:
            probes.add("a page cut from it", path + "?limit=3&offset=1", headers)
    member = {
        "Coder-Session-Token": next(p.token for p in mock_of(app).datasets.snapshot.dataset.personas[2:])
    }
    probes.add("coderd's error", f"{prefix}/interceptions?limit=0&offset=x", member)
    probes.add("no token", f"{prefix}/interceptions", {})
    (tmp_path / "probes.json").write_text(json.dumps(probes.items))
    env = {**os.environ, "AIBRIDGE_MOCK_EXPORT_DIR": str(tmp_path), "NO_COLOR": "1"}
    command = [node, "--test", "--test-reporter=dot", str(NODE_DIR / "export.test.mjs")]
    result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, (result.stdout + result.stderr)[-6000:]
