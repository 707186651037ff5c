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


def _extras_named_in_code() -> dict[str, str]:
    """extra -> where: every extra a `require(module, extra)` or `require_installed(extra, ...)` call names."""
    import ast

    named: dict[str, str] = {}
    for folder in ("envsdk", "plugins", "environments", "sandbox"):
        for path in (ROOT / folder).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(), str(path))):
                if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Name):
                    continue
                position = {"require": 1, "require_installed": 0}.get(node.func.id)
                if position is not None and len(node.args) > position and isinstance(node.args[position], ast.Constant):
                    named[node.args[position].value] = f"{path.relative_to(ROOT)}:{node.lineno}"
    return named


def test_every_missing_extra_message_names_an_extra_that_exists():
    extras = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"])
    named = _extras_named_in_code()
    assert {"trl", "verl", "math", "report"} <= set(named)  # the scan finds the calls
    missing = {extra: where for extra, where in named.items() if extra not in extras}
    assert not missing, f"extras named in install hints but absent from pyproject: {missing}"
    assert "test" not in named, f"an install hint names the test extra ({named.get('test')}): name what it installs"
