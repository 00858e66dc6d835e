"""Byte-level compatibility with the Go standard library that coderd is built on.

Coder answers with Go's ``encoding/json``, formats times with ``time.RFC3339Nano``, quotes values
in error messages with ``%q`` and parses UUIDs with ``github.com/google/uuid``. Clients compare
these bytes and messages, so the mock reproduces them rather than Python's defaults.
"""

from __future__ import annotations

import json
import re
import unicodedata
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from aibridge_mock.server.gostrings import go_bytes, go_text

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# Go's encoder escapes these even with SetEscapeHTML(false) (U+2028/9) or by default (<, >, &).
_GO_ESCAPES = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}


# Go's encoder writes strings as UTF-8 and turns invalid bytes (kept as surrogate escapes here) into
# U+FFFD; its decoder does the same to a lone surrogate escape ("\\ud800") in a JSON document.
_INVALID_BYTES = re.compile("[\ud800-\udfff]")


def encode_json(value: Any) -> bytes:
    """Encode like Go's json.Encoder with SetEscapeHTML(true): compact, one line, trailing newline."""
    text = _GoEncoder.encode(value)
    if any(ch in text for ch in _GO_ESCAPES):
        text = "".join(_GO_ESCAPES.get(ch, ch) for ch in text)
    try:
        return text.encode("utf-8") + b"\n"
    except UnicodeEncodeError:
        return _INVALID_BYTES.sub("\ufffd", text).encode("utf-8") + b"\n"


