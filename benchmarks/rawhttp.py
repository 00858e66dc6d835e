"""A raw HTTP/1.x client for hostile requests: bytes go out exactly as written, answers are parsed by hand.

``http.client`` and ``urllib`` refuse to send most of what the negative-input run needs (bad escapes,
raw non-UTF-8 bytes, odd methods, oversized headers, several requests in one write), so requests are
written to a socket as given, and each answer is parsed from the bytes that come back.
"""

from __future__ import annotations

import socket
import time
from dataclasses import dataclass

MAX_BODY = 4 * 1024 * 1024  # nothing the mock answers is larger; a runaway body counts as a hang


@dataclass(frozen=True)
class Answer:
    """What came back for one request: a status, or why there was none."""

    status: int | None  # None: no (complete) answer
    outcome: str  # "answered", "closed" (closed without an answer), "reset", "timeout"
    head: bytes = b""
    body: bytes = b""
    seconds: float = 0.0


class _Reader:
    """Buffered reads from a socket against one deadline."""

    def __init__(self, sock: socket.socket, deadline: float) -> None:
        self.sock = sock
        self.deadline = deadline
        self.buffer = b""

    def _fill(self) -> bool:
        remaining = self.deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError
        self.sock.settimeout(remaining)
        data = self.sock.recv(65536)
        if not data:
            return False
        self.buffer += data
        return True

    def until(self, marker: bytes) -> bytes | None:
        """Bytes up to and including ``marker``; None if the peer closed first."""
        while marker not in self.buffer:
            if len(self.buffer) > MAX_BODY or not self._fill():
                return None
        index = self.buffer.index(marker) + len(marker)
        found, self.buffer = self.buffer[:index], self.buffer[index:]
        return found

    def exactly(self, size: int) -> bytes | None:
        while len(self.buffer) < size:
            if not self._fill():
                return None
        found, self.buffer = self.buffer[:size], self.buffer[size:]
        return found

    def rest(self) -> bytes:
        while len(self.buffer) <= MAX_BODY and self._fill():
            pass
        found, self.buffer = self.buffer, b""
        return found


def _header(head: bytes, name: bytes) -> bytes | None:
    for line in head.split(b"\r\n")[1:]:
        key, _, value = line.partition(b":")
        if key.strip().lower() == name:
            return value.strip()
    return None


def _chunked(reader: _Reader) -> bytes | None:
    body = b""
    while True:
        line = reader.until(b"\r\n")
        if line is None:
            return None
        size = int(line.split(b";")[0].strip() or b"0", 16)
        if size == 0:
            reader.until(b"\r\n")
            return body
        chunk = reader.exactly(size + 2)
        if chunk is None:
            return None
        body += chunk[:-2]


def _one_answer(reader: _Reader, head_request: bool, started: float) -> Answer:
    while True:
        head = reader.until(b"\r\n\r\n")
        if head is None:
            return Answer(None, "closed", seconds=time.monotonic() - started)
        parts = head.split(b" ", 2)
        status = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else 0
        if 100 <= status < 200:
            continue  # 100 Continue: the real answer follows
        break
    length = _header(head, b"content-length")
    body: bytes | None = b""
    if head_request or status in (204, 304):
        body = b""
    elif (_header(head, b"transfer-encoding") or b"").lower() == b"chunked":
        body = _chunked(reader)
    elif length is not None and length.isdigit():
        body = reader.exactly(int(length))
    else:
        body = reader.rest()
    if body is None:
        return Answer(None, "closed", head, seconds=time.monotonic() - started)
    return Answer(status, "answered", head, body, time.monotonic() - started)


def exchange(
    host: str,
    port: int,
    payload: bytes,
    *,
    answers: int = 1,
    half_close: bool = False,
    head_request: bool = False,
    timeout: float = 10.0,
) -> list[Answer]:
    """Send ``payload`` on a new connection and read up to ``answers`` answers (pipelining: more than 1).

    ``half_close`` shuts the sending side after the payload, as a client that stops half-way does.
    """
    started = time.monotonic()
    deadline = started + timeout
    results: list[Answer] = []
    try:
        with socket.create_connection((host, port), timeout=timeout) as sock:
            try:
                sock.sendall(payload)
                if half_close:
                    sock.shutdown(socket.SHUT_WR)
            except OSError:
                pass  # the server may close on a request it refuses; its answer may still be readable
            reader = _Reader(sock, deadline)
            for _ in range(answers):
                answer = _one_answer(reader, head_request, started)
                results.append(answer)
                if answer.status is None:
                    break
    except TimeoutError:
        results.append(Answer(None, "timeout", seconds=time.monotonic() - started))
    except OSError:
        results.append(Answer(None, "reset", seconds=time.monotonic() - started))
    return results
