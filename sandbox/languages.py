"""Languages other than Python: a compile step (its own limits, in its own sandboxed run) whose
artifacts are cached by source hash, then a run step. Names are SandboxFusion's `language` values.

Both steps are ordinary sandboxed Python runs: a small launcher (`main.py`) that runs the toolchain
or execs the program, so every backend and tier runs every language with the same isolation. Tools
are resolved to their real paths on the host (no `/etc/alternatives` inside the sandbox).
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import shutil
import threading
from collections import OrderedDict
from dataclasses import dataclass

from .models import Limits, RunResult

# The compile step's limits when the caller gives none: compilers need more memory, processes and
# output (the artifacts travel back on stdout) than a test run.
COMPILE_LIMITS = Limits(timeout_s=60, memory_mb=2048, pids=128, output_bytes=64 << 20, file_size_mb=64,
                        tmpfs_mb=512)
CACHE_SIZE = 256


@dataclass(frozen=True)
class Language:
    """How to build and run one language. `{tool}` in an argument stands for that host tool's real path
    (resolved at use: `/etc/alternatives` links are not shown in the sandbox)."""

    name: str
    source: str  # file the program is written to
    compile: tuple[str, ...] = ()  # empty: interpreted, the source is the artifact
    run: tuple[str, ...] = ()
    artifacts: tuple[str, ...] = ()  # files the compile step leaves that the run needs (suffix match)
    tools: tuple[str, ...] = ()  # host executables the steps use


LANGUAGES = {
    "cpp": Language("cpp", "main.cpp", ("{g++}", "-O2", "-std=gnu++17", "-pipe", "-o", "main", "main.cpp"),
                    ("./main",), ("main",), ("g++",)),
    "java": Language("java", "Main.java", ("{javac}", "-J-Xmx512m", "-J-XX:+UseSerialGC", "-encoding", "UTF-8",
                                           "Main.java"),
                     ("{java}", "-Xmx256m", "-Xss64m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-cp", ".",
                      "Main"), (".class",), ("javac", "java")),
    "nodejs": Language("nodejs", "main.js", (), ("{node}", "main.js"), ("main.js",), ("node",)),
    "go": Language("go", "main.go", ("{go}", "build", "-o", "main", "main.go"), ("./main",), ("main",), ("go",)),
    "rust": Language("rust", "main.rs", ("{rustc}", "-O", "--edition", "2021", "-C", "linker={gcc}", "-o", "main",
                                         "main.rs"), ("./main",), ("main",), ("rustc", "gcc")),
}
ALIASES = {"c++": "cpp", "javascript": "nodejs", "js": "nodejs", "node": "nodejs", "golang": "go", "rs": "rust"}
PYTHON_NAMES = {"python", "python3", "py"}

_COMPILE_LAUNCHER = """import base64, json, os, subprocess, sys
argv = json.loads({argv!r})
done = subprocess.run(argv, stdout=2, stdin=subprocess.DEVNULL)
if done.returncode != 0:
    sys.exit(done.returncode if done.returncode > 0 else 1)
out = {{}}
for name in sorted(os.listdir('.')):
    if os.path.isfile(name) and any(name == a or name.endswith(a) for a in {artifacts!r}):
        with open(name, 'rb') as fh:
            out[name] = base64.b64encode(fh.read()).decode()
sys.stdout.write(json.dumps(out))
"""
_RUN_LAUNCHER = """import os
argv = {argv!r}
if argv[0].startswith('./'):
    os.chmod(argv[0], 0o755)
