"""The hostile requests of the negative-input run, generated from a seed: same seed, same requests.

Each case is the exact bytes of one connection: bad ``%`` escapes, NUL bytes, invalid UTF-8 in the
query, the path and headers, a megabyte ``q``, thousands of parameters, long paths, 64 KB headers,
odd methods and versions, pipelined requests and requests that stop half-way.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import quote

API = "/api/v2/aibridge"
LISTS = ("/interceptions", "/sessions", "/models", "/clients")
PARAMS = ("after_id", "limit", "offset", "q", "after_session_id", "before_id", "coder_session_token")
BAD_ESCAPES = ("%", "%z", "%zz", "%f", "%%", "%G0", "%-1", "%%41", "%4", "a%", "%u00e9")
# Invalid UTF-8 (escaped): a lone continuation byte, truncated and overlong sequences, surrogates,
# code points past U+10FFFF, bytes that never occur.
INVALID_UTF8 = (
    "%ff", "%fe", "%80", "%C3%28", "%A0%A1", "%E2%28%A1", "%E2%82%28", "%F0%28%8C%BC",
    "%F8%A1%A1%A1%A1", "%C0%AF", "%ED%A0%80", "%F4%90%80%80", "%C3",
)  # fmt: skip
RAW_INVALID = (b"\xff", b"\xc3\x28", b"\xed\xa0\x80", b"\x80\x80", b"\xfe\xff")
Q_FORMS = ("{}", "initiator:{}", "model:{}", "provider:{}", "client:{}", "session_id:{}", "{}:x", '"{}"')
Q_ALPHABET = " :\"\\%_abcXYZ019-.'é\u2028<>&=+;#/?"


@dataclass(frozen=True)
class Case:
    """One connection's bytes and how many answers to expect."""

    category: str
    name: str
    payload: bytes
    answers: int = 1
    half_close: bool = False
    head: bool = False


def request(
    method: bytes | str,
    target: bytes | str,
    *,
    token: str = "",
    headers: tuple[bytes, ...] = (),
    version: bytes = b"HTTP/1.1",
    host: bytes | None = b"127.0.0.1",
    close: bool = True,
) -> bytes:
    """One request as bytes; str parts are sent as UTF-8."""
    method_b = method.encode() if isinstance(method, str) else method
    target_b = target.encode() if isinstance(target, str) else target
    lines = [method_b + b" " + target_b + b" " + version]
    if host is not None:
        lines.append(b"Host: " + host)
    if token:
        lines.append(b"Coder-Session-Token: " + token.encode())
    lines += list(headers)
    if close:
        lines.append(b"Connection: close")
    return b"\r\n".join(lines) + b"\r\n\r\n"


