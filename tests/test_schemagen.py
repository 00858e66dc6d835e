"""Deriving JSON Schemas and OpenAPI documents from Coder's generated AI Bridge docs."""

from __future__ import annotations

import copy
import filecmp
import json
import re
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from aibridge_mock.schemagen import (
    Derived,
    DocsFormatError,
    OverlayError,
    check_coverage,
    cli_derive,
    default_overlay,
    derive,
    generation_name,
    load_overlay,
    write,
)
from aibridge_mock.schemagen.infer import ComponentBuilder, infer_scalar
from aibridge_mock.schemagen.markdown import normalise, parse
from aibridge_mock.schemas import load_openapi, relax, response_schema

REPO = Path(__file__).resolve().parents[1]
SCHEMAS = REPO / "schemas"
DOCS = SCHEMAS / "docs"
SHARED_DOCS = Path(__file__).resolve().parents[2] / "shared" / "api-docs"
DOC_FILES = {generation_name(p): p for p in sorted(DOCS.glob("*.md"))}
GENERATIONS = sorted(DOC_FILES)

INTERCEPTION: dict[str, Any] = {
    "api_key_id": "key",
    "client": "Claude Code",
    "ended_at": "2026-05-04T09:12:33.123456Z",
    "id": "497f6eca-6276-4993-bfeb-53cbbbba6f08",
    "initiator": {"id": "34d9b688-63ad-46f4-88b5-665c1e7f7824", "username": "alice"},
    "metadata": {},
    "model": "claude-4",
    "provider": "anthropic",
    "provider_name": "anthropic",
    "started_at": "2026-05-04T09:12:30Z",
    "token_usages": [],
    "tool_usages": [],
    "user_prompts": [],
}


@cache
def derived(generation: str) -> Derived:
    return derive(DOC_FILES[generation].read_text(encoding="utf-8"), generation)


def validator(schema: dict[str, Any]) -> Draft202012Validator:
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


def errors(schema: dict[str, Any], body: Any) -> list[str]:
    return sorted(e.json_path for e in validator(schema).iter_errors(body))


def interceptions_schema(generation: str = "v5") -> dict[str, Any]:
    return response_schema(derived(generation).openapi, "/aibridge/interceptions", 200)


# --- committed output ---------------------------------------------------------------------------


def test_all_five_generations_have_a_docs_copy_in_the_repo() -> None:
    assert GENERATIONS == ["v1", "v2", "v3", "v4", "v5"]


@pytest.mark.parametrize("generation", GENERATIONS)
def test_deriving_the_docs_reproduces_the_committed_schemas_byte_for_byte(
    generation: str, tmp_path: Path
) -> None:
    written = write(derived(generation), tmp_path)
    committed = sorted(p.name for p in (SCHEMAS / generation).iterdir())
    assert sorted(p.name for p in written) == committed
    _, mismatch, missing = filecmp.cmpfiles(
        tmp_path / generation, SCHEMAS / generation, committed, shallow=False
    )
    assert (mismatch, missing) == ([], [])


@pytest.mark.parametrize("name", sorted(p.name for p in DOCS.glob("*.md")))
def test_in_repo_docs_copy_equals_the_shared_docs(name: str) -> None:
    if not SHARED_DOCS.is_dir():
        pytest.skip(f"{SHARED_DOCS} not present")
    assert (DOCS / name).read_bytes() == (SHARED_DOCS / name).read_bytes()


def test_committed_files_are_sorted_two_space_json_with_a_trailing_newline() -> None:
    for path in SCHEMAS.glob("v*/*.json"):
        text = path.read_text(encoding="utf-8")
        assert text == json.dumps(json.loads(text), indent=2, sort_keys=True, ensure_ascii=False) + "\n", path


def test_committed_overlay_matches_something_in_some_generation() -> None:
    check_coverage(default_overlay(), (derived(g).applied for g in GENERATIONS))


@pytest.mark.parametrize(("generation", "strictness"), [("v5", "strict"), ("v1", "compatible")])
def test_load_openapi_reads_the_committed_document(generation: str, strictness: str) -> None:
    document = load_openapi(generation, strictness)
    expected = derived(generation).openapi
    assert document == (relax(expected) if strictness == "compatible" else expected)


def test_load_openapi_rejects_unknown_strictness_and_generation() -> None:
    with pytest.raises(ValueError, match="strictness"):
        load_openapi("v5", "lenient")
    with pytest.raises(FileNotFoundError, match="v99"):
        load_openapi("v99")


# --- what each generation documents -------------------------------------------------------------

