"""Every error is Coder's JSON error body with the right status and words (spec 1.1-1.6, 6)."""

from __future__ import annotations

import random
import string
import uuid

from aibridge_mock.contract.checks.errorbody import Expected, Text, expect_error, starts
from aibridge_mock.contract.checks.registry import CheckContext, check
from aibridge_mock.contract.client import ContractClient, Exchange, Params
from aibridge_mock.contract.violations import ErrorBodyViolation
from aibridge_mock.contract.walks import INTERCEPTIONS, SESSIONS, session_path

SIGNED_OUT = "You are signed out or your session has expired. Please sign in again to continue."
INVALID_PARAMS = "Query parameters have invalid values."
INVALID_CURSOR = "Invalid pagination cursor."
LISTS = ("interceptions", "sessions", "models", "clients")
Validations = tuple[tuple[str, Text], ...]


def _get(client: ContractClient, path: str, **params: str | int) -> Exchange:
    query: Params = dict(params)
    return client.get(path, query)


def _lists(ctx: CheckContext) -> list[str]:
    """The paths of the lists this server serves (all four take ParsePagination, spec 1.1)."""
    return [f"/aibridge/{name}" for name in LISTS if ctx.serves(name)]


def _ghost(ctx: CheckContext, name: str) -> str:
    """A random, well-formed UUID no server has, reproducible from the seed."""
    return str(uuid.UUID(int=ctx.rng(name).getrandbits(128), version=4))


def _bad_request(message: str, detail: Text, validations: Validations | None = None) -> Expected:
    return Expected(400, (message,), detail, validations)


@check(
    "error-bad-limit",
    "errors",
    "limit above 1000, negative or not a number, and thread limits outside "
    "1..200, are 400 with Coder's words",
    needs_data=False,
)
def error_bad_limit(ctx: CheckContext) -> None:
    for path in _lists(ctx):
        expect_error(
            ctx,
            _get(ctx.client, path, limit=1001),
            _bad_request("Invalid pagination limit value.", "Pagination limit must be in range (0, 1000]"),
        )
    int_error = 'Query param "limit" must be a valid 32-bit positive integer: '
    bad_values = (("-1", "value is negative"), ("abc", 'strconv.ParseInt: parsing "abc": invalid syntax'))
    for value, detail in bad_values:
        expect_error(
            ctx,
            _get(ctx.client, _lists(ctx)[0], limit=value),
            _bad_request(INVALID_PARAMS, None, (("limit", int_error + detail),)),
        )
    if ctx.facts.sessions and ctx.serves("threads"):
        session = str(ctx.facts.sessions[0]["id"])
        for value in ("0", "201", "x"):
            expect_error(
                ctx,
                _get(ctx.client, session_path(session), limit=value),
                _bad_request("Invalid limit query parameter.", "Limit must be between 1 and 200."),
            )


@check(
    "error-cursor-with-offset",
    "errors",
    "a cursor with a non-zero offset, or after_id with before_id, is 400",
)
def error_cursor_with_offset(ctx: CheckContext) -> None:
    both = "Cannot use both {} and offset pagination in the same request."
    if ctx.facts.sessions:
        session = str(ctx.facts.sessions[0]["id"])
        expect_error(
            ctx,
            _get(ctx.client, SESSIONS.path, after_session_id=session, offset=1),
            _bad_request(INVALID_PARAMS, both.format("after_session_id")),
        )
    # v1's parser never read offset (spec 1.2): whether it then refused the pair is not known.
    interceptions = [i for i in ctx.facts.interceptions[:1] if isinstance(i.get("id"), str)]
    if interceptions and ctx.era.offset_honoured:
        interception = str(interceptions[0]["id"])
        expect_error(
            ctx,
            _get(ctx.client, INTERCEPTIONS.path, after_id=interception, offset=1),
            _bad_request(INVALID_PARAMS, both.format("after_id")),
        )
    for session_id, threads in list(ctx.facts.threads.items())[:1]:
        path = session_path(session_id)
        expect_error(
            ctx,
            _get(ctx.client, path, after_id=threads[0], before_id=threads[-1]),
            _bad_request("Cannot use both after_id and before_id in the same request.", None),
        )


