"""The Host check of a mock listening on loopback: what keeps a DNS-rebinding page out.

A page on ``evil.example`` can point its own name at 127.0.0.1 and then read, from the developer's
browser, whatever the mock answers at ``http://evil.example:8080/`` (the 401's ``WWW-Authenticate``
even names that URL). The browser cannot lie about the name: it sends ``Host: evil.example``. So a
mock bound to a loopback address answers only requests whose Host is a loopback name or address
(``localhost`` and its subdomains, 127.0.0.0/8, ``[::1]``) or matches ``--allowed-hosts`` (for
example a reverse proxy's name), and refuses the rest with 403 and a body that says how to allow
it. Bound to any other interface (a container), every Host is served. A request without a Host
header (HTTP/1.0) comes from no browser and is served.
"""

from __future__ import annotations

import fnmatch
import ipaddress
from functools import lru_cache

from flask import request

from aibridge_mock.server.errors import ApiError
from aibridge_mock.server.extension import current_mock
from aibridge_mock.server.gocompat import go_quote

__all__ = ["check_host", "host_allowed", "host_name", "is_loopback"]


def is_loopback(address: str) -> bool:
    """Whether a listening address (``--host``) or a Host name is loopback-only."""
    name = address.strip().lower().rstrip(".")
    if name == "localhost" or name.endswith(".localhost"):  # RFC 6761: never leaves the machine
        return True
    try:
        ip = ipaddress.ip_address(name.removeprefix("[").removesuffix("]"))
    except ValueError:
        return False
    mapped = getattr(ip, "ipv4_mapped", None)
    return bool(ip.is_loopback or (mapped is not None and mapped.is_loopback))


def host_name(header: str) -> str:
    """The name of a Host header, without its port, lower-cased (an IPv6 address keeps its brackets)."""
    value = header.strip().lower()
    if value.startswith("["):
        end = value.find("]")
        return value[: end + 1] if end > 0 else value
    name, colon, port = value.rpartition(":")
    return name if colon and ":" not in name and (port == "" or port.isdigit()) else value


@lru_cache(maxsize=1024)  # a request's Host is one of a handful; hostile variety only evicts
def host_allowed(header: str, patterns: tuple[str, ...]) -> bool:
    """Whether a mock on loopback serves a request with this Host header."""
    name = host_name(header)
    return is_loopback(name) or any(fnmatch.fnmatchcase(name, p.lower()) for p in patterns)


def check_host() -> None:
    """Refuse a foreign Host when the mock listens on a loopback address only (the step is then added)."""
    header = request.environ.get("HTTP_HOST")
    if header is None:
        return
    config = current_mock().config
    if host_allowed(header, config.allowed_hosts):
        return
    raise ApiError(
        403,
        "Host not allowed.",
        f"This mock listens on {config.host} and answers requests for loopback names only (localhost, "
        f"127.0.0.1, [::1]), so that a web page cannot read it through DNS rebinding; the Host "
        f"{go_quote(header)} is not one. Allow a name with --allowed-hosts or AIBRIDGE_MOCK_ALLOWED_HOSTS.",
    )
