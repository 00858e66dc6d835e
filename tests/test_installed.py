"""The package installed as users install it: a wheel in a fresh virtualenv, used from another directory.

The wheel is built from this checkout and installed non-editable, with the locked dependencies, from
uv's cache (``make setup`` filled it): no network. Everything runs with the installed console script
and the installed pytest, in a directory that has no ``app/``, ``schemas/`` or ``fixtures/`` near it.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import textwrap
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from aibridge_mock.testing import start_mock

pytestmark = pytest.mark.slow
REPO = Path(__file__).resolve().parents[1]
# The server's own dependencies; schemathesis itself brings werkzeug and jsonschema_rs.
SERVER_ONLY = ("flask", "numpy", "faker", "gunicorn", "granian", "redis")
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def _uv() -> str:
    found = REPO / ".tools" / "bin" / "uv"
    if found.is_file():
        return str(found)
    on_path = shutil.which("uv")
    if on_path is None:
        pytest.skip("uv is not installed (make setup bootstraps it into .tools/)")
    return on_path


@dataclass(frozen=True)
class Installed:
    """A fresh virtualenv holding the wheel, and a working directory far from the checkout."""

    bin: Path
    workdir: Path

    def run(
        self, *args: str, env: dict[str, str] | None = None, timeout: float = 180
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(self.bin / args[0]), *args[1:]],
            cwd=self.workdir,
            capture_output=True,
            text=True,
            timeout=timeout,
            env={**_clean_env(), **(env or {})},
        )


def _clean_env() -> dict[str, str]:
    """The environment without this checkout's virtualenv or any AIBRIDGE_MOCK_* setting."""
    keep = {
        k: v for k, v in os.environ.items() if not k.startswith(("AIBRIDGE_MOCK_", "VIRTUAL_ENV", "PYTHON"))
    }
    return keep | {"PYTHONDONTWRITEBYTECODE": "1"}


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    uv, root = _uv(), tmp_path_factory.mktemp("installed")
    env = {**_clean_env(), "UV_OFFLINE": "1", "UV_PYTHON_DOWNLOADS": "never", "UV_NO_PROGRESS": "1"}

    def run(*args: str) -> None:
        done = subprocess.run([uv, *args], cwd=REPO, capture_output=True, text=True, env=env, timeout=300)
        assert done.returncode == 0, f"uv {' '.join(args)}:\n{done.stderr}"
        assert "Deprecat" not in done.stderr, done.stderr

    run("build", "--wheel", "--out-dir", str(root / "dist"))
    venv = root / "venv"
    # The locked dependencies (the contract extra, no dev tools) from uv's cache, then the wheel alone.
    env["UV_PROJECT_ENVIRONMENT"] = str(venv)
    run(
        "sync",
        "--frozen",
        "--extra",
        "contract",
        "--no-default-groups",
        "--no-install-project",
        "--python",
        sys.executable,
    )
    wheel = next((root / "dist").glob("aibridge_mock-*.whl"))
    run("pip", "install", "--python", str(venv / "bin" / "python"), "--no-deps", str(wheel))
    workdir = root / "elsewhere"
    workdir.mkdir()
    return Installed(venv / "bin", workdir)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@contextmanager