ALL_OPS = ["getSessionThreads", "listClients", "listInterceptions", "listModels", "listSessions"]


@pytest.mark.parametrize(
    ("generation", "server", "operations", "component", "present", "absent"),
    [
        (
            "v1",
            "/api/experimental",
            ["listInterceptions"],
            "AIBridgeInterception",
            {"initiator"},
            {"client", "api_key_id", "ended_at"},
        ),
        (
            "v1",
            "/api/experimental",
            ["listInterceptions"],
            "AIBridgeListInterceptionsResponse",
            {"total"},
            {"count"},
        ),
        ("v2", "/api/v2", ["listInterceptions"], "AIBridgeListInterceptionsResponse", {"count"}, {"total"}),
        (
            "v2",
            "/api/v2",
            ["listInterceptions"],
            "AIBridgeInterception",
            {"api_key_id", "ended_at"},
            {"client"},
        ),
        (
            "v3",
            "/api/v2",
            ["listInterceptions", "listModels"],
            "AIBridgeInterception",
            {"client"},
            {"provider_name"},
        ),
        ("v4", "/api/v2", ALL_OPS, "AIBridgeInterception", {"client", "provider_name"}, set()),
        ("v4", "/api/v2", ALL_OPS, "AIBridgeSession", {"last_prompt"}, {"last_active_at"}),
        ("v4", "/api/v2", ALL_OPS, "AIBridgeThread", {"agentic_actions"}, {"credential_kind"}),
        ("v5", "/api/v2", ALL_OPS, "AIBridgeSession", {"last_active_at"}, set()),
        ("v5", "/api/v2", ALL_OPS, "AIBridgeThread", {"credential_kind", "credential_hint"}, set()),
        ("v5", "/api/v2", ALL_OPS, "AIBridgeTokenUsage", {"cache_read_input_tokens"}, set()),
    ],
)
def test_each_generation_yields_the_operations_and_fields_it_documents(
    generation: str, server: str, operations: list[str], component: str, present: set[str], absent: set[str]
) -> None:
    document = derived(generation).openapi
    assert document["servers"] == [{"url": server}]
    op_ids = sorted(op["operationId"] for item in document["paths"].values() for op in item.values())
    assert op_ids == sorted(operations)
    fields = set(document["components"]["schemas"][component]["properties"])
    assert present <= fields
    assert not absent & fields


def test_v3_clients_are_missing_but_v4_has_the_session_threads_path() -> None:
    assert "/aibridge/clients" not in derived("v3").openapi["paths"]
    assert "/aibridge/sessions/{session_id}" in derived("v4").openapi["paths"]


def test_session_list_summary_has_no_metadata_but_the_threads_summary_has() -> None:
    components = derived("v5").openapi["components"]["schemas"]
    assert "metadata" not in components["AIBridgeSessionTokenUsageSummary"]["properties"]
    assert "metadata" in components["AIBridgeSessionThreadsTokenSummary"]["properties"]
    assert "metadata" in components["AIBridgeTokenUsageSummary"]["properties"]


def test_parameters_carry_docs_descriptions_and_overlay_bounds() -> None:
    op = derived("v5").openapi["paths"]["/aibridge/sessions"]["get"]
    params = {p["name"]: p for p in op["parameters"]}
    assert params["offset"]["description"] == "Offset pagination (cannot be used with after_session_id)"
    assert params["limit"]["schema"] | {"$comment": ""} == {
        "type": "integer",
        "minimum": 0,
        "maximum": 1000,
        "$comment": "",
    }
    assert params["limit"]["example"] == 5
    assert params["q"]["schema"]["format"] == "coder-search-query"
    threads = derived("v5").openapi["paths"]["/aibridge/sessions/{session_id}"]["get"]
    tparams = {p["name"]: p for p in threads["parameters"]}
    assert (tparams["limit"]["schema"]["minimum"], tparams["limit"]["schema"]["maximum"]) == (1, 200)
    assert tparams["after_id"]["schema"]["format"] == "uuid"
    assert tparams["session_id"]["required"] is True


def test_models_and_clients_document_the_parameters_they_accept_but_the_docs_omit() -> None:
    paths = derived("v5").openapi["paths"]
    for path in ("/aibridge/models", "/aibridge/clients"):
        assert sorted(p["name"] for p in paths[path]["get"]["parameters"]) == ["limit", "offset", "q"]


