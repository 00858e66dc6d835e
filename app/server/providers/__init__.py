"""AI Bridge's provider routes, emulated: what AI clients send to ``/api/v2/aibridge/<provider>/...``.

Layers, one way (each imports only those below it)::

    views (the rules in Flask's URL map)  ->  gateway (coderd's BYOK guard, aibridged's token check)
    bridge (one bridged request: parse, link, record the start)  ->  messages / chat / responses
        (one interceptor per wire format: relay the upstream's answer, record what Coder records)
    passthrough (model lists and the like: answered, never recorded)
    upstream (the built-in provider)  ->  answers, conversation, scripts  ->  wire_* (provider bytes)
    recorder (the record stream)  clients (GuessClient, session ids)  credentials  instances  sse

The read side of the recorded traffic (every worker follows the stream and serves it through the
management API) is :mod:`aibridge_mock.server.traffic`.
"""
