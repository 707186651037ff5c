"""`Sandbox`: the one entry point for running untrusted Python, whatever the backend."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from . import languages
from .backend import BackendOptions, load_backend
from .models import Limits, RunResult
from .process import SandboxProcess

if TYPE_CHECKING:
    from .workspace import Workspace, WorkspaceLimits


class Sandbox:
    """Run untrusted Python programs in isolation.

    backend: a name from the backend table (docs/sandbox.md): "embedded" (default; Linux namespaces, no
    Docker), "docker", "none" (no isolation, explicit opt-in), or a third party's. tier: None = the
    strongest the machine allows; 1, 2, 3, or "1-fast"/"2-fast". fast=True runs programs in a forked
    warm interpreter (see docs/sandbox.md for what that shares). packages: importable names the program
    may use beyond the standard library (default none: installed packages and their data files stay
    hidden; "all" shows every one). urls: the servers of a remote backend ("http": SandboxFusion protocol,
    docs/scale.md). resident (embedded tier 1): None = resident workers where they start (each serves
    runs one at a time in namespaces built once), False = namespaces built per run, True = resident or
    fail. `sb.backend`, `sb.tier` and `sb.resident` say what you really got.
    """

    def __init__(self, backend: str = "embedded", tier: int | str | None = None, *, fast: bool = False,
                 python: str | None = None, image: str | None = None,
                 packages: Sequence[str] | str = (), urls: Sequence[str] = (),
                 resident: bool | None = None) -> None:
        if isinstance(tier, str):
            fast = fast or tier.endswith("-fast")
            tier = tier.removesuffix("-fast")
            tier = None if tier in ("", "auto") else int(tier) if tier.isdigit() else tier
        factory = load_backend(backend)
        packages = packages if isinstance(packages, str) else tuple(packages)
        if isinstance(packages, str) and packages != "all":
            raise ValueError(f"packages must be a list of importable names or 'all', not {packages!r}")
        self._impl = factory(BackendOptions(tier=tier, fast=fast, python=python, image=image, packages=packages,
                                            urls=tuple(urls), resident=resident))
        self.backend: str = self._impl.name
        self.tier: str = self._impl.tier
        self.resident: bool = getattr(self._impl, "resident", False)
        self._builds = languages.Builds()
        self._on_close: list = []  # helpers started on demand (the workspace server) stop with the sandbox

    def run(self, code: str, *, stdin: bytes | str = b"", files: dict[str, bytes | str] | None = None,
            limits: Limits | None = None, argv: list[str] | None = None, language: str = "python",
            compile_limits: Limits | None = None) -> RunResult:
        """Run `python3 main.py` (main.py = code, `files` beside it) in a private work dir; for another
        `language` (SandboxFusion's names: cpp, java, nodejs, go, rust), compile it first under
        `compile_limits` (builds are cached by source hash; a compile error is status "compile_error"
        with the compiler's output), then run it with `limits`."""
        data = stdin.encode() if isinstance(stdin, str) else bytes(stdin)
        remote = getattr(self._impl, "run", None)
        if remote is not None:  # a remote backend compiles and runs where its servers are
            return remote(code, stdin=data, files=files, limits=limits, argv=argv, language=language,
                          compile_limits=compile_limits)
        lang = languages.language(language)
        if lang is not None:
            return self._builds.run(self._impl, lang, code, stdin=data, files=files, limits=limits, argv=argv,
                                    compile_limits=compile_limits)
        proc = self._impl.spawn(code, files=files, limits=limits, argv=argv, capture_stdout=True)
        return proc.communicate(data)

    def build(self, code: str, *, language: str, compile_limits: Limits | None = None) -> RunResult | None:
        """Compile a program ahead of its runs (`run` then finds the build cached), so a caller can count
        the build against its own time budget: None when it is ready to run (or needs no build, or a
        remote backend builds where it runs), else the result to report (a compile error, or a compile
        step the sandbox stopped)."""
        lang = languages.language(language)
        if lang is None or getattr(self._impl, "run", None) is not None:
            return None
        built, _ = self._builds.build(self._impl, lang, code, compile_limits)
        return built if isinstance(built, RunResult) else None

    def spawn(self, code: str, *, files: dict[str, bytes | str] | None = None, limits: Limits | None = None,
              argv: list[str] | None = None) -> SandboxProcess:
        """Start the program with the same isolation and hand back its pipes (see SandboxProcess)."""
        return self._impl.spawn(code, files=files, limits=limits, argv=argv)

    def workspace(self, files: dict[str, bytes | str] | None = None, *, image: str | None = None,
                  limits: "WorkspaceLimits | None" = None) -> "Workspace":
        """A persistent, forkable work dir for shell commands over many turns (docs/workspaces.md)."""
        from .workspace import open_workspace

        return open_workspace(self, files, image, limits)

    def close(self) -> None:
        """Stop warm servers/containers and remove cgroups and scratch dirs."""
        for stop in self._on_close:
            stop()
        self._impl.close()

    def __enter__(self) -> "Sandbox":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