def _serving(installed: Installed, *args: str) -> Iterator[str]:
    port = _free_port()
    env = {**_clean_env(), "AIBRIDGE_MOCK_ACCESS_LOG": "false"}
    process = subprocess.Popen(
        [str(installed.bin / "aibridge-mock"), "serve", "--port", str(port), *args],
        cwd=installed.workdir,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with _OPENER.open(f"{url}/readyz", timeout=2):
                    break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError(f"serve did not start: {process.communicate()[0]}") from None
                time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        process.communicate(timeout=20)


def _owner_token(installed: Installed) -> str:
    done = installed.run("aibridge-mock", "personas", "--json")
    assert done.returncode == 0, done.stderr
    token: str = json.loads(done.stdout)[0]["token"]
    return token


def _get(url: str, token: str) -> dict[str, object]:
    request = urllib.request.Request(url, headers={"Coder-Session-Token": token})
    with _OPENER.open(request, timeout=10) as response:
        body: dict[str, object] = json.loads(response.read())
        return body


def test_the_installed_wheel_is_a_package_named_after_the_project_with_its_data_inside(
    installed: Installed,
) -> None:
    done = installed.run(
        "python",
        "-c",
        "import aibridge_mock, aibridge_mock.schemas as s; "
        "print(aibridge_mock.__file__); print(s.schemas_dir())",
    )
    assert done.returncode == 0, done.stderr
    package, schemas = done.stdout.split()
    assert "site-packages/aibridge_mock/" in package and "site-packages/aibridge_mock/" in schemas
    assert installed.run("python", "-c", "import app").returncode != 0  # no top-level `app` installed


def test_the_installed_mock_serves_sessions_to_the_owner(installed: Installed) -> None:
    token = _owner_token(installed)
    with _serving(installed, "--interceptions", "300") as url:
        body = _get(f"{url}/api/v2/aibridge/sessions?limit=3", token)
    assert isinstance(body["count"], int) and body["count"] > 0
    assert isinstance(body["sessions"], list) and len(body["sessions"]) == 3


def test_the_installed_mock_serves_a_shipped_example_fixture(installed: Installed) -> None:
    listed = installed.run("aibridge-mock", "fixtures")
    assert listed.returncode == 0, listed.stderr
    example = listed.stdout.split()[0]
    assert Path(example).is_file() and "site-packages" in example
    token = _owner_token(installed)
    with _serving(installed, "--interceptions", "0", "--fixtures", example) as url:
        body = _get(f"{url}/api/v2/aibridge/sessions?limit=100", token)
    client_sessions = {
        i["client_session_id"]
        for i in json.loads(Path(example).read_text())["interceptions"]
        if i.get("client_session_id") and i.get("ended_at")
    }
    sessions = body["sessions"]
    assert isinstance(sessions, list) and client_sessions <= {s["id"] for s in sessions}


def test_the_installed_export_writes_the_handlers_module_it_ships(
    installed: Installed, tmp_path: Path
) -> None:
    out = tmp_path / "export"
    done = installed.run("aibridge-mock", "export", "--out", str(out), "--interceptions", "60")
    assert done.returncode == 0, done.stderr
    module = (out / "handlers.js").read_text()
    assert 'import { http, HttpResponse } from "msw";' in module and "__AIBRIDGE_MOCK_DATA__" not in module
    assert "export declare function createHandlers" in (out / "handlers.d.ts").read_text()
    assert json.loads((out / "aibridge-mock.har").read_text())["log"]["entries"]


def test_the_installed_contract_suite_passes_against_the_installed_mock(installed: Installed) -> None:
    token = _owner_token(installed)
    with _serving(installed, "--interceptions", "1000") as url:
        done = installed.run("aibridge-mock", "verify", "--url", url, "--token", token, "--ci", timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_installed_derivation_reproduces_the_shipped_schemas(
    installed: Installed, tmp_path: Path
) -> None:
    where = installed.run(
        "python", "-c", "import aibridge_mock.schemas as s; print(s.docs_file('v5')); print(s.schemas_dir())"
    )
    docs, shipped = where.stdout.split()
    done = installed.run("aibridge-mock", "schemas", "derive", docs, "--out", str(tmp_path))
    assert done.returncode == 0, done.stderr
    derived = sorted(p.name for p in (tmp_path / "v5").iterdir())
    assert derived and derived == sorted(p.name for p in (Path(shipped) / "v5").iterdir())
    for name in derived:
        assert (tmp_path / "v5" / name).read_bytes() == (Path(shipped) / "v5" / name).read_bytes(), name


def test_the_installed_pytest_plugin_serves_a_mock_in_process(installed: Installed) -> None:
    (installed.workdir / "test_plugin.py").write_text(
        textwrap.dedent("""
        import json, urllib.request

        def test_sessions(aibridge_mock):
            request = urllib.request.Request(aibridge_mock.api_url + "/aibridge/sessions?limit=2",
                                             headers=aibridge_mock.headers("owner"))
            opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
            with opener.open(request) as response:
                assert len(json.loads(response.read())["sessions"]) == 2
    """)
    )
    done = installed.run("pytest", "-q", "-p", "no:cacheprovider", "test_plugin.py")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 passed" in done.stdout


def test_the_installed_pytest_form_of_the_contract_suite_passes(installed: Installed) -> None:
    (installed.workdir / "test_contract.py").write_text(
        "from aibridge_mock.contract.pytest_suite import *  # noqa: F403\n"
    )
    token = _owner_token(installed)
    with _serving(installed, "--interceptions", "1000") as url:
        env = {"AIBRIDGE_MOCK_VERIFY_URL": url, "AIBRIDGE_MOCK_VERIFY_TOKEN": token}
        done = installed.run(
            "pytest", "-q", "-p", "no:cacheprovider", "test_contract.py", env=env, timeout=300
        )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr


def test_the_contract_suite_runs_and_reports_without_the_servers_dependencies(tmp_path: Path) -> None:
    with start_mock() as mock:
        token = mock.tokens["owner"]
        report = tmp_path / "report.md"
        code = textwrap.dedent(f"""
            import json, sys
            from aibridge_mock.contract.cli import cli_verify
            checks = ["schemathesis-models", "limit-honoured", "error-no-token"]
            status = cli_verify(["--url", {mock.url!r}, "--token", {token!r}, "--ci",
                                 "--report", {str(report)!r}, *("--check=" + c for c in checks)])
            print(json.dumps({{"status": status,
                              "loaded": sorted(m for m in {SERVER_ONLY!r} if m in sys.modules)}}))
        """)
        done = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, timeout=300
        )
    assert done.returncode == 0, done.stderr
    outcome = json.loads(done.stdout.strip().splitlines()[-1])
    assert outcome == {"status": 0, "loaded": []}
    assert report.read_text().startswith("# AI Bridge contract: PASS")
