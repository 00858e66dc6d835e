"""``aibridge-mock export``: the mock's answers to a set of requests, for tests that run no server.

The mock runs in-process (Flask's test client), so every body is the mock's exact bytes. Layers::

    options (ExportOptions: flags and AIBRIDGE_MOCK_EXPORT_* variables)
    collect (which requests, for which personas; list pages split into their items)
    har (HAR 1.2: one entry per request)   msw (an MSW handlers module and its TypeScript types)

By default every persona's first page of every list, the detail pages of each session on those
pages (the pages a UI reaches with ``after_id`` and ``before_id``), models and clients. The MSW
module matches requests the way the mock parses them; see ``msw_handlers.js``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from aibridge_mock.server.export.options import ExportOptions
    from aibridge_mock.server.export.run import ExportResult, export

__all__ = ["ExportOptions", "ExportResult", "export"]


def __getattr__(name: str) -> Any:
    # The console script reads ExportOptions to build the flags without importing Flask.
    if name == "ExportOptions":
        from aibridge_mock.server.export.options import ExportOptions

        return ExportOptions
    if name in ("ExportResult", "export"):
        from aibridge_mock.server.export import run

        return getattr(run, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
