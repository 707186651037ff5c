"""Languages other than Python: a compile step (its own limits, in its own sandboxed run) whose
successful builds are cached on disk, then a run step. Names are SandboxFusion's `language` values.

Both steps are ordinary sandboxed Python runs: a small launcher (`main.py`) that runs the toolchain
or execs the program, so every backend and tier runs every language with the same isolation. Tools
are resolved to their real paths on the host (no `/etc/alternatives` inside the sandbox).
"""

from __future__ import annotations

import base64
import ctypes
import hashlib
import json
import os
import re
import shutil
import tempfile
import threading
import weakref
from collections import OrderedDict
from dataclasses import dataclass

from .models import Limits, RunResult

# The compile step's limits when the caller gives none: compilers need more memory and processes than
# a test run. `output_bytes` caps the compiler's diagnostics that are kept (a 250-byte macro file can make
# g++ print 64 MiB of errors); the built files travel separately, up to ARTIFACT_BYTES.
COMPILE_LIMITS = Limits(timeout_s=60, memory_mb=2048, pids=128, output_bytes=1 << 20, file_size_mb=64,
                        tmpfs_mb=512)
ARTIFACT_BYTES = 16 << 20  # the most one build may leave for its run step (they cross the host in memory)
CACHE_SIZE = 256  # builds kept
CACHE_BYTES = 512 << 20  # and their size on disk, together


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
argv, keep, most = json.loads({argv!r}), {keep}, {most}
tool = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
kept, dropped = bytearray(), 0
while chunk := tool.stdout.read1(1 << 16):  # read all of it (a full pipe would stall the tool), keep the head
    room = max(keep - len(kept), 0)
    kept += chunk[:room]
    dropped += len(chunk) - min(room, len(chunk))
code = tool.wait()
sys.stderr.buffer.write(bytes(kept))
if dropped:
    sys.stderr.write(f"\\n[{{dropped}} more bytes of compiler output dropped]\\n")
if code != 0:
    sys.exit(code if code > 0 else 1)
names = [n for n in sorted(os.listdir('.')) if os.path.isfile(n) and any(n == a or n.endswith(a) for a in {artifacts!r})]
if not names:  # the source decides what the build leaves (a Java file without a class): its failure
    sys.exit("the build left no file to run (none named or ending in " + ", ".join({artifacts!r}) + ")")
size = sum(os.path.getsize(n) for n in names)
if size > most:
    sys.exit(f"the build left {{size}} bytes of files, over the {{most}}-byte limit")
