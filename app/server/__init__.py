"""The mock server: Coder's AI Bridge API over a seeded, indexed data set.

Layers, one way (each imports only those below it)::

    serving (banner, busy port)  httpservers (granian, gunicorn)  cli (serve, personas, fixtures, export)
    export (the app's answers, in-process, as a HAR file and MSW handlers)
    app (create_app)  ->  views (routing, auth, the five endpoints, catch-all, admin, health)
    accesslog, journal, sync (request hooks)  pagecache (whole answers per snapshot)
    providers (AI Bridge's provider routes: auth, interceptors, built-in upstream, recorder)
    traffic (recorded provider traffic, read back by every worker and composed with the data set)
    runtime (scenarios, faults, journal)  state (the snapshot served, swapped on reload)
    shared (state shared by workers and replicas: memory, embedded, Redis; published data sets)
    serialize (rows -> Go JSON bytes)  validation (every body against the derived schemas)
    hostcheck (Host on loopback)  adminaccess (admin token, fixture files)  redaction
    searchquery / queryparams / pagination (coderd's parsers)  auth (coderd's API key middleware)
    like (PostgreSQL LIKE, linear)  request (the request as Go reads it: query, raw path, bytes)
    dataset (immutable columns, indexes, sessions; generated or from fixtures; queries take the
             clock's ``now`` in live mode, revealing rows as they end)
    gocompat (Go's JSON, time, %q and UUID formats)  gostrings (Go strings)  errors (Coder's error body)

``create_app`` and ``Config`` are imported on first use, so that the console script can list the
server's subcommands without loading Flask and numpy.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from aibridge_mock.server.app import create_app
    from aibridge_mock.server.config import Config

__all__ = ["Config", "create_app"]


def __getattr__(name: str) -> Any:
    if name == "create_app":
        from aibridge_mock.server.app import create_app

        return create_app
    if name == "Config":
        from aibridge_mock.server.config import Config

        return Config
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
