"""Run an export: build the data set, ask the mock, write the HAR file and the MSW module."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from aibridge_mock.server import create_app
from aibridge_mock.server.config import Config
from aibridge_mock.server.dataset.users import Persona
from aibridge_mock.server.export.collect import RequestError, collect
from aibridge_mock.server.export.har import har_document
from aibridge_mock.server.export.msw import handlers_module, handlers_types
from aibridge_mock.server.export.options import ExportOptions
from aibridge_mock.server.extension import mock_of
from aibridge_mock.server.gocompat import format_time
from aibridge_mock.settings import SettingsError

__all__ = ["HAR_NAME", "MODULE_NAME", "TYPES_NAME", "ExportResult", "export"]

HAR_NAME = "aibridge-mock.har"
MODULE_NAME = "handlers.js"
TYPES_NAME = "handlers.d.ts"


@dataclass(frozen=True)
class ExportResult:
    """What was written."""

    files: tuple[Path, ...]  # the HAR file, the handlers module, its declarations
    requests: int
    personas: tuple[str, ...]
    description: str  # the data set, in words


def export(options: ExportOptions) -> ExportResult:
    """Write ``aibridge-mock.har``, ``handlers.js`` and ``handlers.d.ts`` into ``options.out``."""
    config = Config(
        seed=options.seed,
        interceptions=options.interceptions,
        anchor=options.anchor,
        fixtures=options.fixtures,
        generation=options.generation,
        access_log=False,
    )
    app = create_app(config)
    mock = mock_of(app)
    snapshot = mock.datasets.snapshot
    assert snapshot is not None  # create_app loads it
    ds = snapshot.dataset
    personas = _chosen(ds.personas, options.persona)
    try:
        collected = collect(app, personas, options.requests)
    except RequestError as exc:
        raise SettingsError("--request", str(exc)) from None
    exchanges = collected.exchanges
    anchor = format_time(ds.identity.anchor)
    description = (
        f"seed {options.seed}, {options.interceptions:,} interceptions, anchor {anchor}, "
        f"generation {options.generation}"
        + (f", fixtures {', '.join(str(f) for f in options.fixtures)}" if options.fixtures else "")
    )
    names = tuple(p.user.username for p in personas)
    header = f"// {description}: {len(exchanges):,} requests as {', '.join(names)}.\n"
    out = options.out
    out.mkdir(parents=True, exist_ok=True)
    har, module, types = out / HAR_NAME, out / MODULE_NAME, out / TYPES_NAME
    har.write_bytes(har_document(exchanges, options.base_url, ds.identity.anchor))
    module.write_bytes(
        handlers_module(
            exchanges, personas, ds.users, ds.provider_names, mock.generation, config.build_version, header
        )
    )
    types.write_bytes(handlers_types())
    return ExportResult((har, module, types), len(exchanges), names, description)


def _chosen(personas: list[Persona], wanted: tuple[str, ...]) -> list[Persona]:
    if not wanted:
        return personas
    chosen = [p for p in personas if p.user.username in wanted or p.user.role in wanted]
    unknown = [w for w in wanted if not any(w in (p.user.username, p.user.role) for p in personas)]
    if unknown:
        names = ", ".join(p.user.username for p in personas)
        raise SettingsError(
            "--persona", f"no persona {unknown[0]!r} (usernames: {names}; roles: owner, auditor, member)"
        )
    return chosen
