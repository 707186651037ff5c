"""What a sandboxed program sees of the host's files (docs/sandbox.md, "What the program sees"): the
interpreter's own files and the declared packages, never an ancestor directory, another installed
package or its data. Run on tier 1, tier 1 fast, tier 2 and tier 2 fast (each with the interpreter the
dropped uid can reach)."""

from __future__ import annotations

import os
import shutil
import uuid
import warnings
from pathlib import Path

import pytest

from envsdk_sandbox import Limits, Sandbox

from .conftest import tier2_python

QUICK = Limits(timeout_s=5, memory_mb=256)
TIERS = ["1", "1-fast", "2", "2-fast"]
# An installed package every interpreter used here has, declared or not per test.
PACKAGE = "yaml"


def _python(tier: str) -> str:
    python = tier2_python() if tier.startswith("2") else None
    if tier.startswith("2") and python is None:
        pytest.skip("no interpreter reachable by the unprivileged sandbox uid")
    return python or "/usr/bin/python3"


@pytest.fixture(scope="module", params=TIERS)
def tier(request):
    return request.param


@pytest.fixture(scope="module")
def bare(tier):
    with Sandbox(tier=tier, python=_python(tier)) as sb:
        yield sb


@pytest.fixture(scope="module")
def declared(tier):
    with Sandbox(tier=tier, python=_python(tier), packages=[PACKAGE]) as sb:
        yield sb


@pytest.fixture
def home_like_dir():
    """A directory (like a home) holding an interpreter link next to private files; outside /tmp,
    which every tier replaces, and searchable by the dropped uid."""
    root = Path("/var/tmp") / f"envsdk-view-{uuid.uuid4().hex[:8]}"
    (root / "bin").mkdir(parents=True)
    root.chmod(0o755)
    (root / "bin").chmod(0o755)
    (root / "bin" / "python3").symlink_to(os.path.realpath("/usr/bin/python3"))
    (root / "secret.txt").write_text("private")
    (root / "secret.txt").chmod(0o644)
    (root / "bin" / "notes.txt").write_text("private")
    (root / "bin" / "notes.txt").chmod(0o644)
    yield root
    shutil.rmtree(root)


def test_installed_packages_are_hidden_by_default(bare):
    code = (f"import importlib.util, site, sys\nprint(importlib.util.find_spec({PACKAGE!r}))\n"
            "print(importlib.util.find_spec('pip'))\n")
    res = bare.run(code, limits=QUICK)
    assert res.status == "ok" and res.stdout == "None\nNone\n", res.stderr


def test_site_directories_hold_nothing_readable(bare):
    code = ("import glob, site, sysconfig\nfound = []\n"
            "for d in {*site.getsitepackages(), sysconfig.get_path('purelib'), '/usr/lib/python3/dist-packages'}:\n"
            "    for path in glob.glob(d + '/**/*', recursive=True)[:50]:\n"
            "        try:\n            open(path, 'rb').read(1); found.append(path)\n        except OSError:\n            pass\n"
            "print(len(found), found[:3])\n")
    res = bare.run(code, limits=QUICK)
    assert res.status == "ok" and res.stdout.startswith("0 "), res.stdout


def test_a_declared_package_imports_and_nothing_beside_it(declared):
    """(At tier 2 the other names in the declared package's directory can be listed, not read.)"""
    code = (f"import {PACKAGE}\nprint({PACKAGE}.__name__)\nfor name in ('pip', 'setuptools'):\n"
            "    try:\n        __import__(name); print('imported', name)\n"
            "    except (ImportError, OSError):\n        print('refused', name)\n")
    res = declared.run(code, limits=QUICK)
    assert res.status == "ok" and res.stdout == f"{PACKAGE}\nrefused pip\nrefused setuptools\n", res.stderr


def test_an_undeclared_package_name_is_a_clear_error():
    with pytest.raises(RuntimeError, match="declared package.s. envsdk_no_such_pkg not importable by"):
        Sandbox(tier=1, packages=["envsdk_no_such_pkg"])


@pytest.mark.parametrize("tier", ["1", "2"])
def test_an_interpreter_in_a_home_like_dir_shows_only_itself(home_like_dir, tier):
    python = str(home_like_dir / "bin" / "python3")
    code = (f"import os\ntry: print(os.listdir({str(home_like_dir / 'bin')!r}))\nexcept OSError: print('unlistable')\n"
            f"for p in ({str(home_like_dir / 'secret.txt')!r}, {str(home_like_dir / 'bin' / 'notes.txt')!r}):\n"
            "    try: print(open(p).read())\n    except OSError as e: print('hidden', e.errno)\n")
    with Sandbox(tier=tier, python=python) as sb:
        res = sb.run(code, limits=QUICK)
    assert res.status == "ok" and "private" not in res.stdout and res.stdout.count("hidden") == 2, res.stdout
    assert res.stdout.startswith("['python3']" if tier == "1" else "unlistable")


@pytest.mark.skipif(not os.path.islink("/bin"), reason="needs a merged /usr (/bin -> usr/bin)")
def test_an_interpreter_named_through_a_merged_usr_link_runs_at_tier_1():
    with Sandbox(python="/bin/python3") as sb:
        res = sb.run("import os\nprint(os.path.exists('/root'), os.path.exists('/etc/shadow'))", limits=QUICK)
        assert sb.tier == "1" and res.status == "ok" and res.stdout == "False False\n", res.stderr


def test_a_tier_that_cannot_start_says_why(tmp_path):
    """An interpreter under /tmp cannot be shown at tier 1; the fallback warning names that reason."""
    python = tmp_path / "python3"
    python.symlink_to(os.path.realpath("/usr/bin/python3"))
    for parent in [tmp_path, *tmp_path.parents]:
        if str(parent).startswith("/tmp/"):
            parent.chmod(0o755)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with Sandbox(python=str(python)) as sb:
            tier = sb.tier
    messages = [str(w.message) for w in caught if issubclass(w.category, RuntimeWarning)]
    assert tier == "2" and any("tier 1: " + str(python) + " lies under a directory the sandbox replaces" in m
                               for m in messages), messages