def go_float(value: float) -> str:
    """strconv.AppendFloat as encoding/json calls it: 'f' form in [1e-6, 1e21), else 'e' with e-7 not e-07."""
    if value != value or value in (float("inf"), float("-inf")):
        raise ValueError(f"json: unsupported value: {value!r}")
    magnitude = abs(value)
    if magnitude != 0 and (magnitude < 1e-6 or magnitude >= 1e21):
        text = repr(value)  # Python's shortest round-trip digits, as Go's -1 precision
        return re.sub(r"e([+-])0(\d)$", r"e\1\2", text)
    text = format(Decimal(repr(value)), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


class _Encoder(json.JSONEncoder):
    """json.JSONEncoder with Go's float format; the C encoder is kept for values without floats."""

    def iterencode(self, o: Any, _one_shot: bool = False) -> Any:
        if not _has_float(o):
            return super().iterencode(o, _one_shot)
        return json.encoder._make_iterencode(  # type: ignore[attr-defined]  # the pure-Python encoder
            {},
            self.default,
            json.encoder.encode_basestring,
            self.indent,
            go_float,
            self.key_separator,
            self.item_separator,
            self.sort_keys,
            self.skipkeys,
            _one_shot,
        )(o, 0)


def _has_float(value: Any) -> bool:
    if isinstance(value, float):
        return True
    if isinstance(value, dict):
        return any(_has_float(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_float(v) for v in value)
    return False


_GoEncoder = _Encoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def sorted_json(value: Any) -> Any:
    """Map keys sorted at every depth, as Go encodes a map[string]any (metadata objects)."""
    if isinstance(value, dict):
        return {k: sorted_json(value[k]) for k in sorted(value)}
    if isinstance(value, list):
        return [sorted_json(v) for v in value]
    return value


def encode_fragment(value: Any) -> bytes:
    """Encode one JSON value without the trailing newline, for splicing into a larger body."""
    return encode_json(value)[:-1]


def format_time(micros: int) -> str:
    """Format microseconds since the epoch as Go's RFC3339Nano in UTC (trailing zeros trimmed)."""
    moment = _EPOCH + timedelta(microseconds=micros)
    text = moment.strftime("%Y-%m-%dT%H:%M:%S")
    fraction = micros % 1_000_000
    if fraction:
        text += "." + f"{fraction:06d}".rstrip("0")
    return text + "Z"


def to_micros(moment: datetime) -> int:
    """Microseconds since the epoch of an aware datetime."""
    delta = moment - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


_QUOTE_CONTROL = {"\a": "\\a", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\v": "\\v"}


def go_quote(value: str) -> str:
    """Quote like Go's strconv.Quote / fmt's %q (printable Unicode kept, the rest escaped)."""
    out = ['"']
    for ch in value:
        if ch in ('"', "\\"):
            out.append("\\" + ch)
        elif "\udc80" <= ch <= "\udcff":
            out.append(f"\\x{ord(ch) - 0xDC00:02x}")  # an invalid UTF-8 byte, kept by surrogateescape
        elif ch in _QUOTE_CONTROL:
            out.append(_QUOTE_CONTROL[ch])
        elif ch == " " or (ch.isprintable() and unicodedata.category(ch) not in ("Zs", "Zl", "Zp")):
            out.append(ch)
        elif ord(ch) < 0x80:
            out.append(f"\\x{ord(ch):02x}")
        elif ord(ch) <= 0xFFFF:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(f"\\U{ord(ch):08x}")
    out.append('"')
    return "".join(out)


class UUIDParseError(ValueError):
    """google/uuid's Parse error, with its exact message."""


_HEX = frozenset(b"0123456789abcdefABCDEF")
_DASH = ord("-")
_DASHED_OFFSETS = (0, 2, 4, 6, 9, 11, 14, 16, 19, 21, 24, 26, 28, 30, 32, 34)


def parse_uuid(text: str) -> str:
    """Parse a UUID the way github.com/google/uuid does; return the canonical lower-case form.

    uuid.Parse works on bytes: lengths count bytes, and a value that is not UTF-8 is simply an
    invalid UUID (``%ff`` is "invalid UUID length: 1").
    """
    raw = go_bytes(text)
    length = len(raw)
    if length == 32:
        digits = raw
    else:
        if length == 36 + 9:
            if raw[:9].lower() != b"urn:uuid:":
                raise UUIDParseError(f"invalid urn prefix: {go_quote(go_text(raw[:9]))}")
            raw = raw[9:]
        elif length == 36 + 2:
            raw = raw[1:]  # google/uuid never checks the braces themselves
        elif length != 36:
            raise UUIDParseError(f"invalid UUID length: {length}")
        if any(raw[i] != _DASH for i in (8, 13, 18, 23)):
            raise UUIDParseError("invalid UUID format")
        digits = b"".join(raw[i : i + 2] for i in _DASHED_OFFSETS)
    if not all(byte in _HEX for byte in digits):
        raise UUIDParseError("invalid UUID format")
    return _canonical(digits.decode("ascii").lower())


def _canonical(hex32: str) -> str:
    return f"{hex32[:8]}-{hex32[8:12]}-{hex32[12:16]}-{hex32[16:20]}-{hex32[20:]}"


NIL_UUID = "00000000-0000-0000-0000-000000000000"  # uuid.Nil: coderd's SQL and handlers read it as "not set"
ZERO_TIME = -62135596800 * 1_000_000  # Go's zero time.Time (0001-01-01T00:00:00Z): also "not set"

RFC3339_NANO = "2006-01-02T15:04:05.999999999Z07:00"


class TimeParseError(ValueError):
    """Go's time.Parse error, with its exact message."""


def parse_rfc3339_nano(value: str) -> int:
    """Parse like Go's time.Parse(time.RFC3339Nano, value) and return UTC microseconds.

    Only the elements of that one layout are implemented, each with Go's error text, so that
    validation details match coderd's byte for byte.
    """
    return _RFC3339Parser(value).parse()


class _RFC3339Parser:
    def __init__(self, value: str) -> None:
        self.original = value
        self.rest = value

    def _fail(self, element: str) -> TimeParseError:
        return TimeParseError(
            f"parsing time {go_quote(self.original)} as {go_quote(RFC3339_NANO)}: "
            f"cannot parse {go_quote(self.rest)} as {go_quote(element)}"
        )

    def _range(self, what: str) -> TimeParseError:
        return TimeParseError(f"parsing time {go_quote(self.original)}: {what} out of range")

    def _literal(self, lit: str) -> None:
        if not self.rest.startswith(lit):
            raise self._fail(lit)
        self.rest = self.rest[len(lit) :]

    def _num(self, element: str, fixed: bool) -> int:
        s = self.rest
        if not s[:1].isascii() or not s[:1].isdigit():
            raise self._fail(element)
        if not (len(s) > 1 and s[1].isascii() and s[1].isdigit()):
            if fixed:
                raise self._fail(element)
            self.rest = s[1:]
            return int(s[0])
        self.rest = s[2:]
        return int(s[:2])

    def parse(self) -> int:
        s = self.rest
        if len(s) < 4 or not all(c.isascii() and c.isdigit() for c in s[:4]):
            raise self._fail("2006")
        year = int(s[:4])
        self.rest = s[4:]
        self._literal("-")
        month = self._num("01", fixed=True)
        if not 1 <= month <= 12:
            raise self._range("month")
        self._literal("-")
        day = self._num("02", fixed=True)
        if not 0 <= day <= 31:
            raise self._range("day")
        self._literal("T")
        hour = self._num("15", fixed=False)
        if not 0 <= hour < 24:
            raise self._range("hour")
        self._literal(":")
        minute = self._num("04", fixed=True)
        if not 0 <= minute < 60:
            raise self._range("minute")
        self._literal(":")
        second = self._num("05", fixed=True)
        if not 0 <= second < 60:
            raise self._range("second")
        micros = self._fraction()
        offset = self._zone()
        if self.rest:
            raise TimeParseError(f"parsing time {go_quote(self.original)}: extra text: {go_quote(self.rest)}")
        try:
            moment = datetime(year, month, day, hour, minute, second, tzinfo=UTC)
        except ValueError:
            raise self._range("day") from None
        return to_micros(moment) + micros - offset * 1_000_000

    def _fraction(self) -> int:
        s = self.rest
        if len(s) < 2 or s[0] not in ".," or not (s[1].isascii() and s[1].isdigit()):
            return 0
        end = 1
        while end < len(s) and s[end].isascii() and s[end].isdigit():
            end += 1
        digits = s[1:end][:9].ljust(9, "0")
        self.rest = s[end:]
        return int(digits) // 1000  # Postgres keeps microseconds

    def _zone(self) -> int:
        s = self.rest
        if s.startswith("Z"):
            self.rest = s[1:]
            return 0
        element = "Z07:00"
        if len(s) < 6 or s[3] != ":" or s[0] not in "+-":
            raise self._fail(element)
        hh, mm = s[1:3], s[4:6]
        if not (hh.isascii() and hh.isdigit() and mm.isascii() and mm.isdigit()):
            raise self._fail(element)
        hours, minutes = int(hh), int(mm)
        if hours > 24:
            raise self._range("time zone offset hour")
        if minutes > 60:
            raise self._range("time zone offset minute")
        self.rest = s[6:]
        sign = 1 if s[0] == "+" else -1
        return sign * (hours * 3600 + minutes * 60)
