"""The reference, architecture and transform pages link only to pages and headings that exist."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

DOCS = Path(__file__).parents[2] / "docs"
PAGES = ("reference.md", "architecture.md", "transforms.md")


def anchors(page: Path) -> set[str]:
    """GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"^```.*?^```", "", page.read_text(), flags=re.S | re.M)
    out = set()
    for heading in re.findall(r"^#{1,6} (.+)$", text, flags=re.M):
        out.add(re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-"))
    return out


def links(page: Path) -> list[tuple[str, str]]:
    """(file, anchor) of every relative markdown link on the page ('' for the page itself / no anchor)."""
    found = re.findall(r"\]\(([^)\s]+)\)", page.read_text())
    return [tuple(target.partition("#")[::2]) for target in found if "://" not in target]


def test_the_anchor_rule_matches_githubs_on_a_known_heading():
    assert "verify-rows-input-of-verify-and-verify" in anchors(DOCS / "reference.md")


@pytest.mark.parametrize("name", PAGES)
def test_every_relative_link_resolves(name):
    page = DOCS / name
    broken = []
    for target, anchor in links(page):
        linked = page if not target else (page.parent / target)
        if not linked.exists() or (anchor and linked.suffix == ".md" and anchor not in anchors(linked)):
            broken.append(f"{target}#{anchor}")
    assert broken == []