def test_every_operation_documents_coder_errors_security_and_the_session_link() -> None:
    document = derived("v5").openapi
    assert document["openapi"] == "3.1.0"
    assert document["security"] == [{"CoderSessionToken": []}]
    assert document["components"]["securitySchemes"]["CoderSessionToken"] == {
        "type": "apiKey",
        "in": "header",
        "name": "Coder-Session-Token",
    }
    for item in document["paths"].values():
        assert {"200", "400", "401", "403", "404", "429"} <= set(item["get"]["responses"])
    links = document["paths"]["/aibridge/sessions"]["get"]["responses"]["200"]["links"]
    assert links["GetSessionThreads"] == {
        "operationId": "getSessionThreads",
        "parameters": {"session_id": "$response.body#/sessions/0/id"},
    }
    assert "links" not in derived("v3").openapi["paths"]["/aibridge/interceptions"]["get"]["responses"]["200"]


# --- type inference -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("example", "schema"),
    [
        ("2019-08-24T14:15:22Z", {"type": "string", "format": "date-time"}),
        ("497f6eca-6276-4993-bfeb-53cbbbba6f08", {"type": "string", "format": "uuid"}),
        ("34d9b688-63ad-46f4-88b5-665c1e7f7824", {"type": "string", "format": "uuid"}),
        ("http://example.com", {"type": "string", "format": "uri"}),
        ("string", {"type": "string"}),
        (0, {"type": "integer"}),
        (True, {"type": "boolean"}),
        (None, {}),
    ],
)
def test_example_values_map_to_types(example: Any, schema: dict[str, Any]) -> None:
    assert infer_scalar(example) == schema


def test_objects_become_closed_components_and_maps_stay_free_form() -> None:
    builder = ComponentBuilder()
    example = {
        "count": 0,
        "results": [{"metadata": {"property1": None, "property2": None}, "tags": ["string"], "ok": True}],
    }
    top = builder.top_level(
        "AIBridgeListInterceptionsResponse", "codersdk.AIBridgeListInterceptionsResponse", example, True
    )
    assert top == {"$ref": "#/components/schemas/AIBridgeListInterceptionsResponse"}
    item = builder.components["AIBridgeInterception"]
    assert item["additionalProperties"] is False
    assert item["required"] == ["metadata", "ok", "tags"]
    assert item["properties"]["metadata"] == {"type": "object"}
    assert item["properties"]["tags"] == {"type": "array", "items": {"type": "string"}}


def test_array_of_string_in_the_responses_table_is_an_array_of_strings() -> None:
    builder = ComponentBuilder()
    builder.top_level("AIBridgeListModelsResponse", "array of string", ["string"], True)
    assert builder.components["AIBridgeListModelsResponse"] == {"type": "array", "items": {"type": "string"}}


def test_identical_token_usage_shapes_share_one_component() -> None:
    thread = derived("v5").openapi["components"]["schemas"]["AIBridgeThread"]
    action = derived("v5").openapi["components"]["schemas"]["AIBridgeAgenticAction"]
    ref = {"$ref": "#/components/schemas/AIBridgeTokenUsageSummary"}
    assert thread["properties"]["token_usage"] == action["properties"]["token_usage"] == ref


# --- overlay ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "bad_paths"),
    [
        ({"client": None}, []),
        ({"client": 5}, ["$.results[0].client"]),
        ({"ended_at": None, "api_key_id": None, "metadata": None}, []),
        ({"started_at": None}, ["$.results[0].started_at"]),
        ({"started_at": "2026-05-04T09:12:30"}, ["$.results[0].started_at"]),  # naive time: no offset
        ({"id": "not-a-uuid"}, ["$.results[0].id"]),
        ({"initiator": {"id": "34d9b688-63ad-46f4-88b5-665c1e7f7824", "username": "a", "name": "A"}}, []),
        ({"initiator": {"username": "alice"}}, ["$.results[0].initiator"]),
    ],
)
def test_interception_nullability_and_optional_fields_follow_the_overlay(
    change: dict[str, Any], bad_paths: list[str]
) -> None:
    body = {"count": 1, "results": [INTERCEPTION | change]}
    assert errors(interceptions_schema(), body) == bad_paths


def test_missing_required_id_fails() -> None:
    item = {k: v for k, v in INTERCEPTION.items() if k != "id"}
    assert errors(interceptions_schema(), {"count": 1, "results": [item]}) == ["$.results[0]"]


@pytest.mark.parametrize(("body", "valid"), [(None, True), ([], True), (["gpt-4"], True), ([1], False)])
def test_models_list_may_be_null(body: Any, valid: bool) -> None:
    schema = response_schema(derived("v5").openapi, "/api/v2/aibridge/models", 200)
    assert validator(schema).is_valid(body) is valid


