"""Exceptions with messages that say what was wrong, where, and what to do."""

from __future__ import annotations

from typing import Any


class EnvsdkError(Exception):
    """Base class of every error envsdk raises on purpose."""


class RowError(EnvsdkError, ValueError):
    """A dataset or verify row that is missing a field or has one of the wrong type."""


class OptionError(EnvsdkError, ValueError):
    """An option or argument value a command or constructor does not accept (bad --k, unknown classifier)."""


class UnknownNameError(EnvsdkError, LookupError):
    """An environment or transform name that no installed package registers."""

    def __init__(self, kind: str, name: str, known: list[str]):
        self.kind, self.name, self.known = kind, name, known
        listed = ", ".join(sorted(known)) or "(none installed)"
        super().__init__(f"unknown {kind} {name!r}; installed {kind}s: {listed}")


class MissingExtraError(EnvsdkError, ImportError):
    """An optional dependency that is not installed; names the extra that provides it."""

    def __init__(self, module: str, extra: str):
        super().__init__(f"{module!r} is not installed; install it with: pip install 'envsdk[{extra}]'")


def require_installed(extra: str, *modules: str) -> None:
    """Check, without importing them, that an extra's modules are installed; a MissingExtraError names the
    extra. Environments call it when they load, so a core install fails once, not row by row."""
    from importlib.util import find_spec

    for module in modules:
        if find_spec(module) is None:
            raise MissingExtraError(module, extra)


def validation_message(exc: Any) -> str:
    """A pydantic ValidationError on one line: `field: message` per error, without pydantic's help URLs."""
    parts = []
    for error in exc.errors(include_url=False):
        where = ".".join(str(part) for part in error["loc"])
        parts.append(f"{where}: {error['msg']}" if where else error["msg"])
    return f"invalid {exc.title}: " + "; ".join(parts)


def require(module: str, extra: str):
    """Import an optional dependency or raise a MissingExtraError naming the extra."""
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise MissingExtraError(module, extra) from exc
