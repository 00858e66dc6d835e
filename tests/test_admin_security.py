"""An admin API safe to expose (issue 11): its token, the files it may read, fixtures without files."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from aibridge_mock.server import adminaccess, create_app
from aibridge_mock.server.adminaccess import admin_token, with_admin_token
from aibridge_mock.server.config import Config
from aibridge_mock.server.extension import mock_of
from aibridge_mock.server.serving import banner

DATA = Path(__file__).parent / "data"
FIXTURE = json.loads((DATA / "one_interception.json").read_text())
NOT_RELOADED = "The data set was not reloaded; the previous one is still served."


def _admin(app: Flask) -> dict[str, str]:
    return {"Authorization": f"Bearer {admin_token(mock_of(app).config)}"}


def _reload(app: Flask, **body: Any) -> tuple[int, Any]:
    response = app.test_client().post("/__admin/dataset", json=body, headers=_admin(app))
    return response.status_code, response.get_json()


def _owner_count(app: Flask) -> int:
    client: FlaskClient = app.test_client()
    owner = mock_of(app).datasets.snapshot.dataset.personas[0].token
    response = client.get("/api/v2/aibridge/interceptions?limit=1", headers={"Coder-Session-Token": owner})
    assert response.status_code == 200
    count: int = response.get_json()["count"]
    return count


# -- the token --------------------------------------------------------------------------------------


def test_on_loopback_the_token_derives_from_the_seed_so_test_suites_can_compute_it() -> None:
    assert admin_token(Config(seed=1)) == admin_token(Config(seed=1, host="localhost"))
    assert admin_token(Config(seed=1)) != admin_token(Config(seed=2))


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.168.1.20", ""])
def test_beyond_loopback_the_token_is_random_not_the_seeds(host: str) -> None:
    exposed = Config(seed=1, host=host)
    assert admin_token(exposed) != admin_token(Config(seed=1))
    assert admin_token(exposed) == admin_token(exposed)  # one token for the whole start
    assert admin_token(exposed).startswith("adm_") and len(admin_token(exposed)) >= 32


_PRINT_TOKEN = """
from aibridge_mock.server.adminaccess import admin_token
from aibridge_mock.server.config import Config
print(admin_token(Config(host="0.0.0.0")))
"""


def _token_of_a_new_process() -> str:
    done = subprocess.run([sys.executable, "-c", _PRINT_TOKEN], capture_output=True, text=True, check=True)
    return done.stdout.strip()


def test_beyond_loopback_every_start_gets_a_new_token() -> None:
    assert _token_of_a_new_process() != _token_of_a_new_process()


def test_an_exposed_mock_refuses_the_seeds_token_and_takes_its_own() -> None:
    app = create_app(Config(seed=1, interceptions=20, host="0.0.0.0"))
    client = app.test_client()
    seeds = admin_token(Config(seed=1))
    assert client.get("/__admin/state", headers={"Authorization": f"Bearer {seeds}"}).status_code == 401
    assert client.get("/__admin/state", headers=_admin(app)).status_code == 200


def test_workers_built_from_the_served_configuration_share_one_token() -> None:
    served = with_admin_token(Config(interceptions=20, host="0.0.0.0"))
    assert served.admin_token == admin_token(Config(host="0.0.0.0"))
    workers = [create_app(served), create_app(served)]
    assert {admin_token(mock_of(w).config) for w in workers} == {served.admin_token}
    assert with_admin_token(Config(host="127.0.0.1")).admin_token == ""  # loopback: derived when asked


def test_the_banner_prints_a_random_token_and_says_why() -> None:
    config = Config(interceptions=20, host="0.0.0.0")
    text = banner(config, create_app(config), 0.1)
    assert admin_token(config) in text
    assert "random for this start" in text
    chosen = Config(interceptions=20, host="0.0.0.0", admin_token="ops-chosen-token")
    assert "ops-chosen-token" not in banner(chosen, create_app(chosen), 0.1)


# -- fixture files ----------------------------------------------------------------------------------


@pytest.fixture
def allowed(tmp_path: Path) -> Path:
    folder = tmp_path / "allowed"
    folder.mkdir()
    (folder / "one.json").write_text(json.dumps(FIXTURE), encoding="utf-8")
    return folder


@pytest.fixture
def app(allowed: Path) -> Flask:
    return create_app(Config(seed=1, interceptions=100, admin_fixture_dir=(allowed,)))


def _refused(app: Flask, path: str) -> str:
    """The validation detail of a refused fixture path; the old data keeps serving."""
    before = _owner_count(app)
    status, body = _reload(app, interceptions=0, fixtures=[path])
    assert status == 400, body
    assert body["message"] == "Invalid admin request."
    assert [v["field"] for v in body["validations"]] == ["fixtures[0]"]
    assert _owner_count(app) == before
    detail: str = body["validations"][0]["detail"]
    return detail


def test_a_file_in_an_allowed_directory_loads(app: Flask, allowed: Path) -> None:
    status, body = _reload(app, interceptions=0, fixtures=[str(allowed / "one.json")])
    assert status == 200, body
    assert _owner_count(app) == 1


@pytest.mark.parametrize("path", ["/etc/passwd", "/etc/hostname", "/proc/self/environ", "/dev/zero"])
def test_a_file_outside_the_allowed_directories_is_refused_unread(app: Flask, path: str) -> None:
    detail = _refused(app, path)
    assert "is not inside a directory the admin API may read fixtures from" in detail
    assert "--admin-fixture-dir" in detail
    assert "root:" not in detail


def test_a_json_file_outside_is_refused_without_echoing_its_values(app: Flask, tmp_path: Path) -> None:
    secret = tmp_path / "secret.json"
    secret.write_text('{"users": "s3cr3t-from-a-json-file"}', encoding="utf-8")
    assert "s3cr3t" not in _refused(app, str(secret))


def test_dot_dot_and_symbolic_links_cannot_leave_the_allowed_directory(
    app: Flask, allowed: Path, tmp_path: Path
) -> None:
    outside = tmp_path / "outside.json"
    outside.write_text(json.dumps(FIXTURE), encoding="utf-8")
    (allowed / "link.json").symlink_to(outside)
    assert "is not inside" in _refused(app, str(allowed / ".." / "outside.json"))
    assert "is not inside" in _refused(app, str(allowed / "link.json"))


@pytest.mark.parametrize("kind", ["fifo", "directory"])
def test_only_regular_files_are_read(app: Flask, allowed: Path, kind: str) -> None:
    target = allowed / f"not-a-file-{kind}"
    if kind == "fifo":
        os.mkfifo(target)  # opening it for reading would wait for a writer forever
    else:
        target.mkdir()
    status, body = _reload(app, interceptions=0, fixtures=[str(target)])
    assert status == 400
    assert body["message"] == NOT_RELOADED
    assert (
        body["detail"]
        == f"{target}: $: not a regular file: the admin API reads fixtures from regular files only"
    )
    assert app.test_client().get("/readyz").status_code == 200


def test_a_file_over_the_size_limit_is_refused(
    app: Flask, allowed: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(adminaccess, "MAX_FIXTURE_BYTES", 100)
    status, body = _reload(app, interceptions=0, fixtures=[str(allowed / "one.json")])
    assert status == 400
    assert body["detail"].endswith("larger than 100 bytes, the most the admin API reads from a fixture file")


def test_without_allowed_directories_the_admin_api_reads_no_files() -> None:
    app = create_app(Config(interceptions=20))
    detail = _refused(app, str(DATA / "one_interception.json"))
    assert "reads no fixture files on this mock" in detail


def test_the_directories_of_the_command_line_fixtures_are_allowed() -> None:
    app = create_app(Config(interceptions=0, fixtures=(DATA / "one_interception.json",)))
    status, body = _reload(app, fixtures=[str(DATA / "bad_fixture.json")])
    assert (status, body["message"]) == (400, NOT_RELOADED)  # read, and refused for its content
    assert body["validations"][0]["field"] == "$.users[1]"


# -- inline fixtures --------------------------------------------------------------------------------


def test_inline_fixtures_load_without_writing_a_file(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    def no_files(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("an inline fixture was written to a file")

    for name in ("mkstemp", "mkdtemp", "NamedTemporaryFile", "TemporaryFile"):
        monkeypatch.setattr(tempfile, name, no_files)
    status, body = _reload(app, interceptions=0, fixtures=[FIXTURE])
    assert status == 200, body
    assert body["dataset"]["fixtures"] == ["inline-fixtures[0]"]
    assert _owner_count(app) == 1
    status, body = _reload(app, seed=2)  # the inline document stays part of the data set
    assert (status, body["dataset"]["fixtures"]) == (200, ["inline-fixtures[0]"])
    assert _owner_count(app) == 1


def test_a_bad_inline_fixture_is_named_by_its_place_in_the_request(app: Flask) -> None:
    status, body = _reload(app, fixtures=[FIXTURE, {"interceptions": [{"id": "nope"}]}])
    assert (status, body["message"]) == (400, NOT_RELOADED)
    assert body["detail"].startswith("inline-fixtures[1]: $.interceptions[0]")


def test_a_request_body_over_the_limit_is_refused(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("aibridge_mock.server.views.admin.MAX_FIXTURE_BYTES", 64)
    status, body = _reload(app, fixtures=[FIXTURE])
    assert (status, body["message"]) == (413, "Request body too large.")
