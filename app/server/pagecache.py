"""Whole answers of the management views, kept per data set snapshot.

A snapshot is immutable, so an answer is a pure function of the snapshot, the operation, its path
parameters, the raw query string and the caller (their user id and role: ``initiator:me`` and member
visibility depend on them). Repeated requests (a dashboard polling its first page, a load test) then
cost a lookup instead of parsing, querying, splicing 100 records and validating the envelope. Only
200 answers without a contract violation are kept, up to ``MAX_BYTES`` of bodies per snapshot
(least recently used first out); a reload starts with an empty cache because it is a new snapshot.

A data set whose answers depend on the wall clock (a live mode) must not use it: see ``enabled``.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable

from flask import Response

__all__ = ["MAX_BYTES", "PageCache"]

MAX_BYTES = 16 * 1024 * 1024
_Page = tuple[int, bytes, tuple[tuple[str, str], ...]]


class PageCache:
    """A byte-bounded LRU of answers by request key."""

    def __init__(self, max_bytes: int = MAX_BYTES, enabled: bool = True) -> None:
        self.max_bytes = max_bytes
        self.enabled = enabled
        self._pages: OrderedDict[Hashable, _Page] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> Response | None:
        if not self.enabled:
            return None
        with self._lock:
            page = self._pages.get(key)
            if page is None:
                return None
            self._pages.move_to_end(key)
        status, body, headers = page
        return Response(body, status=status, headers=list(headers))

    def put(self, key: Hashable, response: Response, violation_header: str) -> None:
        """Keep ``response`` if it is a plain 200 (not streamed, no violation flagged)."""
        if not self.enabled or response.status_code != 200 or response.is_streamed:
            return
        if violation_header in response.headers:
            return
        body = response.get_data()
        if len(body) > self.max_bytes // 4:
            return
        page = (200, body, tuple(response.headers.items()))
        with self._lock:
            if key in self._pages:
                return
            self._pages[key] = page
            self._bytes += len(body)
            while self._bytes > self.max_bytes:
                _, (_, dropped, _) = self._pages.popitem(last=False)
                self._bytes -= len(dropped)
