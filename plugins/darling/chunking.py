"""Split long texts into windows an encoder can read whole, instead of truncating them silently, and pad
token rows into one batch."""

from __future__ import annotations


def windows(items: list, size: int) -> list[list]:
    """Consecutive windows of at most `size` items (one empty window for an empty input)."""
    if size < 1:
        raise ValueError(f"window size must be ≥ 1, got {size}")
    return [items[i : i + size] for i in range(0, len(items), size)] or [[]]


def word_windows(text: str, size: int) -> list[str]:
    """The text as consecutive chunks of at most `size` whitespace words."""
    return [" ".join(w) for w in windows(text.split(), size)]


def pad_rows(rows: list[list[int]], pad_id: int):
    """(input ids, attention mask) tensors of token rows padded to the longest."""
    import torch

    width = max(len(r) for r in rows)
    ids = torch.full((len(rows), width), pad_id, dtype=torch.long)
    mask = torch.zeros((len(rows), width), dtype=torch.long)
    for i, r in enumerate(rows):
        ids[i, : len(r)] = torch.tensor(r)
        mask[i, : len(r)] = 1
    return ids, mask
