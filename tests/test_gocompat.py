"""Unit tests of app.gocompat against the Go standard library's documented outputs."""

from __future__ import annotations

import re

import pytest

from aibridge_mock.server.gocompat import (
    TimeParseError,
    UUIDParseError,
    encode_json,
    format_time,
    go_quote,
    parse_rfc3339_nano,
    parse_uuid,
)
from aibridge_mock.server.gostrings import go_bytes, go_lower, go_text, go_upper, header_text

LAYOUT = '"2006-01-02T15:04:05.999999999Z07:00"'
UUID = "5c3b1f0e-9d7a-4c2b-8e1f-0a9b8c7d6e5f"
# 2026-05-14T09:00:00Z in microseconds since the epoch.
BASE = 1_778_749_200_000_000


@pytest.mark.parametrize(
    ("micros", "text"),
    [
        (0, "1970-01-01T00:00:00Z"),
        (BASE, "2026-05-14T09:00:00Z"),
        (BASE + 500_000, "2026-05-14T09:00:00.5Z"),
        (BASE + 120_000, "2026-05-14T09:00:00.12Z"),
        (BASE + 100, "2026-05-14T09:00:00.0001Z"),
        (BASE + 1, "2026-05-14T09:00:00.000001Z"),
        (BASE + 123_456, "2026-05-14T09:00:00.123456Z"),
        (-1_000_000, "1969-12-31T23:59:59Z"),
    ],
)
def test_format_time_is_rfc3339nano_in_utc_with_trailing_zeros_trimmed(micros: int, text: str) -> None:
    assert format_time(micros) == text


@pytest.mark.parametrize(
    ("value", "quoted"),
    [
        ("plain", '"plain"'),
        ("", '""'),
        ('say "hi"', '"say \\"hi\\""'),
        ("back\\slash", '"back\\\\slash"'),
        ("a\tb\nc\rd", '"a\\tb\\nc\\rd"'),
        ("\a\b\f\v", '"\\a\\b\\f\\v"'),
        ("\x00\x1f\x7f", '"\\x00\\x1f\\x7f"'),
        ("naïve 日本 🙂", '"naïve 日本 🙂"'),
        ("\u00a0", '"\\u00a0"'),  # no-break space is not printable for Go
        ("\u200b\u2028", '"\\u200b\\u2028"'),
        ("\U000e0001", '"\\U000e0001"'),
    ],
)
def test_go_quote_matches_strconv_quote(value: str, quoted: str) -> None:
    assert go_quote(value) == quoted


@pytest.mark.parametrize(
    "text",
    [
        UUID,
        UUID.upper(),
        "{" + UUID + "}",
        "(" + UUID + ")",  # google/uuid never looks at the wrapping characters
        "urn:uuid:" + UUID,
        "URN:UUID:" + UUID,
        UUID.replace("-", ""),
        UUID.replace("-", "").upper(),
    ],
)
def test_parse_uuid_accepts_every_google_uuid_form(text: str) -> None:
    assert parse_uuid(text) == UUID


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("", "invalid UUID length: 0"),
        ("abc", "invalid UUID length: 3"),
        (UUID + "0", "invalid UUID length: 37"),
        (UUID.replace("-", "")[:31], "invalid UUID length: 31"),
        ("é" * 10, "invalid UUID length: 20"),  # lengths count bytes, not characters
        (UUID.replace("-", "_"), "invalid UUID format"),
        ("g" + UUID[1:], "invalid UUID format"),
        ("g" * 32, "invalid UUID format"),
        ("{" + UUID[:-1] + "x}", "invalid UUID format"),
        ("urn:uuix:" + UUID, 'invalid urn prefix: "urn:uuix:"'),
    ],
)
def test_parse_uuid_errors_have_google_uuid_texts(text: str, error: str) -> None:
    with pytest.raises(UUIDParseError) as caught:
        parse_uuid(text)
    assert str(caught.value) == error


