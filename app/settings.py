"""One reader of options for every tool: command-line flags over environment variables over defaults.

An options class is a frozen dataclass; each field may carry ``setting(help=..., check=...)``
metadata. From it come the flags (``--max-examples``), their help text naming the variable
(``env AIBRIDGE_MOCK_VERIFY_MAX_EXAMPLES``), and the typed value of each variable. A value that
does not parse or fails its check raises :class:`SettingsError` naming the flag or the variable and
the accepted form, which the CLI prints as one line (exit status 2).

Field types understood: ``bool``, ``int``, ``float``, ``str``, ``Path``, ``tuple[str, ...]`` and
``tuple[Path, ...]`` (several values: space- or comma-separated in a variable), each optionally
``| None``. Nothing here imports more than the standard library.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import types
import typing
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TypeVar

__all__ = ["Check", "SettingsError", "add_arguments", "env_name", "env_values", "resolve", "setting"]

T = TypeVar("T")
Check = Callable[[Any], str | None]  # a problem with a parsed value, in words, or None
_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off", ""})
_META = "aibridge_mock.setting"


class SettingsError(ValueError):
    """A flag or variable whose value cannot be used: ``--port: must be between 1 and 65535 (got 0)``."""

    def __init__(self, source: str, problem: str) -> None:
        super().__init__(f"{source}: {problem}")
        self.source = source
        self.problem = problem


@dataclasses.dataclass(frozen=True)
class _Meta:
    help: str
    check: Check | None
    choices: tuple[str, ...]
    flag: bool
    metavar: str | None


def setting(
    default: Any = dataclasses.MISSING,
    *,
    help: str,
    check: Check | None = None,
    choices: tuple[str, ...] = (),
    flag: bool = True,
    metavar: str | None = None,
    default_factory: Callable[[], Any] | None = None,
) -> Any:
    """A dataclass field that is an option: its help text, an optional check and choices."""
    meta = {_META: _Meta(help, check, choices, flag, metavar)}
    if default_factory is not None:
        return dataclasses.field(default_factory=default_factory, metadata=meta)
    return dataclasses.field(default=default, metadata=meta)


def env_name(prefix: str, name: str) -> str:
    """``AIBRIDGE_MOCK_`` + ``max_examples`` -> ``AIBRIDGE_MOCK_MAX_EXAMPLES``."""
    return prefix + name.upper()


def _fields(cls: type[Any]) -> list[tuple[dataclasses.Field[Any], Any, _Meta | None]]:
    hints = typing.get_type_hints(cls)
    return [(f, hints[f.name], f.metadata.get(_META)) for f in dataclasses.fields(cls)]


def _base_type(hint: Any) -> tuple[Any, bool]:
    """(the type without ``| None``, whether None is allowed)."""
    if isinstance(hint, types.UnionType) or typing.get_origin(hint) is typing.Union:
        args = [a for a in typing.get_args(hint) if a is not type(None)]
        return args[0], True
    return hint, False


def _parse(raw: str, hint: Any, source: str) -> Any:
    """One string (from a flag or a variable) as the field's type."""
    base, optional = _base_type(hint)
    if optional and raw == "":
        return None
    if base is bool:
        lowered = raw.strip().lower()
        if lowered not in _TRUE | _FALSE:
            raise SettingsError(source, f"{raw!r} is not a boolean (use true or false)")
        return lowered in _TRUE
    if base is int:
        try:
            return int(raw.strip())
        except ValueError:
            raise SettingsError(source, f"{raw!r} is not an integer") from None
    if base is float:
        try:
            return float(raw.strip())
        except ValueError:
            raise SettingsError(source, f"{raw!r} is not a number") from None
    if base is Path:
        return Path(raw)
    if typing.get_origin(base) is tuple:
        item = typing.get_args(base)[0]
        parts = [p for p in raw.replace(",", " ").split() if p]
        return tuple(Path(p) if item is Path else p for p in parts)
    return raw


def _checked(value: Any, meta: _Meta | None, source: str) -> Any:
    if meta is None or value is None:
        return value
    if meta.choices and value not in meta.choices:
        raise SettingsError(source, f"{value!r} is not one of {', '.join(meta.choices)}")
    problem = meta.check(value) if meta.check else None
    if problem:
        raise SettingsError(source, f"{problem} (got {value!r})")
    return value


def env_values(cls: type[Any], prefix: str, environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The options of ``cls`` set in the environment, typed and checked, by field name."""
    environ = os.environ if environ is None else environ
    found: dict[str, Any] = {}
    for f, hint, meta in _fields(cls):
        name = env_name(prefix, f.name)
        if name in environ:
            found[f.name] = _checked(_parse(environ[name], hint, name), meta, name)
    return found


def add_arguments(parser: argparse.ArgumentParser, cls: type[Any], prefix: str) -> None:
    """A flag per option of ``cls``; the help text names the variable and the default."""
    for f, hint, meta in _fields(cls):
        if meta is None or not meta.flag:
            continue
        flag = "--" + f.name.replace("_", "-")
        base, _ = _base_type(hint)
        default = _default_text(f)
        help_text = f"{meta.help} (env {env_name(prefix, f.name)}{default})"
        if base is bool:  # --flag for an option that is off by default, --flag/--no-flag otherwise
            action = argparse.BooleanOptionalAction if f.default is True else "store_true"
            parser.add_argument(flag, dest=f.name, action=action, default=None, help=help_text)
        elif typing.get_origin(base) is tuple:
            items = meta.metavar or "VALUE"
            parser.add_argument(flag, dest=f.name, nargs="+", default=None, metavar=items, help=help_text)
        else:
            metavar = None if meta.choices else meta.metavar or f.name.upper()
            choices = meta.choices or None
            parser.add_argument(
                flag, dest=f.name, default=None, metavar=metavar, choices=choices, help=help_text
            )


def _default_text(f: dataclasses.Field[Any]) -> str:
    if f.default is dataclasses.MISSING or f.default in ("", None, ()):
        return ""
    if isinstance(f.default, bool):
        return f", default {'on' if f.default else 'off'}"
    return f", default {f.default}"


def resolve(
    cls: type[T],
    args: argparse.Namespace | None = None,
    prefix: str = "",
    *,
    environ: Mapping[str, str] | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> T:
    """An instance of ``cls``: defaults, then the environment, then flags, then ``overrides``."""
    values = env_values(cls, prefix, environ) if prefix else {}
    for f, hint, meta in _fields(cls):
        given = getattr(args, f.name, None) if args is not None else None
        if given is None:
            continue
        source = "--" + f.name.replace("_", "-")
        if isinstance(given, list):  # several values of a tuple option, each kept whole
            item = typing.get_args(_base_type(hint)[0])[0]
            value: Any = tuple(Path(g) if item is Path else str(g) for g in given)
        else:
            value = given if isinstance(given, bool) else _parse(str(given), hint, source)
        values[f.name] = _checked(value, meta, source)
    values.update(overrides or {})
    return cls(**values)
