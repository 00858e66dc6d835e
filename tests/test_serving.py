"""``aibridge-mock serve`` at the front door: banner, busy port, bad options, the HTTP server's own
answers, slow clients, the access log and a graceful stop."""

from __future__ import annotations

import logging
import shlex
import signal
import socket
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from running import API, Mock, request, running, wait_for

from aibridge_mock import cli
from aibridge_mock.server import create_app
from aibridge_mock.server.config import Config, cores
from aibridge_mock.server.extension import mock_of
from aibridge_mock.server.serving import banner

# -- the banner -----------------------------------------------------------------------------------


def _curl_lines(text: str) -> list[list[str]]:
    """Each curl command of the banner, split as a POSIX shell (bash, zsh) would split it."""
    return [shlex.split(line.split(":", 1)[1]) for line in text.splitlines() if "curl " in line]


@pytest.mark.parametrize(
    ("generation", "prefix"),
    [
        ("v1", "/api/experimental/aibridge"),
        ("v2", "/api/v2/aibridge"),
        ("v3", "/api/v2/aibridge"),
        ("v4", "/api/v2/aibridge"),
        ("v5", "/api/v2/aibridge"),
    ],
)
def test_banner_names_the_generations_prefix_and_its_try_curl_answers_200(
    generation: str, prefix: str
) -> None:
    config = Config(interceptions=200, generation=generation, port=9999)
    app = create_app(config)
    text = banner(config, app, 0.1)
    assert f"on http://127.0.0.1:9999{prefix}\n" in text
    argv = next(line for line in _curl_lines(text) if "Coder-Session-Token" in line[2])
    assert argv[:2] == ["curl", "-H"]
    name, _, value = argv[2].partition(": ")
    url = urlsplit(argv[3])
    assert url.path.startswith(prefix + "/")
    response = app.test_client().get(url.path, query_string=url.query, headers={name: value})
    assert response.status_code == 200, response.get_data(as_text=True)


def test_every_curl_line_of_the_banner_is_one_quoted_url_per_command() -> None:
    config = Config(interceptions=100)
    text = banner(config, create_app(config), 0.1)
    commands = _curl_lines(text)
    assert len(commands) == 2
    for argv in commands:
        assert len(argv) == 4 and argv[3].startswith("http://")  # '?' and '&' did not split or glob
    for line in text.splitlines():
        if "curl " in line:
            assert "'http://" in line  # quoted even where nothing needs it: safe to extend


def test_banner_gives_each_mode_its_own_words() -> None:
    config = Config(interceptions=100, no_auth=True, unlicensed=True, validation="lenient")
    lines = banner(config, create_app(config), 0.1).splitlines()
    assert any(line.startswith("  validation: lenient (") for line in lines)
    assert "  auth: off (--no-auth): every request is the owner" in lines
    assert any(line.startswith("  licence: none (--unlicensed)") for line in lines)
    plain = banner(Config(interceptions=100), create_app(Config(interceptions=100)), 0.1)
    assert "auth:" not in plain and "licence:" not in plain


def test_banner_reads_an_operator_chosen_admin_token_from_the_environment() -> None:
    config = Config(interceptions=100, admin_token="not-for-the-log")
    text = banner(config, create_app(config), 0.1)
    assert "not-for-the-log" not in text
    assert '"Authorization: Bearer $AIBRIDGE_MOCK_ADMIN_TOKEN"' in text


