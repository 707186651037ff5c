"""docs/transforms.md runs: its Python blocks, executed in order in one namespace, hold their own asserts."""

from __future__ import annotations

import re
from pathlib import Path

PAGE = Path(__file__).parents[2] / "docs" / "transforms.md"


def python_blocks(text: str) -> list[str]:
    """The page's ```python blocks, in order."""
    return re.findall(r"^```python\n(.*?)^```$", text, flags=re.S | re.M)


def test_the_page_has_its_example_and_its_checks():
    blocks = python_blocks(PAGE.read_text())
    assert len(blocks) == 3
    assert "class DistinctCorrect(GroupTransform)" in blocks[0]
    assert "assert scored.advantages ==" in blocks[1]


def test_every_python_block_of_the_page_runs_and_its_asserts_hold():
    namespace: dict = {"__name__": "transforms_page"}
    for block in python_blocks(PAGE.read_text()):
        exec(compile(block, str(PAGE), "exec"), namespace)
    assert namespace["scored"].rewards == [1.0, 0.0, 0.0, 0.0]
