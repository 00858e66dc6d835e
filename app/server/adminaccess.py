"""What the admin API may do on this server: the token it takes and the fixture files it may read.

The admin API can reseed the data, inject faults and read the journal, so whoever holds its token
controls the mock. Its token is:

- the operator's (``--admin-token`` / ``AIBRIDGE_MOCK_ADMIN_TOKEN``) when given;
- else, on a loopback address, one derived from the seed, so that a test suite on the same machine
  can compute it (``aibridge-mock personas`` and the pytest plugin do);
- else (the mock is reachable from other machines, e.g. bound to 0.0.0.0 in a container) a random
  one, new at every start and printed in the banner: anyone could compute a seed's token.

Fixture files named in ``POST /__admin/dataset`` must lie in a directory the operator allowed at
start (``--admin-fixture-dir``, or the directories of ``--fixtures``), and are read only if they are
regular files of at most :data:`MAX_FIXTURE_BYTES` (:mod:`aibridge_mock.server.dataset.sources`).
"""

from __future__ import annotations

import secrets
import threading
from dataclasses import replace
from pathlib import Path

from aibridge_mock.server.config import Config
from aibridge_mock.server.dataset.sources import CheckedFile
from aibridge_mock.server.dataset.users import seeded_chars
from aibridge_mock.server.hostcheck import is_loopback

__all__ = ["MAX_FIXTURE_BYTES", "FixtureFileError", "admin_token", "checked_fixture_file", "with_admin_token"]

MAX_FIXTURE_BYTES = 64 * 1024 * 1024  # per fixture file, and per admin request body
_start_token: list[str] = []  # the random token of this process, made once
_start_token_lock = threading.Lock()


def admin_token(config: Config) -> str:
    """The admin API's token (see the module docstring): configured, derived from the seed, or random."""
    if config.admin_token:
        return config.admin_token
    if is_loopback(config.host):
        return "adm_" + seeded_chars(config.seed, "admin-token", 28)
    with _start_token_lock:
        if not _start_token:
            _start_token.append("adm_" + secrets.token_urlsafe(24))
        return _start_token[0]


def with_admin_token(config: Config) -> Config:
    """The configuration with a random per-start token written into it.

    Call it once in the serving process before workers start, and give the workers the result: they
    then share one token even when each builds its own app.
    """
    if config.admin_token or is_loopback(config.host):
        return config
    return replace(config, admin_token=admin_token(config))


class FixtureFileError(ValueError):
    """A fixture path the admin API may not read, in words that name the rule."""


def allowed_fixture_dirs(config: Config) -> tuple[Path, ...]:
    """The directories whose files the admin API may load: --admin-fixture-dir and those of --fixtures."""
    dirs = [d.resolve() for d in config.admin_fixture_dir]
    dirs += [f.resolve().parent for f in config.fixtures]
    return tuple(dict.fromkeys(dirs))


def checked_fixture_file(given: str, config: Config) -> CheckedFile:
    """A fixture file the admin API may read, or :class:`FixtureFileError` naming the rule.

    The path is resolved (``..`` and symbolic links) before the check, and nothing is opened here:
    a file outside the allowed directories is refused the same way whether it exists or not.
    """
    path = Path(given).resolve()
    dirs = allowed_fixture_dirs(config)
    if not dirs:
        raise FixtureFileError(
            f"{given!r}: the admin API reads no fixture files on this mock; start it with "
            "--admin-fixture-dir DIR (AIBRIDGE_MOCK_ADMIN_FIXTURE_DIR), or send the fixture document itself"
        )
    if not any(path.is_relative_to(d) for d in dirs):
        allowed = ", ".join(str(d) for d in dirs)
        raise FixtureFileError(
            f"{given!r} is not inside a directory the admin API may read fixtures from ({allowed}); "
            "allow one with --admin-fixture-dir, or send the fixture document itself"
        )
    return CheckedFile(path, MAX_FIXTURE_BYTES)
