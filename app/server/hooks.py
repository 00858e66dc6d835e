"""The request pipeline around the views: each part's step, in one place, in the order it must run.

Flask checks every registered hook (is it a coroutine?) on every request; one hook per phase pays
that once instead of once per part. Before the view, a step may answer early (a preflight, a refused
Host) by returning a response; after it, every step sees the response in turn.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from flask import Flask, Response

__all__ = ["After", "Before", "init_app"]

Before = Callable[[], Response | None]
After = Callable[[Response], Response]


def init_app(app: Flask, before: Sequence[Before], after: Sequence[After]) -> None:
    """Run ``before`` in order ahead of routing's hooks and the view; ``after`` in order behind it."""
    steps, finals = tuple(before), tuple(after)

    def before_request() -> Response | None:
        for step in steps:
            answer = step()
            if answer is not None:
                return answer
        return None

    def after_request(response: Response) -> Response:
        for final in finals:
            response = final(response)
        return response

    app.before_request(before_request)
    app.after_request(after_request)