@pytest.mark.parametrize(
    ("text", "micros"),
    [
        ("2026-05-14T09:00:00Z", BASE),
        ("2026-05-14T11:00:00+02:00", BASE),
        ("2026-05-14T06:30:00-02:30", BASE),
        ("2026-05-14T09:00:00.5Z", BASE + 500_000),
        ("2026-05-14T09:00:00,5Z", BASE + 500_000),  # Go accepts a comma before the fraction
        ("2026-05-14T09:00:00.123456789Z", BASE + 123_456),  # below microseconds is dropped
        ("2026-05-14T9:00:00Z", BASE),  # the hour may have one digit
    ],
)
def test_parse_rfc3339_nano_accepts_go_forms(text: str, micros: int) -> None:
    assert parse_rfc3339_nano(text) == micros


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("2026-13-01T00:00:00Z", 'parsing time "2026-13-01T00:00:00Z": month out of range'),
        ("2026-00-01T00:00:00Z", 'parsing time "2026-00-01T00:00:00Z": month out of range'),
        ("2026-02-30T00:00:00Z", 'parsing time "2026-02-30T00:00:00Z": day out of range'),
        ("2026-05-14T24:00:00Z", 'parsing time "2026-05-14T24:00:00Z": hour out of range'),
        ("2026-05-14T09:00:00Zjunk", 'parsing time "2026-05-14T09:00:00Zjunk": extra text: "junk"'),
        ("2026-05-14", f'parsing time "2026-05-14" as {LAYOUT}: cannot parse "" as "T"'),
        (
            "2026-05-14 09:00:00Z",
            f'parsing time "2026-05-14 09:00:00Z" as {LAYOUT}: cannot parse " 09:00:00Z" as "T"',
        ),
        (
            "2026-05-14T09:00:00",
            f'parsing time "2026-05-14T09:00:00" as {LAYOUT}: cannot parse "" as "Z07:00"',
        ),
        (
            "2026-05-14T09:00:00+0200",
            f'parsing time "2026-05-14T09:00:00+0200" as {LAYOUT}: cannot parse "+0200" as "Z07:00"',
        ),
        (
            "2026-05-14T09:00:00 UTC",
            f'parsing time "2026-05-14T09:00:00 UTC" as {LAYOUT}: cannot parse " UTC" as "Z07:00"',
        ),
        (
            "26-05-14T09:00:00Z",
            f'parsing time "26-05-14T09:00:00Z" as {LAYOUT}: cannot parse "26-05-14T09:00:00Z" as "2006"',
        ),
        (
            "2026-5-14T09:00:00Z",
            f'parsing time "2026-5-14T09:00:00Z" as {LAYOUT}: cannot parse "5-14T09:00:00Z" as "01"',
        ),
    ],
)
def test_parse_rfc3339_nano_errors_have_go_texts(text: str, error: str) -> None:
    with pytest.raises(TimeParseError) as caught:
        parse_rfc3339_nano(text)
    assert str(caught.value) == error


@pytest.mark.parametrize(
    ("value", "encoded"),
    [
        ({"b": 1, "a": [True, None]}, b'{"b":1,"a":[true,null]}\n'),
        ("<a href='x'>&</a>", b"\"\\u003ca href='x'\\u003e\\u0026\\u003c/a\\u003e\"\n"),
        ("line\u2028para\u2029", b'"line\\u2028para\\u2029"\n'),
        ("naïve", '"naïve"\n'.encode()),
        (None, b"null\n"),
    ],
)
def test_encode_json_writes_what_go_json_encoder_writes(value: object, encoded: bytes) -> None:
    assert encode_json(value) == encoded


@pytest.mark.parametrize(
    ("value", "encoded"),
    [
        (0.5, b"0.5\n"),
        (87.25, b"87.25\n"),
        (100.0, b"100\n"),  # float64 100 prints without a fraction
        (-0.0, b"-0\n"),
        (1e16, b"10000000000000000\n"),  # 'f' format below 1e21
        (1e21, b"1e+21\n"),
        (1e-7, b"1e-7\n"),  # Go trims the exponent's leading zero
        (1.5e-9, b"1.5e-9\n"),
    ],
)
def test_encode_json_formats_floats_like_go(value: float, encoded: bytes) -> None:
    assert encode_json(value) == encoded


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("\udcff", "invalid UUID length: 1"),  # %ff: one byte, as Go counts it
        ("\udcc3(", "invalid UUID length: 2"),
        ("é" * 18, "invalid UUID format"),  # 36 bytes, not 36 characters
        ("urn:uu\udcff" + "0" * 38, 'invalid urn prefix: "urn:uu\\xff00"'),
    ],
)
def test_parse_uuid_measures_bytes_that_are_not_utf8(text: str, error: str) -> None:
    with pytest.raises(UUIDParseError, match=f"^{re.escape(error)}$"):
        parse_uuid(text)


@pytest.mark.parametrize(
    ("raw", "text", "back"),
    [
        (b"\xff", "\udcff", b"\xff"),
        (b"caf\xc3\xa9", "café", b"caf\xc3\xa9"),
        (b"\xc3(", "\udcc3(", b"\xc3("),
    ],
)
def test_go_strings_keep_every_byte(raw: bytes, text: str, back: bytes) -> None:
    assert go_text(raw) == text
    assert go_bytes(text) == back
    assert go_bytes("\ud800") == "\ufffd".encode()  # a surrogate no byte maps to: Go holds U+FFFD


@pytest.mark.parametrize(
    ("value", "text"),
    [("abc", "abc"), ("\xff\xfe", "\udcff\udcfe"), ("caf\xc3\xa9", "café"), ("\u20ac", "\u20ac")],
)
def test_a_wsgi_header_value_becomes_the_go_string_of_its_bytes(value: str, text: str) -> None:
    assert header_text(value) == text


@pytest.mark.parametrize(
    ("text", "lower", "upper"),
    [
        ("MoDeL", "model", "MODEL"),
        ("\udcffX", "\ufffdx", "\ufffdX"),  # a byte that is not UTF-8 becomes U+FFFD, as strings.Map does
        ("\u0130nitiator", "initiator", "\u0130NITIATOR"),  # unicode.ToLower('İ') is 'i'
        ("straße", "straße", "STRAßE"),  # no one-rune upper case for ß: Go keeps it
        ("2025-01-01t00:00:00z", "2025-01-01t00:00:00z", "2025-01-01T00:00:00Z"),
    ],
)
def test_case_mapping_is_gos_one_rune_to_one_rune(text: str, lower: str, upper: str) -> None:
    assert (go_lower(text), go_upper(text)) == (lower, upper)
