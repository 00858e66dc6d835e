"""The package as users install it: its name, its parts, what importing it costs, and the CLI's shape."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from aibridge_mock import cli, schemas

REPO = Path(__file__).resolve().parents[1]
SERVER_DEPENDENCIES = ("flask", "werkzeug", "numpy", "faker", "jsonschema_rs", "gunicorn", "granian", "redis")


def _run_python(code: str) -> str:
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return done.stdout.strip()


def test_pyproject_lists_every_subpackage_of_app_under_its_installed_name() -> None:
    listed = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]
    on_disk = [
        ".".join(("aibridge_mock", *init.parent.relative_to(REPO / "app").parts))
        for init in (REPO / "app").rglob("__init__.py")
    ]
    assert sorted(listed) == sorted(on_disk)


def test_no_top_level_name_other_than_aibridge_mock_is_installed() -> None:
    listed = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]
    assert {name.split(".")[0] for name in listed} == {"aibridge_mock"}


def test_importing_the_package_imports_none_of_the_servers_dependencies() -> None:
    found = _run_python(
        "import sys, aibridge_mock, aibridge_mock.schemas, aibridge_mock.settings, aibridge_mock.contract; "
        f"print(sorted(m for m in {SERVER_DEPENDENCIES!r} if m in sys.modules))"
    )
    assert found == "[]"


def test_the_console_script_builds_its_parser_without_the_servers_dependencies() -> None:
    found = _run_python(
        "import sys; from aibridge_mock.cli import build_parser; build_parser(); "
        f"print(sorted(m for m in {SERVER_DEPENDENCIES!r} if m in sys.modules))"
    )
    assert found == "[]"


def test_the_console_script_has_a_subcommand_per_tool() -> None:
    parser = cli.build_parser()
    subcommands = next(a for a in parser._actions if a.dest == "command").choices  # type: ignore[union-attr]  # argparse's private list of actions is the only way to read subcommands
    assert {"serve", "personas", "fixtures", "verify", "schemas"} <= set(subcommands)


def test_serve_help_names_the_environment_variable_of_every_option(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit):
        cli.main(["serve", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    for name in ("HOST", "PORT", "SEED", "INTERCEPTIONS", "ANCHOR", "FIXTURES", "GENERATION", "WORKERS"):
        assert f"env AIBRIDGE_MOCK_{name}" in text


def test_contract_files_are_found_through_the_package() -> None:
    assert (schemas.schemas_dir() / "v5" / "openapi.json").is_file()
    assert schemas.docs_file("v5").name == "v5-latest.md"
    assert [f.name for f in schemas.example_fixtures()] == ["small.json"]
    assert schemas.fixture_schema()["$schema"].startswith("https://json-schema.org/")
    assert schemas.load_openapi("v1")["servers"][0]["url"] == "/api/experimental"


def test_the_readme_configuration_table_has_a_row_for_every_serve_option() -> None:
    from aibridge_mock.server.config import ENV_PREFIX, Config

    readme = (REPO / "README.md").read_text()
    table = readme[readme.index("## Configuration") :]
    table = table[: table.index("\n## ")]
    missing = [f.name for f in dataclasses.fields(Config) if f"`{ENV_PREFIX}{f.name.upper()}`" not in table]
    assert missing == []