def test_threads_credential_kind_is_an_enum_including_empty() -> None:
    kind = derived("v5").openapi["components"]["schemas"]["AIBridgeThread"]["properties"]["credential_kind"]
    assert kind["enum"] == ["", "byok", "centralized"]


def test_unknown_field_fails_strict_but_passes_relaxed() -> None:
    body = {"count": 1, "results": [INTERCEPTION | {"network_calls": 3}], "next": None}
    strict = interceptions_schema()
    assert errors(strict, body) == ["$", "$.results[0]"]
    assert errors(relax(strict), body) == []
    assert strict["$defs"]["AIBridgeInterception"]["additionalProperties"] is False  # relax copies


def test_metadata_maps_accept_any_keys_even_when_strict() -> None:
    body = {"count": 1, "results": [INTERCEPTION | {"metadata": {"Username": "alice", "n": {"x": 1}}}]}
    assert errors(interceptions_schema(), body) == []


@pytest.mark.parametrize(
    ("body", "valid"),
    [
        ({"message": "Session not found."}, True),
        ({"message": "x", "validations": [{"field": "limit", "detail": "bad"}]}, True),
        ({"detail": "no message"}, False),
        ({"message": "x", "validations": [{"field": "limit"}]}, False),
    ],
)
def test_error_responses_use_the_coder_error_body(body: dict[str, Any], valid: bool) -> None:
    schema = response_schema(derived("v5").openapi, "/aibridge/sessions/abc", 404)
    assert validator(schema).is_valid(body) is valid


def write_overlay(tmp_path: Path, data: dict[str, Any]) -> Path:
    path = tmp_path / "overlay.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def test_overlay_entry_matching_no_generation_is_an_error_naming_file_and_path(tmp_path: Path) -> None:
    data = json.loads((SCHEMAS / "overlay.json").read_text(encoding="utf-8"))
    data["schemas"]["MinimalUser"]["properties"]["avatar_urls"] = {"optional": True, "reason": "§5 typo"}
    path = write_overlay(tmp_path, data)
    overlay = load_overlay(path)
    results = [derive(DOC_FILES[g].read_text(encoding="utf-8"), g, overlay) for g in GENERATIONS]
    with pytest.raises(OverlayError) as info:
        check_coverage(overlay, (r.applied for r in results))
    assert info.value.json_path == "$.schemas.MinimalUser.properties.avatar_urls"
    assert str(path) in str(info.value)


def test_overlay_entry_missing_in_one_generation_is_skipped_there() -> None:
    assert "$.schemas.AIBridgeInterception.properties.client" not in derived("v1").applied
    assert "$.schemas.AIBridgeInterception.properties.client" in derived("v3").applied


@pytest.mark.parametrize(
    ("data", "json_path"),
    [
        (
            {"schemas": {"MinimalUser": {"properties": {"name": {"optional": True}}}}},
            "$.schemas.MinimalUser.properties.name.reason",
        ),
        (
            {"schemas": {"MinimalUser": {"properties": {"name": {"nulable": True, "reason": "§5"}}}}},
            "$.schemas.MinimalUser.properties.name.nulable",
        ),
        (
            {"parameters": {"listModels": {"q": {"schema": [], "reason": "§1.5"}}}},
            "$.parameters.listModels.q.schema",
        ),
        (
            {"parameters": {"listModels": {"q": {"add": {"in": "query"}, "reason": "§1.5"}}}},
            "$.parameters.listModels.q.add",
        ),
        ({"extra": {}}, "$.extra"),
    ],
)
def test_malformed_overlay_entries_are_reported_with_their_json_path(
    tmp_path: Path, data: dict[str, Any], json_path: str
) -> None:
    path = write_overlay(tmp_path, data)
    with pytest.raises(OverlayError) as info:
        load_overlay(path)
    assert info.value.json_path == json_path
    assert str(info.value).startswith(f"{path}: {json_path}: ")


# --- the docs' own examples ---------------------------------------------------------------------

# Swagger writes "string" for every string, including fields that are really enums.
ENUM_PLACEHOLDERS = {"credential_kind": "centralized"}


def fill_enum_placeholders(node: Any) -> Any:
    if isinstance(node, dict):
        return {
            k: ENUM_PLACEHOLDERS.get(k, fill_enum_placeholders(v))
            if v == "string"
            else fill_enum_placeholders(v)
            for k, v in node.items()
        }
    if isinstance(node, list):
        return [fill_enum_placeholders(v) for v in node]
    return node


