"""Go strings in Python: the bytes of a request as coderd's Go code holds them.

A Go string is a sequence of bytes that need not be UTF-8: ``url.ParseQuery`` decodes ``%ff`` to
the byte 0xff, a header carries whatever bytes were sent. The mock keeps such values as ``str`` in
which every byte that is not part of valid UTF-8 is a lone surrogate (Python's ``surrogateescape``:
0xff becomes U+DCFF), so that :func:`go_bytes` gives back exactly the bytes Go would hold. Lengths
that Go counts (UUIDs, API keys) are counted on those bytes; ``%q`` prints them as ``\\xff``
(:func:`aibridge_mock.server.gocompat.go_quote`); Go's JSON encoder writes them as U+FFFD.

Where coderd hands such a value to PostgreSQL as text (a ``model`` filter, a session id), the mock
compares it like any other value: no row holds it, so it matches nothing, and the answer is the one
coderd gives a value no row has (an empty list, ``Session not found.``). PostgreSQL itself would
refuse the bytes (``invalid byte sequence for encoding "UTF8"``, and a NUL byte likewise) and coderd
would answer a 500 carrying the driver's error text; that is UNCONFIRMED (read from the code paths,
not observed) and deliberately not reproduced: issue 11 wants no 500 for invalid UTF-8.
"""

from __future__ import annotations

import re

__all__ = ["go_bytes", "go_lower", "go_text", "go_upper", "header_text"]

_SURROGATES = re.compile("[\ud800-\udfff]")
# unicode.ToLower of U+0130 is "i"; Python's full mapping gives two code points.
_LOWER_SPECIAL = {"\u0130": "i"}


def go_text(raw: bytes) -> str:
    """Bytes as a Go string: UTF-8 where they are UTF-8, a lone surrogate for every other byte."""
    return raw.decode("utf-8", "surrogateescape")


def go_bytes(text: str) -> bytes:
    """The bytes Go holds for a string made by :func:`go_text` (or any ordinary ``str``)."""
    try:
        return text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:  # a surrogate no byte maps to (U+D800-U+DC7F): Go would hold U+FFFD
        return _SURROGATES.sub("\ufffd", text).encode("utf-8", "surrogateescape")


def header_text(value: str) -> str:
    """A WSGI header value (its bytes as Latin-1 characters) as the Go string of the same bytes."""
    if value.isascii():
        return value
    try:
        return go_text(value.encode("latin-1"))
    except UnicodeEncodeError:  # not from a WSGI server (a test client may pass any str): keep it
        return value


def _case(text: str, convert: str) -> str:
    """strings.ToLower / ToUpper: simple (one-to-one) case mapping, invalid bytes become U+FFFD."""
    if text.isascii():
        return text.lower() if convert == "lower" else text.upper()
    out = []
    for ch in text:
        if "\ud800" <= ch <= "\udfff":
            out.append("\ufffd")
            continue
        mapped = _LOWER_SPECIAL.get(ch) if convert == "lower" else None
        if mapped is None:
            mapped = ch.lower() if convert == "lower" else ch.upper()
        # Python applies full case mappings (German sharp s upper-cases to "SS"); Go maps one rune
        # to one rune, and leaves it alone where only a multi-rune mapping exists.
        out.append(mapped if len(mapped) == 1 else ch)
    return "".join(out)


def go_lower(text: str) -> str:
    """Go's strings.ToLower."""
    return _case(text, "lower")


def go_upper(text: str) -> str:
    """Go's strings.ToUpper."""
    return _case(text, "upper")
