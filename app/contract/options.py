"""What to verify and how hard: ``VerifyOptions``, read from flags and ``AIBRIDGE_MOCK_VERIFY_*``.

Light on purpose (the standard library only): the console script builds ``verify``'s flags from it
before knowing whether the ``contract`` extra is installed.
"""

from __future__ import annotations

from dataclasses import dataclass

from aibridge_mock.schemas import GENERATIONS
from aibridge_mock.settings import Check, setting

__all__ = ["CI_PRESET", "DEFAULT_MAX_EXAMPLES", "ENV_PREFIX", "STRICTNESS", "VerifyOptions"]

ENV_PREFIX = "AIBRIDGE_MOCK_VERIFY_"
STRICTNESS = ("compatible", "strict")
DEFAULT_MAX_EXAMPLES = 50
CI_PRESET = {"max_examples": 20, "seed": 1}


def _positive(what: str) -> Check:
    def check(value: float) -> str | None:
        return None if value > 0 else f"{what} must be positive"

    return check


@dataclass(frozen=True)
class VerifyOptions:
    """What to verify and how hard."""

    url: str = setting(
        "", help="the deployment, e.g. https://coder.example.com (/api/v2 or /api/v2/aibridge may follow)"
    )
    token: str = setting("", help="an owner's or auditor's session token (used read-only)")
    member_token: str | None = setting(None, help="a member's token, to check what members may see")
    strictness: str = setting(
        "compatible",
        help="compatible (tolerates newer servers' extra fields and wording) or strict",
        choices=STRICTNESS,
    )
    max_examples: int = setting(
        DEFAULT_MAX_EXAMPLES,
        help=f"schemathesis examples per operation and phase ({CI_PRESET['max_examples']} with --ci)",
        check=_positive("it"),
    )
    seed: int = setting(1, help="seed of generation and sampling")
    rate_limit: str | None = setting(
        None,
        help="request budget such as 400/m (Coder allows 512 per minute and user); default unlimited",
        metavar="N/UNIT",
    )
    generation: str = setting(
        "auto",
        help="the API generation to hold the server to; auto reads it from the routes and records served",
        choices=("auto", *GENERATIONS),
    )
    checks: tuple[str, ...] = setting((), help="run only this check (repeatable)", flag=False)
    timeout: float = setting(30.0, help="seconds per request", check=_positive("the timeout"))

    @property
    def samples(self) -> int:
        """How many sessions or values each semantic check examines."""
        return max(3, self.max_examples // 5)
