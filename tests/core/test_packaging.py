"""Packaging rules of docs/reference.md ("Packaging") and the architecture's dependency direction."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_every_subpackage_folder_is_listed_in_pyproject():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    listed = set(config["packages"])
    for package, folder in config["package-dir"].items():
        for init in (ROOT / folder).rglob("__init__.py"):
            rel = init.parent.relative_to(ROOT / folder)
            name = ".".join([package, *rel.parts])
            assert name in listed, f"{init.parent} holds a package {name!r} missing from pyproject's packages"


def test_import_envsdk_loads_no_heavy_dependency():
    code = "import sys, envsdk, envsdk.cli.main; print(sorted(m for m in ('torch','transformers','docker','ray') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_dependency_direction_contracts_hold():
    out = subprocess.run(["lint-imports", "--config", str(ROOT / "pyproject.toml")], capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 0, out.stdout + out.stderr


def test_missing_optional_dependency_names_the_extra():
    from envsdk.errors import MissingExtraError, require

    try:
        require("surely_not_installed_module", "math")
    except MissingExtraError as exc:
        assert "pip install 'envsdk[math]'" in str(exc)
    else:
        raise AssertionError("require() did not raise")