out = {{}}
for name in names:
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
    """Compiles programs through a backend and keeps recent successful builds on disk (see BuildStore).

    Only a build that succeeded is kept: a failure may come from the limits a caller chose (a tiny
    compile timeout, little memory) and must never reach another caller. The key holds every input of
    the build: language, toolchain, source, and every limit but the time ones (time decides only
    whether a build finishes, never what it produces)."""

    def __init__(self, budget_bytes: int = CACHE_BYTES, max_builds: int = CACHE_SIZE) -> None:
        self.store = BuildStore(budget_bytes, max_builds)

    def run(self, backend, lang: Language, source: str, *, stdin: bytes, files: dict[str, bytes | str] | None,
            limits: Limits | None, argv: list[str] | None, compile_limits: Limits | None) -> RunResult:
        """Build `source` (or take its cached build), then run it with `limits`."""
        built, compiled = self.build(backend, lang, source, compile_limits)
        if isinstance(built, RunResult):
            return built
        launcher = _RUN_LAUNCHER.format(argv=_fill(lang.run, _tools(lang) or {}) + list(argv or []))
        proc = backend.spawn(launcher, files={**(files or {}), **built}, limits=limits, capture_stdout=True)
        del built
        result = proc.communicate(stdin)
        _give_back_memory()
        return result.model_copy(update={"compile_result": compiled})

    def build(self, backend, lang: Language, source: str,
              compile_limits: Limits | None = None) -> tuple[dict[str, bytes] | RunResult, RunResult | None]:
        """The built files (and the compile step's result, None when cached), or the result to report
        when the build failed: a compile error with the compiler's (capped) output, or a compile step
        the sandbox stopped (timeout, memory)."""
        tools = _tools(lang)
        if tools is None:
            raise ValueError(f"language {lang.name!r} needs {', '.join(lang.tools)} installed under /usr "
                             "(a system package) on this host")
        limits = compile_limits or COMPILE_LIMITS
        if not lang.compile:
            return {lang.source: source.encode()}, None
        key = _build_key(backend, lang, tools, source, limits)
        cached = self.store.get(key)
        if cached is not None:
            return cached, None
        launcher = _COMPILE_LAUNCHER.format(argv=json.dumps(_fill(lang.compile, tools)), artifacts=lang.artifacts,
                                            keep=limits.output_bytes, most=ARTIFACT_BYTES)
        # stdout carries the built files (base64, inside JSON); the launcher caps the diagnostics itself
        step = limits.model_copy(update={"output_bytes": ARTIFACT_BYTES // 3 * 4 + (1 << 20)})
        proc = backend.spawn(launcher, files={lang.source: source}, limits=step, capture_stdout=True)
        compiled = proc.communicate(b"")
        built, compiled = _artifacts(compiled, limits.output_bytes)
        if not isinstance(built, RunResult):
            self.store.put(key, built)
        _give_back_memory()
        return built, compiled


def _build_key(backend, lang: Language, tools: dict[str, str], source: str, limits: Limits) -> str:
    outcome_limits = limits.model_dump(exclude={"timeout_s", "cpu_s"})
    inputs = [lang.name, lang.compile, sorted(tools.items()), getattr(backend, "name", ""),
              getattr(backend, "tier", ""), sorted(outcome_limits.items()), source]
    return hashlib.sha256(json.dumps(inputs).encode()).hexdigest()


def _artifacts(compiled: RunResult, keep: int) -> tuple[dict[str, bytes] | RunResult, RunResult]:
    """(the built files or the result to report, the compile step as callers see it: its stdout held
    the files, which are not output, and its diagnostics are capped at `keep` bytes)."""
    shown = compiled.model_copy(update={"stdout": "", "stderr": compiled.stderr[: keep + 200]})
    if compiled.status == "ok":
        try:
            files = {name: base64.b64decode(data, validate=True) for name, data in json.loads(compiled.stdout).items()
                     if _plain_name(name)}
        except (ValueError, AttributeError, TypeError):
            files = {}
        if files:
            return files, shown
        return shown.model_copy(update={"status": "sandbox_error", "stderr": "the compile step returned no artifacts",
                                        "compile_result": shown}), shown
    status = "compile_error" if compiled.status == "error" else compiled.status
    return shown.model_copy(update={"status": status, "compile_result": shown}), shown


def _give_back_memory() -> None:
    """Return freed heap to the OS (glibc): a build's files cross the host as tens of MB of text, freed
    at once, but glibc keeps chunks under its (growing) mmap threshold in the heap of the thread that
    freed them, so a long-lived server's RSS would stay at its largest build. Elsewhere: nothing."""
    try:
        ctypes.CDLL(None).malloc_trim(0)
    except (OSError, AttributeError):
        pass


def _plain_name(name: object) -> bool:
    return isinstance(name, str) and name not in ("", ".", "..") and "/" not in name and "\0" not in name


class BuildStore:
    """Successful builds on disk, least recently used first out, within `budget_bytes` and `max_builds`
    (memory holds only the index: names and sizes). A build larger than the budget is not kept. The
    directory is private to this process and removed with the store."""

    def __init__(self, budget_bytes: int, max_builds: int) -> None:
        self.budget_bytes, self.max_builds = budget_bytes, max_builds
        self._index: OrderedDict[str, tuple[list[str], int]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self._dir: str | None = None

    @property
    def directory(self) -> str | None:
        """Where the builds are kept (None until the first one)."""
        return self._dir

    @property
    def bytes(self) -> int:
        """Bytes of builds kept now."""
        return self._bytes

    def __len__(self) -> int:
        return len(self._index)

    def get(self, key: str) -> dict[str, bytes] | None:
        with self._lock:
            entry = self._index.get(key)
            if entry is None:
                return None
            self._index.move_to_end(key)
            try:
                return {name: _read(os.path.join(self._dir, key, str(i))) for i, name in enumerate(entry[0])}
            except OSError:  # removed behind our back: forget it
                self._drop(key)
                return None

    def put(self, key: str, files: dict[str, bytes]) -> None:
        size = sum(len(data) for data in files.values())
        if size > self.budget_bytes:
            return
        with self._lock:
            if key in self._index:
                return
            if self._dir is None:
                self._dir = tempfile.mkdtemp(prefix="envsdk-builds-")
                weakref.finalize(self, shutil.rmtree, self._dir, True)
            while self._index and (self._bytes + size > self.budget_bytes or len(self._index) >= self.max_builds):
                self._drop(next(iter(self._index)))
            folder = os.path.join(self._dir, key)
            os.makedirs(folder, exist_ok=True)
            for i, data in enumerate(files.values()):
                with open(os.path.join(folder, str(i)), "wb") as fh:
                    fh.write(data)
            self._index[key] = (list(files), size)
            self._bytes += size

    def _drop(self, key: str) -> None:
        _, size = self._index.pop(key)
        self._bytes -= size
        shutil.rmtree(os.path.join(self._dir, key), ignore_errors=True)


def _read(path: str) -> bytes:
    with open(path, "rb") as fh:
        return fh.read()
