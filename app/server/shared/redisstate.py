"""The Redis backend (``--state redis://host:6379/0``): the state of every replica behind a load balancer.

Keys live under ``aibridge-mock:<namespace>:``; the namespace is a digest of what shapes the data
(seed, size, anchor, fixtures, generation), so replicas configured alike share one state and a
mock configured otherwise never reads theirs. The settings document and its version are two keys
updated in one optimistic transaction (WATCH/MULTI); the version is read at the start of every
request (one round trip). A record stream is a list whose items are ``"<seq> <json>"`` plus a
counter for the numbers; appending is one Lua script (number, push, trim), atomic in Redis.

Each replica keeps its own copy of the data set (built from the published options, byte for byte
the same from the same seed) in a directory of its machine: only options travel through Redis.
Needs the ``redis`` extra: ``pip install 'aibridge-mock[redis]'``.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

from aibridge_mock.server.shared.backend import Change, Document, Record

__all__ = ["RedisState", "RedisUnavailableError"]

_APPEND = """
local seq = redis.call('INCR', KEYS[1])
redis.call('RPUSH', KEYS[2], seq .. ' ' .. ARGV[1])
local cap = tonumber(ARGV[2])
if cap > 0 then redis.call('LTRIM', KEYS[2], -cap, -1) end
return seq
"""


# Records numbered above ARGV[1] (at most ARGV[2] of them; -1: all) in one round trip: every request
# asks the traffic stream for news, and numbers in a list are consecutive from its first item's.
_READ = """
local first = redis.call('LINDEX', KEYS[1], 0)
if not first then return {} end
local start = math.max(0, tonumber(ARGV[1]) - tonumber(string.match(first, '^%d+')) + 1)
local limit = tonumber(ARGV[2])
return redis.call('LRANGE', KEYS[1], start, limit < 0 and -1 or start + limit - 1)
"""


class RedisUnavailableError(RuntimeError):
    """The redis client is not installed, or the server cannot be reached."""


def _parse(item: bytes) -> Record:
    seq, _, data = item.partition(b" ")
    return int(seq), json.loads(data)


class RedisState:
    """Settings, counters and record streams in Redis; data sets in a local directory."""

    def __init__(self, url: str, namespace: str, data_dir: Path | None = None) -> None:
        try:
            import redis
        except ImportError:
            raise RedisUnavailableError(
                "--state redis:// needs the Redis client: pip install 'aibridge-mock[redis]'"
            ) from None
        self.url = url
        self._client: Any = redis.Redis.from_url(url, socket_timeout=30, socket_connect_timeout=5)
        self._prefix = f"aibridge-mock:{namespace}:"
        self._data_dir = data_dir or Path(tempfile.mkdtemp(prefix="aibridge-mock-datasets-"))
        try:
            self._client.ping()
        except redis.RedisError as exc:
            raise RedisUnavailableError(f"--state {_redacted(url)}: {exc}") from None
        self._append = self._client.register_script(_APPEND)
        self._read = self._client.register_script(_READ)

    @property
    def description(self) -> str:
        return f"Redis at {_redacted(self.url)}, shared by every replica"

    @property
    def data_dir(self) -> Path:
        return self._data_dir

    def _key(self, name: str) -> str:
        return self._prefix + name

    # -- settings -------------------------------------------------------------------------------------

    def version(self) -> int:
        value = self._client.get(self._key("version"))
        return int(value) if value is not None else 0

    def settings(self) -> tuple[int, Document]:
        version, doc = self._client.mget(self._key("version"), self._key("settings"))
        return (int(version) if version else 0), (json.loads(doc) if doc else {})

    def update(self, change: Change) -> tuple[int, Document]:
        import redis

        keys = (self._key("version"), self._key("settings"))
        with self._client.pipeline() as pipe:
            while True:
                try:
                    pipe.watch(*keys)
                    doc = pipe.get(keys[1])
                    new = change(json.loads(doc) if doc else {})
                    pipe.multi()
                    pipe.set(keys[1], json.dumps(new))
                    pipe.incr(keys[0])
                    _, bumped = pipe.execute()
                    return int(bumped), new
                except redis.WatchError:  # another replica's admin call got there first: redo on its result
                    continue

    # -- counters -------------------------------------------------------------------------------------

    def increment(self, name: str) -> int:
        return int(self._client.incr(self._key(f"counter:{name}"))) - 1

    def counter(self, name: str) -> int:
        value = self._client.get(self._key(f"counter:{name}"))
        return int(value) if value is not None else 0

    # -- record streams -------------------------------------------------------------------------------

    def append(self, stream: str, record: Document, cap: int | None = None) -> int:
        keys = [self._key(f"seq:{stream}"), self._key(f"stream:{stream}")]
        return int(self._append(keys=keys, args=[json.dumps(record), cap or 0]))

    def read(self, stream: str, after: int = 0, limit: int | None = None) -> list[Record]:
        if limit is not None and limit <= 0:
            return []
        items = self._read(keys=[self._key(f"stream:{stream}")], args=[after, -1 if limit is None else limit])
        return [_parse(item) for item in items]

    def last(self, stream: str, count: int) -> list[Record]:
        if count <= 0:
            return []
        return [_parse(item) for item in self._client.lrange(self._key(f"stream:{stream}"), -count, -1)]

    def clear(self, stream: str) -> None:
        self._client.delete(self._key(f"stream:{stream}"))

    def close(self) -> None:
        self._client.close()


def _redacted(url: str) -> str:
    """The URL without a password: ``redis://:secret@host`` -> ``redis://:***@host``."""
    scheme, sep, rest = url.partition("://")
    if "@" not in rest:
        return url
    credentials, _, host = rest.rpartition("@")
    user = credentials.split(":", 1)[0]
    return f"{scheme}{sep}{user}:***@{host}"
