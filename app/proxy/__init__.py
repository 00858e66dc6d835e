"""The validating, recording proxy: ``aibridge-mock proxy --upstream URL``.

Put in front of a real Coder, it relays every request unchanged (any method, path, headers and
body; streams as they arrive), holds each AI Bridge management answer to the contract of the
generation the upstream serves, and can record what the answers show as a fixture file that
``aibridge-mock serve --fixtures`` replays with the mock's full behaviour.

Layers, one way (each imports only those below it)::

    cli (the subcommand)  ->  serving (detect, banner, gunicorn, summary at exit)
    app (the WSGI flow: forward, check, flag or refuse, record, relay)
    upstream (pooled forwarding, hop-by-hop headers)  checking (which calls, which schemas)
    report (counters, examples)  redact (tokens out of logs and curl lines)  detect (route probes)
    recorder (atomic fixture file)  ->  linking (sessions and threads from answers)
    ->  observations (records seen)  anonymize (deterministic fakes)

It shares with the mock the derived schemas, the response validator, the generations and Go's
time format (:mod:`aibridge_mock.server.validation`, ``generations``, ``gocompat``): modules that
import neither Flask nor numpy.
"""