def docs_examples() -> list[tuple[str, str, Any]]:
    cases = []
    for generation, path in DOC_FILES.items():
        doc = parse(path.read_text(encoding="utf-8"))
        for op in doc.operations:
            for resp in op.responses:
                if resp.has_example:
                    cases.append((generation, op.path, resp.example))
    return cases


@pytest.mark.parametrize(("generation", "path", "example"), docs_examples())
def test_docs_example_bodies_validate_against_the_derived_schemas(
    generation: str, path: str, example: Any
) -> None:
    schema = response_schema(derived(generation).openapi, path, 200)
    assert errors(schema, fill_enum_placeholders(copy.deepcopy(example))) == []


def test_raw_docs_example_fails_only_on_the_enum_placeholder() -> None:
    doc = parse(DOC_FILES["v5"].read_text(encoding="utf-8"))
    (example,) = [
        r.example for op in doc.operations if op.operation_id == "getSessionThreads" for r in op.responses
    ]
    schema = response_schema(derived("v5").openapi, "/aibridge/sessions/{session_id}", 200)
    assert errors(schema, example) == ["$.threads[0].credential_kind"]


# --- parsing both textual forms -----------------------------------------------------------------


def test_markdown_and_web_rendering_normalise_to_the_same_lines() -> None:
    markdown = "# AI Bridge\n## List AI Bridge models\n### Code samples\n`GET /api/v2/aibridge/models`\n"
    rendered = "AI Bridge\n\nList AI Bridge models\n\nCode samples\n\nGET /api/v2/aibridge/models\n"
    assert normalise(markdown) == normalise(rendered)


def render_as_web_text(markdown: str) -> str:
    """What the v3/v4 files look like: no markup, space-separated tables, blank lines between blocks."""
    out = []
    for line in markdown.splitlines():
        if line.startswith("```") or set(line) <= set("|-: "):
            continue
        line = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", line.lstrip("#> ")).replace("`", "")
        if line.startswith("|"):
            line = " ".join(cell.strip() for cell in line.strip("|").split("|"))
        out.append(line + "\n")
    return "\n".join(out)


def test_web_rendering_of_the_latest_docs_derives_the_same_document() -> None:
    rendered = render_as_web_text(DOC_FILES["v5"].read_text(encoding="utf-8"))
    assert "|" not in rendered and "`" not in rendered
    assert derive(rendered, "v5").openapi == derived("v5").openapi


def test_commit_header_is_skipped_and_remembered() -> None:
    doc = parse(DOC_FILES["v4"].read_text(encoding="utf-8"))
    assert doc.title == "AI Bridge"
    assert doc.commit is not None and "fb788530b3" in doc.commit


@pytest.mark.parametrize(
    "row_form",
    [
        "q | query | string | false | Search query |",
        "| `q` | query | string | false | Search query |",
        "q query string false Search query",
    ],
)
def test_parameter_tables_parse_in_every_form(row_form: str) -> None:
    text = (
        "AI Bridge\nList AI Bridge models\nCode samples\nGET /aibridge/models\nParameters\n"
        f'Name In Type Required Description\n{row_form}\nExample responses\n200 Response\n["string"]\n'
        "Responses\nStatus Meaning Description Schema\n200 OK OK array of string\n"
    )
    (op,) = parse(text).operations
    assert [(p.name, p.location, p.type, p.required, p.description) for p in op.parameters] == [
        ("q", "query", "string", False, "Search query")
    ]
    assert (op.operation_id, op.responses[0].schema, op.responses[0].example) == (
        "listModels",
        "array of string",
        ["string"],
    )


def test_text_without_operations_is_rejected() -> None:
    with pytest.raises(DocsFormatError):
        parse("# AI Bridge\nnothing here\n")


# --- CLI ----------------------------------------------------------------------------------------


def test_cli_derive_writes_one_generation_and_prints_a_line_per_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = cli_derive([str(DOC_FILES["v3"]), "--out", str(tmp_path), "--generation", "models"])
    lines = capsys.readouterr().out.splitlines()
    assert code == 0
    assert (tmp_path / "models" / "openapi.json").is_file()
    assert len(lines) == len(list((tmp_path / "models").iterdir()))
    assert all(line.startswith(f"wrote {tmp_path}") for line in lines)


def test_cli_derive_reports_unparsable_docs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    docs = tmp_path / "v9-broken.md"
    docs.write_text("# AI Bridge\n", encoding="utf-8")
    assert cli_derive([str(docs), "--out", str(tmp_path)]) == 1
    assert "no operation found" in capsys.readouterr().err
