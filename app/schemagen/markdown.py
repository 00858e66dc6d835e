"""Parse one generation of Coder's generated ``docs/reference/api/aibridge.md``.

The file reaches us in two textual forms: real markdown (``## List ...``, pipe tables, fenced
JSON) and a web-page rendering of the same markdown (no ``#``, no backticks, tables either as
bare pipe rows or as space-separated words, unfenced JSON), each possibly preceded by the header
of the commit that produced it. :func:`normalise` reduces both forms to one stream of non-empty
lines; :func:`parse` then reads operations out of that stream.
"""

from __future__ import annotations

import http
import itertools
import json
import re
from dataclasses import dataclass, field
from typing import Any

__all__ = ["ApiDoc", "DocsFormatError", "Operation", "Parameter", "ResponseDoc", "normalise", "parse"]

_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_HEADING = re.compile(r"^#+\s+")
_QUOTE = re.compile(r"^>\s*")
_METHOD_LINE = re.compile(r"^(GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS) (/\S*)$")
_EXAMPLE_TITLE = re.compile(r"^(\d{3}) Response$")
_TABLE_RULE = re.compile(r"^\|?[\s|:-]+\|?$")
_COMMIT = re.compile(r"^.+ [0-9a-f]{10} .+$")
# Swagger's "Schema" column: a Go type name, "array of <type>", or an inline/none marker.
_SCHEMA_CELL = re.compile(r"^(?P<desc>.*?)\s*(?P<schema>array of \S+|[\w-]+\.\w+|Inline|none)?$")
_SECTION_ENDS = {"Example responses", "Responses", "Response Schema"}
_PARAM_LOCATIONS = {"query", "path", "header", "cookie", "body"}
# Where the documented path says which server prefix it lives under (v1 was experimental).
_SERVER_PREFIXES = ("/api/v2", "/api/experimental")
_DEFAULT_SERVER = "/api/v2"  # swagger paths without a prefix are relative to basePath /api/v2


class DocsFormatError(ValueError):
    """The docs text does not have the structure of Coder's generated API reference."""


@dataclass(frozen=True)
class Parameter:
    """One row of an operation's Parameters table."""

    name: str
    location: str
    type: str
    required: bool
    description: str


@dataclass(frozen=True)
class ResponseDoc:
    """One row of the Responses table plus its example body, when the docs give one."""

    status: int
    description: str
    schema: str
    example: Any = None
    has_example: bool = False


@dataclass(frozen=True)
class Operation:
    """One documented endpoint."""

    title: str
    method: str
    path: str  # relative to ``server_url``
    server_url: str
    parameters: tuple[Parameter, ...]
    responses: tuple[ResponseDoc, ...]

    @property
    def operation_id(self) -> str:
        """``List AI Bridge session threads`` -> ``listSessionThreads``: the product name is noise."""
        words = [w for w in re.split(r"\W+", self.title) if w and w not in {"AI", "Bridge", "AIBridge"}]
        if not words:
            raise DocsFormatError(f"cannot derive an operationId from title {self.title!r}")
        return words[0].lower() + "".join(w[:1].upper() + w[1:] for w in words[1:])


@dataclass(frozen=True)
class ApiDoc:
    """A parsed generation: its title (used as the OpenAPI tag), commit line and operations."""

    title: str
    commit: str | None
    operations: tuple[Operation, ...] = field(default_factory=tuple)

    @property
    def server_url(self) -> str:
        urls = {op.server_url for op in self.operations}
        if len(urls) != 1:
            raise DocsFormatError(f"operations live under different servers: {sorted(urls)}")
        return urls.pop()


def normalise(text: str) -> list[str]:
    """Strip markdown syntax (headings, fences, quotes, links, backticks) and blank lines."""
    out: list[str] = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("```"):
            continue
        # JSON example lines are kept verbatim: their strings may legitimately contain `[` or `#`.
        if line[0] not in '{}[]"':
            line = _QUOTE.sub("", _HEADING.sub("", line))
            line = _LINK.sub(r"\1", line).replace("`", "").strip()
        if line:
            out.append(line)
    return out


