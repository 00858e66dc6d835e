"""Golden response digests for ``Config(seed=7, interceptions=3000)``.

The mock promises that the same seed gives byte-identical responses. tests/test_determinism.py
holds the mock to the digests in tests/golden/seed7.sha256; when the data generator or the
serialiser changes on purpose, regenerate them and commit the file:

    python tests/regen_golden.py
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from flask import Flask

from aibridge_mock.server import create_app
from aibridge_mock.server.config import Config
from aibridge_mock.server.extension import mock_of

GOLDEN = Path(__file__).parent / "golden" / "seed7.sha256"
CONFIG = Config(seed=7, interceptions=3000)
API = "/api/v2/aibridge"
# (persona, path); "{session}" is the newest session, "{thread}" its second thread.
REQUESTS: tuple[tuple[str, str], ...] = (
    ("owner", "/interceptions"),
    ("owner", "/interceptions?limit=1000&offset=1000"),
    ("owner", "/interceptions?q=provider:openai%20model:gpt-5&limit=50"),
    ("owner", '/interceptions?q=started_after:"2026-05-05T00:00:00Z"%20client:Unknown'),
    ("owner", "/sessions"),
    ("owner", "/sessions?limit=1000"),
    ("owner", "/sessions?q=initiator:bob&limit=20&offset=3"),
    ("owner", '/sessions?q=started_before:"2026-05-05T00:00:00Z"%20provider:anthropic'),
    ("owner", "/sessions/{session}"),
    ("owner", "/sessions/{session}?limit=2&after_id={thread}"),
    ("owner", "/models"),
    ("owner", "/models?q=gpt"),
    ("owner", "/clients"),
    ("auditor", "/sessions?limit=5"),
    ("member", "/interceptions"),
    ("member", "/models"),
    ("owner", "/interceptions?limit=abc&offset=-1&after_id=x"),
    ("owner", "/sessions?q=bare"),
    ("none", "/sessions"),
)
PERSONAS = {"owner": 0, "auditor": 1, "member": 2}


def fetch(app: Flask, persona: str, path: str) -> bytes:
    """The body of one GET under /api/v2/aibridge as ``persona`` ("none": no token)."""
    personas = mock_of(app).datasets.snapshot.dataset.personas
    headers = {"Coder-Session-Token": personas[PERSONAS[persona]].token} if persona in PERSONAS else {}
    data: bytes = app.test_client().get(API + path, headers=headers).data
    return data


def resolve(app: Flask, path: str) -> str:
    """Fill the placeholders of a request path from the data set the app serves."""
    if "{session}" not in path:
        return path
    session_id = json.loads(fetch(app, "owner", "/sessions?limit=1"))["sessions"][0]["id"]
    threads = json.loads(fetch(app, "owner", f"/sessions/{session_id}?limit=2"))["threads"]
    return path.replace("{session}", session_id).replace("{thread}", threads[-1]["id"])


def bodies(app: Flask) -> dict[str, bytes]:
    """Response bodies keyed by ``"<persona> <path template>"``."""
    return {f"{persona} {path}": fetch(app, persona, resolve(app, path)) for persona, path in REQUESTS}


def digests(app: Flask) -> dict[str, str]:
    """sha256 of every golden request's body, keyed like :func:`bodies`."""
    return {key: hashlib.sha256(body).hexdigest() for key, body in bodies(app).items()}


def read_golden(path: Path = GOLDEN) -> dict[str, str]:
    """The committed digests: one ``<sha256>  <persona> <path>`` per line."""
    pairs = (line.split("  ", 1) for line in path.read_text(encoding="utf-8").splitlines() if line.strip())
    return {key: digest for digest, key in pairs}


def main() -> None:
    found = digests(create_app(CONFIG))
    GOLDEN.parent.mkdir(parents=True, exist_ok=True)
    GOLDEN.write_text("".join(f"{digest}  {key}\n" for key, digest in found.items()), encoding="utf-8")
    print(f"wrote {len(found)} digests to {GOLDEN}")


if __name__ == "__main__":
    main()