class Generator:
    """Builds the cases; ``scale`` multiplies the randomly drawn ones (1.0: about 3,000 in all)."""

    def __init__(self, token: str, session_id: str, seed: int = 11, scale: float = 1.0) -> None:
        self.token = token
        self.session_id = session_id
        self.rng = random.Random(seed)
        self.scale = scale

    def _n(self, count: int) -> int:
        return max(1, round(count * self.scale))

    def get(self, category: str, target: bytes | str, name: str = "", **kwargs: object) -> Case:
        target_s = target if isinstance(target, str) else target.decode("latin-1")
        payload = request("GET", target, token=self.token, **kwargs)  # type: ignore[arg-type]
        return Case(category, name or target_s[:120], payload)

    def _endpoint(self) -> str:
        return API + self.rng.choice((*LISTS, f"/sessions/{quote(self.session_id, safe='')}"))

    def cases(self) -> Iterator[Case]:
        yield from self.bad_escapes()
        yield from self.nul_bytes()
        yield from self.utf8_query()
        yield from self.utf8_path()
        yield from self.utf8_headers()
        yield from self.large()
        yield from self.methods()
        yield from self.versions()
        yield from self.pipelining()
        yield from self.half_sent()
        yield from self.hosts()
        yield from self.fuzz_q()

    def bad_escapes(self) -> Iterator[Case]:
        for _ in range(self._n(400)):
            escape, param = self.rng.choice(BAD_ESCAPES), self.rng.choice(PARAMS)
            where = self.rng.choice(("value", "key", "both"))
            key = param + escape if where in ("key", "both") else param
            value = "1" + escape if where in ("value", "both") else "1"
            yield self.get("bad escapes", f"{self._endpoint()}?{key}={value}&limit=5;offset=2")

    def nul_bytes(self) -> Iterator[Case]:
        for _ in range(self._n(150)):
            form = self.rng.choice(Q_FORMS).format("a%00b")
            param = self.rng.choice(PARAMS)
            value = quote(form, safe="%:") if param == "q" else "%00"
            yield self.get("NUL bytes", f"{self._endpoint()}?{param}={value}")
        yield self.get("NUL bytes", f"{API}/sessions/a%00b")
        yield self.get("NUL bytes", b"/api/v2/aibridge/sessions/a\x00b", "raw NUL in the path")

    def utf8_query(self) -> Iterator[Case]:
        for _ in range(self._n(500)):
            bad, param = self.rng.choice(INVALID_UTF8), self.rng.choice(PARAMS)
            value = self.rng.choice(Q_FORMS).format(bad) if param == "q" else bad
            yield self.get("invalid UTF-8 (query)", f"{self._endpoint()}?{param}={value}")
        for raw in RAW_INVALID:
            for param in PARAMS:
                target = f"{self._endpoint()}?{param}=".encode() + raw
                yield self.get("invalid UTF-8 (query)", target, f"raw {raw!r} in {param}")

    def utf8_path(self) -> Iterator[Case]:
        prefixes = (f"{API}/sessions/", f"{API}/", "/api/v2/", "/", "/__admin/", f"{API}/sessions/x/")
        for bad in INVALID_UTF8:
            for prefix in prefixes:
                yield self.get("invalid UTF-8 (path)", prefix + bad)
                yield self.get("invalid UTF-8 (path)", prefix + bad.upper())
        for raw in RAW_INVALID:
            for prefix in prefixes:
                yield self.get("invalid UTF-8 (path)", prefix.encode() + raw, f"raw {raw!r} after {prefix}")

    def utf8_headers(self) -> Iterator[Case]:
        names = (b"Coder-Session-Token", b"Authorization: Bearer", b"X-Api-Key", b"Origin", b"User-Agent")
        for raw in RAW_INVALID:
            for name in names:
                sep = b" " if name.endswith(b"Bearer") else b": "
                header = name + sep + b"abcdefghij-" + raw * 11
                for path in (f"{API}/sessions", f"{API}/nope", "/__admin/state"):
                    payload = request("GET", path, headers=(header,))
                    yield Case("invalid UTF-8 (headers)", f"{name!r} {raw!r} {path}", payload)
            cookie = b"Cookie: coder_session_token=" + raw * 4 + b"; other=" + raw
            yield Case(
                "invalid UTF-8 (headers)", "cookie", request("GET", f"{API}/sessions", headers=(cookie,))
            )

    def large(self) -> Iterator[Case]:
        for endpoint in ("/models", "/clients"):
            for size in (20, 1_000, 10_000):
                wild = "".join(self.rng.choice("%_") for _ in range(size))
                yield self.get(
                    "large", f"{API}{endpoint}?q={quote(wild)}zzz", f"{endpoint} q of {size} % and _"
                )
                yield self.get("large", f"{API}{endpoint}?q={'%25' * size}zzz", f"{endpoint} q of {size} %")
        for size in (10_000, 100_000, 1_000_000):
            yield self.get("large", f"{API}/sessions?q={'a' * size}", f"q of {size:,} bytes")
        for count in (1_000, 10_000, 10_001, 20_000):
            yield self.get("large", f"{API}/interceptions?" + "a=1&" * count + "limit=5", f"{count:,} params")
        for size in (4_096, 65_536, 1_000_000):
            yield self.get("large", f"{API}/sessions/{'x' * size}", f"path of {size:,} bytes")
        for size in (8_192, 65_536):
            yield self.get(
                "large", f"{API}/sessions", f"header of {size:,} bytes", headers=(b"X-Big: " + b"a" * size,)
            )
        many = tuple(b"X-H%d: %s" % (i, b"v" * 100) for i in range(500))
        yield self.get("large", f"{API}/sessions", "500 headers", headers=many)

    def methods(self) -> Iterator[Case]:
        methods = (b"PROPFIND", b"BREW", b"get", b"TRACE", b"CONNECT", b"PATCH", b"PUT", b"DELETE",
                   b"OPTIONS", b"HEAD", b"M" * 1000, b"G\x00T", b"GET GET", b"")  # fmt: skip
        paths = (f"{API}/interceptions", f"{API}/sessions/x", "/healthz", "/__admin/state", "/api/v2/x")
        for method in methods:
            for path in paths:
                payload = request(method, path, token=self.token)
                yield Case("methods", f"{method[:20]!r} {path}", payload, head=method == b"HEAD")

    def versions(self) -> Iterator[Case]:
        target = f"{API}/sessions?limit=1"
        for version in (b"HTTP/1.0", b"HTTP/2.0", b"HTTP/9.9", b"HTTP/1.1x", b"http/1.1", b"HTTP/1", b""):
            for host in (b"127.0.0.1", None):
                yield Case(
                    "versions",
                    f"{version!r} host={host!r}",
                    request("GET", target, version=version, host=host),
                )
        yield Case("versions", "HTTP/0.9", b"GET /healthz\r\n")
        yield Case("versions", "LF line ends", request("GET", "/healthz").replace(b"\r\n", b"\n"))
        yield Case("versions", "absolute form", request("GET", f"http://127.0.0.1{target}", token=self.token))
        yield Case("versions", "OPTIONS *", request("OPTIONS", "*"))

    def pipelining(self) -> Iterator[Case]:
        for _ in range(self._n(40)):
            count = self.rng.randint(2, 5)
            parts = [
                request("GET", self._endpoint() + "?limit=2", token=self.token, close=False)
                for _ in range(count - 1)
            ]
            parts.append(request("GET", "/healthz"))
            yield Case("pipelining", f"{count} requests", b"".join(parts), answers=count)

    def half_sent(self) -> Iterator[Case]:
        full = request("GET", f"{API}/sessions?limit=1", token=self.token)
        for cut in (3, 10, 30, len(full) // 2, len(full) - 3):
            yield Case("half-sent", f"first {cut} bytes", full[:cut], half_close=True)
        post = b'POST /__admin/reset HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100\r\n\r\n{"a"'
        yield Case("half-sent", "body shorter than Content-Length", post, half_close=True)
        chunked = (
            b"POST /__admin/reset HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab"
        )
        yield Case("half-sent", "chunked body cut", chunked, half_close=True)

    def hosts(self) -> Iterator[Case]:
        target = f"{API}/sessions?limit=1"
        for host in (b"evil.example", b"", b"localhost:99999", b"[::1]", b"::1", b"a b", b"h" * 65_536,
                     b"127.0.0.1:8080, evil.example", b"\xff\xfe", b"localhost."):  # fmt: skip
            payload = request("GET", target, token=self.token, host=host)
            yield Case("hosts", f"Host {host[:30]!r}", payload)
        two = request("GET", target, token=self.token, headers=(b"Host: evil.example",))
        yield Case("hosts", "two Host headers", two)

    def fuzz_q(self) -> Iterator[Case]:
        for _ in range(self._n(1_000)):
            text = "".join(self.rng.choice(Q_ALPHABET) for _ in range(self.rng.randint(1, 40)))
            yield self.get("fuzzed q", f"{self._endpoint()}?q={quote(text, safe='')}")
