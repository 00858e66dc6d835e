"""The provider routes in Flask's URL map: one rule per ServeMux pattern of every instance.

Each rule is its own endpoint of the ``api`` blueprint, so the /api gateway (faults, the licence)
runs first; then coderd's BYOK guard and aibridged's authentication (:mod:`.gateway`), then the
bridged interceptor or the passthrough answer. Go ServeMux patterns without a method take every
method; a pattern ending in ``/`` takes its subtree. Everything else under the prefix stays with
the catch-all (``route not supported``).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from flask import Flask, Response, g, request
from werkzeug.routing import Rule

from aibridge_mock.server.extension import Mock, current_mock
from aibridge_mock.server.providers import chat, messages, passthrough, responses
from aibridge_mock.server.providers.bridge import Call, Services, json_response, open_call
from aibridge_mock.server.providers.gateway import Actor, authenticate, byok_guard
from aibridge_mock.server.providers.instances import Instance, Route, instances_from
from aibridge_mock.server.providers.recorder import Clock, Recorder
from aibridge_mock.server.providers.scripts import ScriptBook, ScriptedAnswer
from aibridge_mock.server.providers.upstream import BuiltinUpstream, Upstream
from aibridge_mock.server.traffic import Traffic
from aibridge_mock.server.views.responses import coder_headers

__all__ = ["authorized_actor", "init_app"]

_INTERCEPTORS: dict[str, Callable[[Call, dict[str, str]], Response]] = {
    "messages": messages.process,
    "chat": chat.process,
    "responses": responses.process,
}


def authorized_actor() -> Actor:
    """coderd's BYOK guard, then aibridged's token check: the actor of this provider request."""
    byok_guard(request.headers, current_mock().config.allow_byok)
    return authenticate(request.headers, g.snapshot.authenticator)


def _below_prefix() -> str:
    """The path below coderd's prefix, as the library sees it: Go's decoded ``r.URL.Path``."""
    path: str = getattr(request, "url_path", request.path)
    return path[len(current_mock().generation.prefix) :]


def _view(instance: Instance, route: Route) -> Callable[..., Response]:
    def view(**_: Any) -> Response:
        actor = authorized_actor()
        path = _below_prefix()
        headers = coder_headers()
        if route.bridged is None:
            return _passthrough(instance, actor, path[len(instance.route_prefix) :], headers)
        services = current_mock().providers
        assert services is not None  # init_app installed them
        call = open_call(
            services, instance, route.bridged, request.method, path, request.path, actor, request.get_data()
        )
        try:
            return _INTERCEPTORS[route.bridged](call, headers)
        except BaseException:
            call.recording.end()  # the interception ends whatever went wrong
            raise

    return view


def _passthrough(instance: Instance, actor: Actor, below: str, headers: dict[str, str]) -> Response:
    """Answered by the built-in upstream, or reverse-proxied to the instance's base URL; never recorded."""
    if not instance.base_url:
        status, body = passthrough.answer(instance, below, request.method, request.get_data())
        return json_response(status, body, headers)
    from aibridge_mock.server.providers.relay import relay_passthrough

    sent = actor.headers
    inject = None  # InjectAuthHeader: the instance key only when the user sent no credential
    if instance.type == "anthropic" and not (sent.get("X-Api-Key") or sent.get("Authorization")):
        inject = ("X-Api-Key", instance.key)
    elif instance.type == "openai" and not sent.get("Authorization"):
        inject = ("Authorization", f"Bearer {instance.key}")
    query = request.query_string.decode("latin-1")
    status, content_type, body = relay_passthrough(
        instance.base_url, below, query, request.method, sent, request.get_data(), inject
    )
    return Response(body, status=status, content_type=content_type or None, headers=headers)


def init_app(app: Flask, mock: Mock, clock: Clock) -> None:
    """Build the provider services of ``mock`` and add one rule per pattern of every instance.

    Raises :class:`~.instances.InstanceError` (Coder's startup error) for a bad configuration.
    """
    instances = instances_from(mock.config.providers, mock.config.seed, os.environ)
    book = ScriptBook()
    traffic = Traffic(mock.runtime, frozenset(i.name for i in instances))

    def seed() -> int:
        return mock.datasets.options.seed

    builtin = BuiltinUpstream(seed, lambda: clock() // 1_000_000)

    def upstream(instance: Instance) -> Upstream:
        if instance.base_url:
            from aibridge_mock.server.providers.relay import RelayUpstream

            return RelayUpstream(instance.base_url)
        return builtin

    def scripted(method: str, path: str, below_prefix: str, model: str) -> ScriptedAnswer | None:
        return book.next_answer(mock.runtime, method, path, below_prefix, model)

    recorder = Recorder(mock.runtime.backend, seed, clock)
    mock.instances, mock.traffic, mock.scripts = instances, traffic, book
    mock.providers = Services(recorder, upstream, traffic.lineage, scripted)
    _add_rules(app, mock.generation.prefix, instances)


def _add_rules(app: Flask, prefix: str, instances: tuple[Instance, ...]) -> None:
    number = 0
    for instance in instances:
        for route in instance.routes():
            view = _view(instance, route)
            paths = [route.pattern, route.pattern + "<path:rest>"] if route.subtree else [route.pattern]
            for path in paths:
                # A subtree root asked for without its slash: Go's ServeMux redirects (301), and the
                # Location it sends lacks coderd's prefix; the mock serves the subtree instead.
                root = route.subtree and path == route.pattern
                rule = Rule(prefix + path, endpoint=f"api.provider_route_{number}", strict_slashes=not root)
                number += 1
                app.url_map.add(rule)
                app.view_functions[rule.endpoint] = view