def _unknown_interception_cursor(ctx: CheckContext, ghost: str) -> None:
    """400 naming the cursor; H1-H3 (v1..v3) let the failed lookup become a 500 (spec 1.2 step 5)."""
    ex = _get(ctx.client, INTERCEPTIONS.path, after_id=ghost)
    if ctx.era.unknown_cursor_500 and ex.status == 500:
        want = Expected(500, ("Internal error getting AI Bridge interceptions.",), starts("get aibridge"))
        expect_error(ctx, ex, want)
        return
    not_found = f"after_id: interception {ghost} not found: invalid pagination cursor"
    expect_error(ctx, ex, _bad_request(INVALID_CURSOR, not_found))


@check("error-unknown-cursor", "errors", "unknown or malformed cursors are 400 naming the cursor")
def error_unknown_cursor(ctx: CheckContext) -> None:
    ghost = _ghost(ctx, "error-unknown-cursor")
    name = "no-such-session-" + ghost[:8]
    if ctx.serves("sessions"):
        expect_error(
            ctx,
            _get(ctx.client, SESSIONS.path, after_session_id=name),
            _bad_request(
                "Query parameter has invalid value.", f'after_session_id: session "{name}" not found'
            ),
        )
    not_found = "{}: interception {} not found: invalid pagination cursor"
    if ctx.facts.interceptions_served:
        _unknown_interception_cursor(ctx, ghost)
        expect_error(
            ctx,
            _get(ctx.client, INTERCEPTIONS.path, after_id="nope"),
            _bad_request(
                INVALID_PARAMS, None, (("after_id", 'Query param "after_id" must be a valid uuid'),)
            ),
        )
    if not (ctx.facts.sessions and ctx.serves("threads")):
        return
    session = session_path(str(ctx.facts.sessions[0]["id"]))
    for param in ("after_id", "before_id"):
        expect_error(
            ctx,
            _get(ctx.client, session, **{param: ghost}),
            _bad_request(INVALID_CURSOR, not_found.format(param, ghost)),
        )
        expect_error(
            ctx,
            _get(ctx.client, session, **{param: "abc"}),
            _bad_request(f"Invalid {param} query parameter.", "invalid UUID length: 3"),
        )
    owned = list(ctx.facts.threads.items())
    if len(owned) >= 2:
        (first, _), (_, others) = owned[0], owned[1]
        expect_error(
            ctx,
            _get(ctx.client, session_path(first), after_id=others[0]),
            _bad_request(
                INVALID_CURSOR,
                f"after_id: interception {others[0]} does not belong to session {first}: "
                "invalid pagination cursor",
            ),
        )


def _unknown(key: str) -> Validations:
    return ((key, f'"{key}" is not a valid query param'),)


def _q_cases(ctx: CheckContext) -> list[tuple[str, str, str | tuple[str, ...], Validations]]:
    """(path, q, message or messages, validations): the spec's own examples of bad ``q`` (section 2)."""
    # The "AI Gateway" renaming (PR #26475) is a newer server, not a violation, unless strict.
    products = ("AI Bridge",) if ctx.strict else ("AI Bridge", "AI Gateway")
    models = tuple(f"Invalid {p} models search query." for p in products)
    clients = tuple(f"Invalid {p} clients search query." for p in products)
    sessions, workspace = "Invalid session search query.", "Invalid workspace search query."
    one_colon: Validations = (("q", "Query element \"a:b:c\" can only contain 1 ':'"),)
    twice = (
        'Query param "model" provided more than once, found 2 times. Only provide 1 instance of this '
        "query param."
    )
    order = (
        'Query param "started_before" has invalid value: "started_before" must be after "started_after" '
        "if set"
    )
    nobody = (
        'Query param "initiator" has invalid value: user "no-such-user-x9" either does not exist, or '
        "you are unauthorized to view them"
    )
    session_cases: list[tuple[str, str, str | tuple[str, ...], Validations]] = [
        (SESSIONS.path, "bare", sessions, (("q", "no search key specified"),)),
        (SESSIONS.path, "foo:bar", sessions, _unknown("foo")),
        (SESSIONS.path, "a:b:c", sessions, one_colon),
        (SESSIONS.path, ":x", sessions, (("q", "Query element \":x\" cannot start or end with ':'"),)),
        (SESSIONS.path, "model:a model:b", sessions, (("model", twice),)),
        (
            SESSIONS.path,
            'started_after:"2025-01-01"',
            sessions,
            (("started_after", starts('Query param "started_after" must be a valid date format')),),
        ),
        (
            SESSIONS.path,
            'started_after:"2025-01-02T00:00:00Z" started_before:"2025-01-01T00:00:00Z"',
            sessions,
            (("started_before", order),),
        ),
        (SESSIONS.path, "initiator:no-such-user-x9", sessions, (("initiator", nobody),)),
    ]
    cases = session_cases if ctx.serves("sessions") else []
    if ctx.serves("models"):
        cases.append(("/aibridge/models", "provider:openai", models, _unknown("provider")))
    if ctx.serves("clients"):
        cases.append(("/aibridge/clients", "model:x", clients, _unknown("model")))
    if ctx.facts.interceptions_served:
        cases += [
            (INTERCEPTIONS.path, "foo:bar", workspace, _unknown("foo")),
            (INTERCEPTIONS.path, "session_id:x", workspace, _unknown("session_id")),
            (INTERCEPTIONS.path, "a:b:c", workspace, one_colon),
        ]
    return cases


