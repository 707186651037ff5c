"""The sandbox `Backend` protocol and the name -> backend table (entry point group
`envsdk.sandbox_backends`), read by `Sandbox` and by the `envsdk sandbox` CLI.

A backend is built by a factory that takes `BackendOptions` and returns an object with `name`, `tier`,
`spawn(...)` and `close()`; see "Write a sandbox backend" in docs/sandbox.md.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib.metadata import entry_points
from typing import Callable, Protocol

from .models import Limits
from .process import SandboxProcess

ENTRY_POINT_GROUP = "envsdk.sandbox_backends"
# The built-in backends, also registered in pyproject.toml; listed here too so that a checkout whose
# installed metadata predates a built-in still finds it.
BUILTIN = {
    "embedded": "envsdk_sandbox.embedded:make_embedded",
    "none": "envsdk_sandbox.embedded:make_unisolated",
    "docker": "envsdk_sandbox.docker_backend:make_docker",
    "http": "envsdk_sandbox.http_backend:make_http",
}


@dataclass(frozen=True)
class BackendOptions:
    """What `Sandbox(...)` passes to a backend factory; a backend ignores what does not apply to it.

    tier: None (strongest available) or a backend-specific level; fast: run in a warm forked interpreter;
    python: interpreter path; image: container image; packages: importable names the program may use
    beyond the stdlib ("all" = every installed package; see docs/sandbox.md); urls: a remote backend's servers.
    """

    tier: int | str | None = None
    fast: bool = False
    python: str | None = None
    image: str | None = None
    packages: tuple[str, ...] | str = field(default_factory=tuple)
    urls: tuple[str, ...] = ()  # remote backends (http): the servers' base URLs
    resident: bool | None = None  # embedded tier 1: resident workers (None: where they work), False: per run


class Backend(Protocol):
    """One way of running untrusted programs. `name` and `tier` say what isolation a run really got."""

    name: str
    tier: str

    def spawn(self, code: str | bytes, *, files: dict[str, bytes | str] | None = None,
              limits: Limits | None = None, argv: list[str] | None = None,
              capture_stdout: bool = False) -> SandboxProcess:
        """Start `python3 main.py` (main.py = code) with `files` beside it in a private work dir."""
        ...

    def close(self) -> None:
        """Release every warm process, container, cgroup and scratch dir the backend holds."""
        ...


BackendFactory = Callable[[BackendOptions], Backend]


def backend_table() -> dict[str, str]:
    """Backend name -> "module:factory", built-ins first, then the entry points (which may override)."""
    table = dict(BUILTIN)
    table.update({ep.name: ep.value for ep in entry_points(group=ENTRY_POINT_GROUP)})
    return table


def backend_names() -> list[str]:
    return sorted(backend_table())


def load_backend(name: str) -> BackendFactory:
    """The factory registered under `name`; ValueError naming the known backends otherwise."""
    table = backend_table()
    if name not in table:
        raise ValueError(f"unknown sandbox backend {name!r}: expected one of {', '.join(sorted(table))}")
    module_name, _, attr = table[name].partition(":")
    import importlib

    return getattr(importlib.import_module(module_name), attr)
