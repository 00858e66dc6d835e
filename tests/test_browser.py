"""A real browser: a page from one local origin reads the mock on another with a session token.

Headless Chromium (Debian's ``chromium``) loads the page, its script fetches sessions with the
``Coder-Session-Token`` header (so the browser sends a CORS preflight first) and writes what it got
into the DOM, which ``--dump-dom`` prints. ``.ci/run`` installs Chromium; without it these tests
are skipped with the reason (a test never installs anything).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import threading
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from served import served

from aibridge_mock.server import create_app
from aibridge_mock.server.config import Config
from aibridge_mock.server.dataset.clock import SECOND, ManualClock, parse_anchor
from aibridge_mock.server.extension import mock_of
from aibridge_mock.testing import MockServer, start_mock

pytestmark = pytest.mark.slow
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
    """The Chromium binary, or skip: installing it is CI's job (.ci/frontend-deps.sh), not a test's."""
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if not found:
        pytest.skip("headless Chromium is not installed: apt-get install chromium (.ci/run does it as root)")
    return found


@pytest.fixture(scope="module")
def mock() -> Iterator[MockServer]:
    with start_mock(Config(interceptions=200)) as running:
        yield running


@contextmanager
def _serve_page(html: str) -> Iterator[str]:
    """Serve ``html`` at / from a second local server: another origin than the mock's."""
    body = html.encode()

    def page(environ: dict[str, object], start_response: Callable[..., object]) -> list[bytes]:
        headers = [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(body)))]
        start_response("200 OK", headers)
        return [body]

    with served(page) as url:
        # "localhost" here and 127.0.0.1 for the mock: different host and port, so a cross-origin fetch.
        yield url.replace("127.0.0.1", "localhost", 1) + "/"


def _dump_dom(chromium: str, url: str, profile: Path, budget_ms: int = 5000) -> str:
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
        f"--virtual-time-budget={budget_ms}",
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


POLLING_PAGE = """<!doctype html>
<html><body><ol id="polls"></ol>
<script>
// A page that polls the sessions list, as a dashboard does, and shows each answer.
let polls = 0;
async function poll() {
  const r = await fetch(%(url)s + "/api/v2/aibridge/sessions?limit=5",
                        {headers: {"Coder-Session-Token": %(token)s}});
  const b = await r.json();
  const li = document.createElement("li");
  li.textContent = b.count + " " + b.sessions.map(s => s.id).join(",");
  document.getElementById("polls").appendChild(li);
  if (++polls < 3) setTimeout(poll, 2000);
}
poll();
</script></body></html>
"""
MINUTE = 60 * SECOND


class PollingClock:
    """The data's clock moves a minute each time a request reads it: each poll sees a later minute."""

    def __init__(self, start: int) -> None:
        self.start = start
        self.reads = 0
        self._lock = threading.Lock()

    def now(self) -> int:
        with self._lock:
            self.reads += 1
            return self.start + (self.reads - 1) * MINUTE


def test_a_polling_page_gains_sessions_as_the_live_clock_moves(tmp_path: Path) -> None:
    chromium = _chromium()
    config = Config(interceptions=500, live=True)
    anchor = parse_anchor(config.anchor)
    clock = ManualClock(anchor)
    expected = []
    reference = create_app(config, clock=clock)
    token = mock_of(reference).datasets.snapshot.dataset.personas[0].token
    for minute in range(3):
        clock.set_elapsed(minute * 60)
        body = (
            reference.test_client()
            .get("/api/v2/aibridge/sessions?limit=5", headers={"Coder-Session-Token": token})
            .get_json()
        )
        expected.append(f"{body['count']} {','.join(s['id'] for s in body['sessions'])}")
    with start_mock(config, clock=PollingClock(anchor)) as mock:
        html = POLLING_PAGE % {"url": json.dumps(mock.url), "token": json.dumps(token)}
        with _serve_page(html) as url:
            dom = _dump_dom(chromium, url, tmp_path / "profile", budget_ms=10_000)
    polls = re.findall(r"<li>([^<]*)</li>", dom)
    assert polls == expected
    counts = [int(p.split()[0]) for p in polls]
    assert counts[0] < counts[1] < counts[2]  # new sessions appear at the top of the page
    assert polls[2].split()[1].split(",")[0] not in polls[0]
