"""Fixtures: one warm Sandbox per backend/tier for the whole session, created after a fake secret
is put in the caller's environment (so a leak is detectable), plus host-side canaries."""

from __future__ import annotations

import os
import stat
import sys
import uuid
from pathlib import Path

import psutil
import pytest

from envsdk_sandbox import Sandbox

SECRET = f"sk-envsdk-test-{uuid.uuid4().hex}"
BACKENDS = ["tier1", "tier1-fast", "tier2", "docker"]


def _reachable_by_others(path: str) -> bool:
    """True when every directory above `path` is searchable by other users (needed after a uid drop)."""
    p = Path(path).resolve()
    return all(os.stat(d).st_mode & stat.S_IXOTH for d in p.parents)


def tier2_python() -> str | None:
    if os.geteuid() != 0 or _reachable_by_others(sys.executable):
        return sys.executable
    for candidate in ("/usr/bin/python3", "/usr/local/bin/python3"):
        if os.path.exists(candidate) and _reachable_by_others(candidate):
            return candidate
    return None


def docker_unavailable(reason: str) -> None:
    """Docker tests fail under CI=true (the engine must be up there) and skip elsewhere."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"Docker engine not available under CI=true: {reason}")
    pytest.skip(f"Docker engine not available: {reason}")


def need_language(language: str) -> None:
    """A language's toolchain must be installed under CI=true (.ci/sandbox-setup); elsewhere skip."""
    from envsdk_sandbox.languages import supported

    if language not in supported():
        if os.environ.get("CI") == "true":
            pytest.fail(f"no {language} toolchain under CI=true (.ci/sandbox-setup installs it)")
        pytest.skip(f"no {language} toolchain on this host")


def tier_unavailable(kind: str, reason: str) -> None:
    """A refused embedded tier fails under CI=true (every tier must work there) and skips elsewhere, with
    the sandbox's own reason (e.g. user namespaces refused), instead of erroring in every test."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"sandbox {kind} unavailable under CI=true: {reason}")
    pytest.skip(f"sandbox {kind} unavailable on this host: {reason}")


def make_sandbox(kind: str) -> Sandbox:
    if kind != "docker":
        from envsdk_sandbox.embedded import SandboxUnavailable

        try:
            if kind == "tier1":
                return Sandbox(tier=1)
            if kind == "tier1-fast":
                return Sandbox(tier="1-fast")
            python = tier2_python()
            if python is None:
                pytest.skip("no interpreter reachable by the unprivileged sandbox uid")
            return Sandbox(tier=2, python=python)
        except SandboxUnavailable as exc:
            tier_unavailable(kind, str(exc))
    try:
        return Sandbox(backend="docker")
    except Exception as exc:  # noqa: BLE001 - any engine problem decides skip vs fail below
        docker_unavailable(f"{type(exc).__name__}: {exc}")
        raise


@pytest.fixture(scope="session", autouse=True)
def secret_in_caller_env():
    os.environ["ENVSDK_SANDBOX_TEST_SECRET"] = SECRET
    yield SECRET
    os.environ.pop("ENVSDK_SANDBOX_TEST_SECRET", None)


_cache: dict[str, Sandbox] = {}
_failed: dict[str, pytest.skip.Exception | pytest.fail.Exception] = {}


@pytest.fixture(params=BACKENDS)
def sb(request, secret_in_caller_env) -> Sandbox:
    kind = request.param
    if kind in _failed:  # said once per backend; every later test repeats it without retrying
        outcome = _failed[kind]
        (pytest.fail if isinstance(outcome, pytest.fail.Exception) else pytest.skip)(outcome.msg)
    if kind not in _cache:
        try:
            _cache[kind] = make_sandbox(kind)
        except (pytest.skip.Exception, pytest.fail.Exception) as exc:
            _failed[kind] = exc
            raise
    return _cache[kind]


@pytest.fixture(scope="session", autouse=True)
def _close_sandboxes():
    yield
    for box in _cache.values():
        box.close()
    _cache.clear()


def processes_named(name: str) -> list[psutil.Process]:
    found = []
    for proc in psutil.process_iter(["name"]):
        if proc.info["name"] == name:
            found.append(proc)
    return found


def pytest_collection_modifyitems(items):
    """A crashed relay/supervisor thread is a bug here, not noise: turn its warning into a failure."""
    here = Path(__file__).parent
    mark = pytest.mark.filterwarnings("error::pytest.PytestUnhandledThreadExceptionWarning")
    for item in items:
        if here in Path(item.fspath).parents:
            item.add_marker(mark)
