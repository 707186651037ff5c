"""`Sandbox`: the one entry point for running untrusted Python, whatever the backend."""

from __future__ import annotations

from .models import Limits, RunResult
from .process import SandboxProcess


class Sandbox:
    """Run untrusted Python programs in isolation.

    backend: "embedded" (default; Linux namespaces, no Docker), "docker", or "none" (no isolation,
    explicit opt-in). tier: None = the strongest the machine allows; 1, 2, 3, or "1-fast"/"2-fast".
    fast=True runs programs in a forked warm interpreter (see docs/sandbox.md for what that shares).
    `sb.backend` and `sb.tier` say what you really got.
    """

    def __init__(self, backend: str = "embedded", tier: int | str | None = None, *, fast: bool = False,
                 python: str | None = None, image: str | None = None) -> None:
        if isinstance(tier, str):
            fast = fast or tier.endswith("-fast")
            tier = tier.removesuffix("-fast")
            tier = None if tier in ("", "auto") else int(tier) if tier.isdigit() else tier
        if backend == "docker":
            from .docker_backend import DockerBackend

            self._impl = DockerBackend(image=image)
        elif backend in ("embedded", "none"):
            from .embedded import EmbeddedBackend

            if backend == "none":
                tier = 3
            if tier not in (None, 1, 2, 3):
                raise ValueError(f"unknown tier {tier!r}: expected 1, 2, 3 (optionally '-fast') or None")
            self._impl = EmbeddedBackend(tier=tier, fast=fast, python=python, name=backend)
        else:
            raise ValueError(f"unknown backend {backend!r}: expected 'embedded', 'docker' or 'none'")
        self.backend: str = self._impl.name
        self.tier: str = self._impl.tier

    def run(self, code: str, *, stdin: bytes | str = b"", files: dict[str, bytes | str] | None = None,
            limits: Limits | None = None, argv: list[str] | None = None) -> RunResult:
        """Run `python3 main.py` (main.py = code, `files` beside it) in a private work dir."""
        proc = self._impl.spawn(code, files=files, limits=limits, argv=argv, capture_stdout=True)
        return proc.communicate(stdin.encode() if isinstance(stdin, str) else bytes(stdin))

    def spawn(self, code: str, *, files: dict[str, bytes | str] | None = None, limits: Limits | None = None,
              argv: list[str] | None = None) -> SandboxProcess:
        """Start the program with the same isolation and hand back its pipes (see SandboxProcess)."""
        return self._impl.spawn(code, files=files, limits=limits, argv=argv)

    def close(self) -> None:
        """Stop warm servers/containers and remove cgroups and scratch dirs."""
        self._impl.close()

    def __enter__(self) -> "Sandbox":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
