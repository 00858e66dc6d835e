"""aibridge-mock: a mock and contract-testing server for the AI Bridge API of Coder.

Three tools share this package and one set of contract files (:mod:`aibridge_mock.schemas`):

- :mod:`aibridge_mock.server`: the mock server (Flask): a seeded data set served as coderd serves it.
- :mod:`aibridge_mock.contract`: the contract suite (schemathesis plus semantic checks) that verifies
  any AI Bridge server over HTTP; it imports nothing from the server.
- :mod:`aibridge_mock.schemagen`: derives the JSON Schemas and OpenAPI documents from Coder's docs.

:mod:`aibridge_mock.testing` is the pytest plugin, and :mod:`aibridge_mock.cli` the console script.
Importing this package imports nothing else. "spec §N" in comments is section N of ``docs/behavior.md``,
how Coder's AI Bridge API behaves (read from Coder's source).
"""

from __future__ import annotations

__version__ = "0.2.0"