def test_default_number_of_workers_follows_the_cores() -> None:
    assert Config().workers == cores() >= 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--workers", "0"], "--workers: must be at least 1"),
        (["--threads", "0"], "--threads: must be at least 1"),
        (["--port", "99999"], "--port: must be a TCP port between 1 and 65535"),
        (["--state", "memcached://x"], "--state: must be empty"),
    ],
)
def test_bad_serve_options_are_one_line_and_exit_status_2(
    args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["serve", *args]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and message in err


# -- the access log -------------------------------------------------------------------------------


def test_access_log_line_is_written_by_the_app(caplog: pytest.LogCaptureFixture) -> None:
    app = create_app(Config(interceptions=100))
    owner = mock_of(app).datasets.snapshot.dataset.personas[0].token  # type: ignore[union-attr]
    with caplog.at_level(logging.INFO, logger="aibridge_mock.access"):
        app.test_client().get(f"{API}/sessions?limit=2", headers={"Coder-Session-Token": owner})
    (line,) = [r.getMessage() for r in caplog.records if r.name == "aibridge_mock.access"]
    assert f'"GET {API}/sessions?limit=2 HTTP/1.1" 200 ' in line
    assert line.startswith("[") and line.endswith("ms")


# -- a real server --------------------------------------------------------------------------------


@pytest.mark.slow
def test_a_busy_port_is_one_line_before_any_banner_and_exit_status_2(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        mock = Mock(tmp_path, "--port", str(port), wait=False)
        assert mock.proc.wait(timeout=60) == 2
    assert (
        mock.output().strip() == f"aibridge-mock: cannot listen on 127.0.0.1:{port}: address already in use"
    )


def _raw(port: int, data: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(data)
        answer = b""
        while chunk := s.recv(65536):
            answer += chunk
        return answer


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Mock:
    tmp = tmp_path_factory.mktemp("served")
    with running(tmp, "--workers", "1", "--threads", "8", "--interceptions", "300") as server:
        yield server


@pytest.mark.slow
@pytest.mark.parametrize(
    ("data", "status"),
    [
        (b"GET /healthz HTTP/1.1\r\nHost: x\r\nBroken header line\r\n\r\n", b"400"),
        (b"GET /" + b"a" * 100_000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", b"414"),
        (b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + b"b" * 1_100_000 + b"\r\n\r\n", b"431"),
    ],
)
def test_the_http_servers_own_errors_are_not_html_and_do_not_name_it(
    served: Mock, data: bytes, status: bytes
) -> None:
    head, _, body = _raw(served.port, data).partition(b"\r\n\r\n")
    lines = head.lower().split(b"\r\n")
    assert lines[0].split(b" ")[1] == status
    assert body == b"" or b"content-type: text/plain" in head.lower()
    assert not any(line.startswith(b"server:") and line.strip() != b"server:" for line in lines)
    assert b"<html" not in body.lower()


@pytest.mark.slow
def test_answers_carry_no_server_name(served: Mock) -> None:
    status, headers, _ = request(served.url + "/healthz")
    assert status == 200
    assert {k.lower(): v for k, v in headers.items()}.get("server", "") == ""


@pytest.mark.slow
def test_256_idle_or_half_sent_connections_do_not_stop_a_new_client(served: Mock) -> None:
    owner = served.owner()
    held: list[socket.socket] = []
    try:
        for i in range(256):
            s = socket.create_connection(("127.0.0.1", served.port), timeout=10)
            if i % 2:  # half-sent: a request line and headers, never the final blank line
                s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: 1\r\n")
            held.append(s)
        time.sleep(0.2)
        assert request(served.url + "/healthz", timeout=5)[0] == 200
        assert request(f"{served.url}{API}/sessions?limit=5", headers=owner, timeout=5)[0] == 200
    finally:
        for s in held:
            s.close()


@pytest.mark.slow
def test_sigterm_lets_a_request_in_flight_finish(tmp_path: Path) -> None:
    mock = Mock(
        tmp_path, "--workers", "2", "--interceptions", "200", env={"AIBRIDGE_MOCK_ACCESS_LOG": "true"}
    )
    try:
        owner = mock.owner()
        mock.admin("POST", "/scenario", {"name": "slow", "latency_ms": 1500})
        answers: list[int] = []
        client = threading.Thread(
            target=lambda: answers.append(request(f"{mock.url}{API}/sessions", headers=owner, timeout=20)[0])
        )
        client.start()
        wait_for(lambda: "POST /__admin/scenario" in mock.output(), what="the admin call in the log")
        time.sleep(0.4)  # the request is now sleeping in a worker
        mock.proc.send_signal(signal.SIGTERM)
        client.join(20)
        assert answers == [200]
        assert mock.proc.wait(timeout=20) == 0
        assert f'"GET {API}/sessions HTTP/1.1" 200' in mock.output()  # the access log, written by the app
    finally:
        mock.stop()
