"""envsdk's public names: one list (`_EXPORTS`), the type checkers' imports equal to it, every name importable."""

import ast
from pathlib import Path

import envsdk

INIT = Path(envsdk.__file__)


def _type_checking_imports() -> dict[str, str]:
    """name -> module of the `if TYPE_CHECKING:` imports in envsdk/__init__.py."""
    tree = ast.parse(INIT.read_text())
    block = next(n for n in tree.body if isinstance(n, ast.If) and getattr(n.test, "id", None) == "TYPE_CHECKING")
    return {alias.name: node.module for node in block.body if isinstance(node, ast.ImportFrom) for alias in node.names}


def test_the_type_checkers_imports_are_the_public_names():
    assert _type_checking_imports() == envsdk._EXPORTS


def test_all_is_the_public_names_and_each_loads_from_its_module():
    assert envsdk.__all__ == sorted(envsdk._EXPORTS)
    for name, module in envsdk._EXPORTS.items():
        value = getattr(envsdk, name)
        assert getattr(value, "__module__", f"envsdk.{module}").startswith(f"envsdk.{module}"), name
