"""A real browser: a page from one local origin reads the mock on another with a session token.

Headless Chromium (Debian's ``chromium``) loads the page, its script fetches sessions with the
``Coder-Session-Token`` header (so the browser sends a CORS preflight first) and writes what it got
into the DOM, which ``--dump-dom`` prints. Without Chromium the test installs it when it can (root
and apt-get) or is skipped with the reason.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import threading
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from aibridge_mock.server.config import Config
from aibridge_mock.testing import MockServer, start_mock

pytestmark = pytest.mark.slow
APT_TIMEOUT_SECONDS = 300
PAGE = """<!doctype html>
<html><body><p id="out">pending</p>
<script>
fetch(%(url)s + "/api/v2/aibridge/sessions?limit=3", {headers: {"Coder-Session-Token": %(token)s},
                                                       credentials: "include"})
  .then(r => r.json().then(b => { document.getElementById("out").textContent =
      "status=" + r.status + " count=" + b.count + " sessions=" + b.sessions.length; }))
  .catch(e => { document.getElementById("out").textContent = "error=" + e; });
</script></body></html>
"""


def _chromium() -> str:
    """The Chromium binary, installed with apt-get if this machine allows it; otherwise skip."""
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found:
        return found
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        pytest.skip(
            "headless Chromium is not installed and cannot be (needs root and apt-get): "
            "apt-get install chromium"
        )
    try:
        subprocess.run(
            ["apt-get", "install", "-y", "-q", "chromium"],
            capture_output=True,
            check=True,
            timeout=APT_TIMEOUT_SECONDS,
            env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
        )
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as exc:
        pytest.skip(f"headless Chromium is not installed and apt-get install chromium failed: {exc}")
    found = shutil.which("chromium")
    if not found:
        pytest.skip("apt-get install chromium succeeded but no chromium binary is on PATH")
    return found


@pytest.fixture(scope="module")
def mock() -> Iterator[MockServer]:
    with start_mock(Config(interceptions=200)) as running:
        yield running


@contextmanager
def _serve_page(html: str) -> Iterator[str]:
    """Serve ``html`` at / from a second local server: another origin than the mock's."""

    class Page(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = html.encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:  # quiet: pytest shows failures
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Page)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        # "localhost" here and 127.0.0.1 for the mock: different host and port, so a cross-origin fetch.
        yield f"http://localhost:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def _dump_dom(chromium: str, url: str, profile: Path) -> str:
    command = [
        chromium,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-proxy-server",
        f"--user-data-dir={profile}",
        "--virtual-time-budget=5000",
        "--dump-dom",
        url,
    ]
    result = subprocess.run(command, capture_output=True, text=True, timeout=90)
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


def _sessions_count(mock: MockServer) -> int:
    request = urllib.request.Request(mock.api_url + "/aibridge/sessions?limit=1", headers=mock.headers())
    with urllib.request.build_opener(urllib.request.ProxyHandler({})).open(request, timeout=10) as response:
        count: int = json.loads(response.read())["count"]
    return count


def test_a_page_on_another_local_origin_reads_sessions_with_a_token(mock: MockServer, tmp_path: Path) -> None:
    chromium = _chromium()
    mock.restore()
    html = PAGE % {"url": json.dumps(mock.url), "token": json.dumps(mock.tokens["owner"])}
    with _serve_page(html) as url:
        dom = _dump_dom(chromium, url, tmp_path / "profile")
    assert f"status=200 count={_sessions_count(mock)} sessions=3" in dom
    seen = [(e["method"], e["path"], e["status"]) for e in mock.admin.journal()]
    assert ("OPTIONS", "/api/v2/aibridge/sessions", 204) in seen  # the browser's preflight
    assert ("GET", "/api/v2/aibridge/sessions", 200) in seen
