"""Server-sent events: the bytes the bridge writes and a parser for the bytes an upstream sends.

The bridge's writers are those of coder/aibridge: ``event: <type>\\ndata: <json>\\n\\n`` for
Anthropic (``messages/streaming.go`` ``encodeForStream``), ``data: <json>\\n\\n`` for chat
completions; Responses streams are relayed as the upstream wrote them.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

__all__ = ["STREAM_HEADERS", "Event", "data_only", "named", "parse_events"]

# intercept/eventstream/eventstream.go. ``Connection: keep-alive`` is left out: a WSGI application
# may not set hop-by-hop headers (PEP 3333), and HTTP/1.1 keeps the connection open anyway.
STREAM_HEADERS = {
    "Content-Type": "text/event-stream",
    "Cache-Control": "no-cache",
    "X-Accel-Buffering": "no",
}


@dataclass(frozen=True)
class Event:
    """One parsed event: its name (None when the upstream sent no ``event:`` line) and data."""

    name: str | None
    data: str
    raw: bytes  # the event's bytes as received, blank line included


def named(name: str, data: bytes) -> bytes:
    return b"event: " + name.encode() + b"\ndata: " + data + b"\n\n"


def data_only(data: bytes) -> bytes:
    return b"data: " + data + b"\n\n"


def parse_events(chunks: Iterable[bytes]) -> Iterator[Event]:
    """Events of an SSE byte stream, whatever the chunking (lines end in LF, CRLF or CR)."""
    buffer = b""
    for chunk in chunks:
        buffer += chunk
        while True:
            end, size = _event_end(buffer)
            if end < 0:
                break
            raw, buffer = buffer[: end + size], buffer[end + size :]
            event = _parse(raw)
            if event is not None:
                yield event
    if buffer.strip():
        event = _parse(buffer)
        if event is not None:
            yield event


def _event_end(buffer: bytes) -> tuple[int, int]:
    found = [(buffer.find(sep), len(sep)) for sep in (b"\r\n\r\n", b"\n\n", b"\r\r")]
    found = [f for f in found if f[0] >= 0]
    return min(found) if found else (-1, 0)


def _parse(raw: bytes) -> Event | None:
    name: str | None = None
    data: list[str] = []
    for line in raw.decode("utf-8", "replace").splitlines():
        if not line or line.startswith(":"):
            continue
        field, _, value = line.partition(":")
        value = value[1:] if value.startswith(" ") else value
        if field == "event":
            name = value
        elif field == "data":
            data.append(value)
    if name is None and not data:
        return None
    return Event(name, "\n".join(data), raw)
