"""What a contract check raises.

ContractViolation            the server broke the contract: check name, request (curl), JSON path, message
├── ShapeViolation           a field a check reads is missing or has the wrong type
├── StatusViolation          an unexpected HTTP status
├── ErrorBodyViolation       an error that is not Coder's error body, or says the wrong thing
├── PaginationViolation      ``limit`` not honoured, ``count`` wrong
├── OrderingViolation        items out of the specified order
├── CursorViolation          a cursor walk skipped or repeated items, or disagrees with offsets
├── FilterViolation          an item does not match ``q``, or a matching item is missing
├── ConsistencyViolation     sessions, threads and interceptions disagree
├── PermissionViolation      a member sees what it may not
└── SchemathesisViolation    one of schemathesis' built-in checks failed (code ST...)

CheckSkipped                 not a failure: the server lacks what the check needs
CannotRunError               the suite could not run at all (exit status 2)
├── ServerUnreachableError
├── TokenRejectedError
├── WrongTokenError          a member's token where an owner's is needed, or the other way round
└── NotAIBridgeError
"""

from __future__ import annotations

from typing import ClassVar

__all__ = [
    "CannotRunError",
    "CheckSkipped",
    "ConsistencyViolation",
    "ContractViolation",
    "CursorViolation",
    "ErrorBodyViolation",
    "FilterViolation",
    "NotAIBridgeError",
    "OrderingViolation",
    "PaginationViolation",
    "PermissionViolation",
    "SchemathesisViolation",
    "ServerUnreachableError",
    "ShapeViolation",
    "StatusViolation",
    "TokenRejectedError",
    "WrongTokenError",
]


class ContractViolation(AssertionError):
    """The server broke the contract; ``check`` is filled in by the runner when the check raises."""

    kind: ClassVar[str] = "contract"

    def __init__(self, message: str, *, request: str = "", path: str = "$", check: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.request = request
        self.path = path
        self.check = check

    def __str__(self) -> str:
        where = f" at {self.path}" if self.path and self.path != "$" else ""
        return f"{self.kind}{where}: {self.message}"


class ShapeViolation(ContractViolation):
    kind = "shape"


class StatusViolation(ContractViolation):
    kind = "status"


class ErrorBodyViolation(ContractViolation):
    kind = "error body"


class PaginationViolation(ContractViolation):
    kind = "pagination"


class OrderingViolation(ContractViolation):
    kind = "ordering"


class CursorViolation(ContractViolation):
    kind = "cursor"


class FilterViolation(ContractViolation):
    kind = "filter"


class ConsistencyViolation(ContractViolation):
    kind = "consistency"


class PermissionViolation(ContractViolation):
    kind = "permission"


class SchemathesisViolation(ContractViolation):
    """A failure of a schemathesis built-in check; ``code`` is its ST code (ST108: response schema...)."""

    kind = "schemathesis"

    def __init__(
        self, message: str, *, code: str, title: str, request: str = "", path: str = "$", check: str = ""
    ) -> None:
        super().__init__(message, request=request, path=path, check=check)
        self.code = code
        self.title = title

    def __str__(self) -> str:
        where = f" at {self.path}" if self.path and self.path != "$" else ""
        return f"{self.code} {self.title}{where}: {self.message}"


class CheckSkipped(Exception):
    """The check does not apply to this server (no data, no member token, no /interceptions...)."""


class CannotRunError(Exception):
    """The suite could not run; the message is the one line the CLI prints before exiting with 2."""


class ServerUnreachableError(CannotRunError):
    pass


class TokenRejectedError(CannotRunError):
    pass


class WrongTokenError(CannotRunError):
    pass


class NotAIBridgeError(CannotRunError):
    pass