os.execv(argv[0], argv)
"""


def language(name: str) -> Language | None:
    """The Language for a SandboxFusion `language` value; None for Python; ValueError when unknown."""
    key = name.lower()
    if key in PYTHON_NAMES:
        return None
    key = ALIASES.get(key, key)
    if key not in LANGUAGES:
        known = sorted(PYTHON_NAMES | set(LANGUAGES))
        raise ValueError(f"unsupported language {name!r}: expected one of {', '.join(known)}")
    return LANGUAGES[key]


def supported() -> list[str]:
    """The languages whose toolchain is installed on this host (Python always)."""
    return ["python"] + [name for name, lang in LANGUAGES.items() if _tools(lang) is not None]


def _tools(lang: Language) -> dict[str, str] | None:
    """Real paths of the language's tools; None unless all are system-installed under /usr (the part
    of the host every sandbox shows: a toolchain in a home directory, e.g. rustup's, is not visible)."""
    found = {}
    for tool in lang.tools:
        path = shutil.which(tool, path="/usr/local/bin:/usr/bin:/bin")
        if path is None or not os.path.realpath(path).startswith("/usr/"):
            return None
        found[tool] = os.path.realpath(path)
    return found


def _fill(argv: tuple[str, ...], tools: dict[str, str]) -> list[str]:
    """The argv with each `{tool}` replaced by that tool's real path."""
    return [re.sub(r"\{([\w+.-]+)\}", lambda m: tools[m.group(1)], arg) for arg in argv]


class Builds:
    """Compiles programs through a backend and keeps the artifacts of recent sources (LRU by hash)."""

    def __init__(self) -> None:
        self._cache: OrderedDict[str, dict[str, bytes] | RunResult] = OrderedDict()
        self._lock = threading.Lock()

    def run(self, backend, lang: Language, source: str, *, stdin: bytes, files: dict[str, bytes | str] | None,
            limits: Limits | None, argv: list[str] | None, compile_limits: Limits | None) -> RunResult:
        tools = _tools(lang)
        if tools is None:
            raise ValueError(f"language {lang.name!r} needs {', '.join(lang.tools)} installed under /usr "
                             "(a system package) on this host")
        built, compiled = self._build(backend, lang, source, tools, compile_limits or COMPILE_LIMITS)
        if isinstance(built, RunResult):
            return built
        launcher = _RUN_LAUNCHER.format(argv=_fill(lang.run, tools) + list(argv or []))
        proc = backend.spawn(launcher, files={**(files or {}), **built}, limits=limits, capture_stdout=True)
        result = proc.communicate(stdin)
        return result.model_copy(update={"compile_result": compiled})

    def _build(self, backend, lang: Language, source: str, tools: dict[str, str],
               limits: Limits) -> tuple[dict[str, bytes] | RunResult, RunResult | None]:
        key = hashlib.sha256(f"{lang.name}\0{sorted(tools.items())}\0{source}".encode()).hexdigest()
        with self._lock:
            if key in self._cache:
                self._cache.move_to_end(key)
                return self._cache[key], None
        if not lang.compile:
            built: dict[str, bytes] | RunResult = {lang.source: source.encode()}
            compiled = None
        else:
            launcher = _COMPILE_LAUNCHER.format(argv=json.dumps(_fill(lang.compile, tools)),
                                                artifacts=lang.artifacts)
            proc = backend.spawn(launcher, files={lang.source: source}, limits=limits, capture_stdout=True)
            compiled = proc.communicate(b"")
            built = _artifacts(compiled)
        with self._lock:
            self._cache[key] = built
            while len(self._cache) > CACHE_SIZE:
                self._cache.popitem(last=False)
        return built, compiled


def _artifacts(compiled: RunResult) -> dict[str, bytes] | RunResult:
    """The compiled files, or the result to report: a compile error (the compiler's stderr) or a
    compile step the sandbox stopped (timeout, memory)."""
    if compiled.status == "ok":
        try:
            return {name: base64.b64decode(data) for name, data in json.loads(compiled.stdout).items()}
        except (ValueError, AttributeError):
            pass
        return compiled.model_copy(update={"status": "sandbox_error", "stderr": "the compile step returned no artifacts",
                                           "compile_result": compiled})
    status = "compile_error" if compiled.status == "error" else compiled.status
    return compiled.model_copy(update={"status": status, "compile_result": compiled})
