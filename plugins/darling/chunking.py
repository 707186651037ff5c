"""Split long texts into windows an encoder can read whole, instead of truncating them silently."""

from __future__ import annotations


def windows(items: list, size: int) -> list[list]:
    """Consecutive windows of at most `size` items (one empty window for an empty input)."""
    if size < 1:
        raise ValueError(f"window size must be ≥ 1, got {size}")
    return [items[i : i + size] for i in range(0, len(items), size)] or [[]]


def word_windows(text: str, size: int) -> list[str]:
    """The text as consecutive chunks of at most `size` whitespace words."""
    return [" ".join(w) for w in windows(text.split(), size)]