@check(
    "error-bad-q",
    "errors",
    "malformed q (bare terms on sessions, unknown keys, bad times, unknown "
    "users, duplicates) is 400 with per-field validations",
    needs_data=False,
)
def error_bad_q(ctx: CheckContext) -> None:
    for path, q, message, validations in _q_cases(ctx):
        messages = (message,) if isinstance(message, str) else message
        expect_error(ctx, _get(ctx.client, path, q=q), Expected(400, messages, None, validations))


@check(
    "error-unknown-session",
    "errors",
    'an unknown session id is 404 {"message":"Session not found."}',
    needs=("threads",),
    needs_data=False,
)
def error_unknown_session(ctx: CheckContext) -> None:
    for session_id in (_ghost(ctx, "error-unknown-session"), "not-a-session"):
        expect_error(
            ctx, _get(ctx.client, session_path(session_id)), Expected(404, ("Session not found.",), None)
        )


def _endpoints(ctx: CheckContext) -> list[str]:
    if not ctx.serves("threads"):
        return _lists(ctx)
    session = str(ctx.facts.sessions[0]["id"]) if ctx.facts.sessions else "any"
    return [*_lists(ctx), session_path(session)]


@check(
    "error-no-token",
    "errors",
    "every endpoint answers 401 with Coder's body when no token is sent",
    needs_data=False,
)
def error_no_token(ctx: CheckContext) -> None:
    anonymous = ctx.client.with_token(None)
    want = Expected(401, (SIGNED_OUT,), 'Cookie "coder_session_token" or query parameter must be provided.')
    for path in _endpoints(ctx):
        ex = _get(anonymous, path)
        expect_error(ctx, ex, want)
        if ctx.strict and not ex.headers.get("www-authenticate", "").startswith('Bearer realm="coder"'):
            raise ErrorBodyViolation(
                'a 401 must carry WWW-Authenticate: Bearer realm="coder" (spec 6)', request=ex.curl, path="$"
            )


def _bad_tokens(ctx: CheckContext) -> list[tuple[str, Text]]:
    rng = random.Random(ctx.seed)
    alphabet = string.ascii_letters + string.digits
    ghost = "".join(rng.choices(alphabet, k=10)) + "-" + "".join(rng.choices(alphabet, k=22))
    tokens: list[tuple[str, Text]] = [
        ("not-a-token-at-all", starts("Invalid API key format: ")),
        ("abc", "Invalid API key format: incorrect amount of API key parts, expected 2 got 1"),
        (ghost, "API key is invalid."),
    ]
    key_id, _, secret = (ctx.client.token or "").partition("-")
    if len(key_id) == 10 and len(secret) == 22:
        tokens.append((f"{key_id}-{''.join(rng.choices(alphabet, k=22))}", "API key secret is invalid."))
    return tokens


@check(
    "error-bad-token",
    "errors",
    "malformed, unknown and wrong-secret tokens are 401 with the matching detail",
    needs_data=False,
)
def error_bad_token(ctx: CheckContext) -> None:
    for token, detail in _bad_tokens(ctx):
        bad = ctx.client.with_token(token)
        for path in _endpoints(ctx):
            expect_error(ctx, _get(bad, path), Expected(401, (SIGNED_OUT,), detail))