def parse(text: str) -> ApiDoc:
    """Parse the docs text (either form) into operations."""
    lines = normalise(text)
    starts = [i - 1 for i, line in enumerate(lines) if line == "Code samples"]
    if not starts or starts[0] < 1:
        raise DocsFormatError("no operation found (expected a title followed by 'Code samples')")
    # The line before the first operation title is the document title; anything earlier is the
    # header of the upstream commit that produced this version of the file.
    header, title = lines[: starts[0] - 1], lines[starts[0] - 1]
    commit = next((line for line in header if _COMMIT.match(line)), None)
    bounds = [*starts, len(lines)]
    ops = tuple(_operation(lines[a:b]) for a, b in itertools.pairwise(bounds))
    return ApiDoc(title=title, commit=commit, operations=ops)


def _operation(block: list[str]) -> Operation:
    title = block[0]
    match = next((m for m in map(_METHOD_LINE.match, block) if m), None)
    if match is None:
        raise DocsFormatError(f"{title!r}: no 'GET /path' line")
    server, path = _split_server(match.group(2))
    params = tuple(_parameter(title, row) for row in _table(block, "Parameters"))
    examples = _examples(title, block)
    responses = []
    for row in _table(block, "Responses"):
        status, desc, schema = _response_row(title, row)
        responses.append(
            ResponseDoc(status, desc, schema, examples.get(status), has_example=status in examples)
        )
    if not responses:
        raise DocsFormatError(f"{title!r}: no Responses table")
    return Operation(title, match.group(1), path, server, params, tuple(responses))


def _split_server(path: str) -> tuple[str, str]:
    for prefix in _SERVER_PREFIXES:
        if path.startswith(prefix + "/"):
            return prefix, path[len(prefix) :]
    return _DEFAULT_SERVER, path


def _section(block: list[str], name: str) -> list[str]:
    if name not in block:
        return []
    rest = block[block.index(name) + 1 :]
    end = next(
        (i for i, line in enumerate(rest) if line in _SECTION_ENDS or line.startswith("To perform")), None
    )
    return rest[:end]


def _table(block: list[str], name: str) -> list[str]:
    """Data rows of a table: the header row ("Name ..."/"Status ...") and rule rows dropped."""
    rows = _section(block, name)
    if rows and rows[0].lstrip("| ").split(" ", 1)[0] in {"Name", "Status"}:
        rows = rows[1:]
    return [r for r in rows if not _TABLE_RULE.match(r)]


def _cells(row: str, count: int) -> list[str]:
    if "|" in row:
        cells = [c.strip() for c in row.strip().strip("|").split("|")]
    else:  # the space-separated rendering: only the last column may contain spaces
        cells = row.split(None, count - 1)
    return cells


def _parameter(title: str, row: str) -> Parameter:
    cells = _cells(row, 5)
    if len(cells) != 5 or cells[1] not in _PARAM_LOCATIONS or cells[3] not in {"true", "false"}:
        raise DocsFormatError(f"{title!r}: cannot read parameter row {row!r}")
    name, location, type_, required, description = cells
    return Parameter(name, location, type_, required == "true", description)


def _response_row(title: str, row: str) -> tuple[int, str, str]:
    head = row.strip().strip("|").strip().split(None, 1)
    if not head or not head[0].isdigit():
        raise DocsFormatError(f"{title!r}: cannot read response row {row!r}")
    status = int(head[0])
    if "|" in row:
        cells = _cells(row, 4)
        if len(cells) != 4:
            raise DocsFormatError(f"{title!r}: cannot read response row {row!r}")
        return status, cells[2], cells[3]
    # Space-separated: "200 OK OK array of string". The meaning column is the HTTP phrase.
    rest = head[1] if len(head) > 1 else ""
    phrase = http.HTTPStatus(status).phrase
    rest = rest[len(phrase) :].strip() if rest.startswith(phrase) else rest
    cell = _SCHEMA_CELL.match(rest)
    assert cell is not None  # the pattern matches any string
    return status, cell.group("desc"), cell.group("schema") or ""


def _examples(title: str, block: list[str]) -> dict[int, Any]:
    body = _section(block, "Example responses")
    found: dict[int, Any] = {}
    status: int | None = None
    chunk: list[str] = []
    for line in [*body, "000 Response"]:  # sentinel flushes the last example
        match = _EXAMPLE_TITLE.match(line)
        if not match:
            chunk.append(line)
            continue
        if status is not None:
            try:
                found[status] = json.loads("\n".join(chunk))
            except json.JSONDecodeError as exc:
                raise DocsFormatError(f"{title!r}: example for {status} is not JSON: {exc}") from exc
        status, chunk = int(match.group(1)), []
    return found
