"""Shared fixtures for the trainer tests: the golden inputs of grpo-notes §6."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
import torch

LOGPS = [[-0.5, -1, -0.2, -2, -0.7], [-1.5, -0.3, -0.9, -1, -1], [-0.1, -0.4, -2.5, -0.6, -1], [-0.8, -1.2, -1, -1, -1]]
OLD_DELTA = [[0.3, -0.1, 0.05, -0.4, 0], [0.2, -0.3, 0.1, 0, 0], [-0.25, 0.15, 0, 0.35, 0], [0.05, -0.05, 0, 0, 0]]
REF_DELTA = [[0.1, 0.2, -0.1, 0.3, -0.2], [-0.2, 0.1, 0.3, 0, 0], [0.05, -0.15, 0.2, -0.1, 0], [0.25, -0.3, 0, 0, 0]]
LENGTHS = [5, 3, 4, 1]
ADVANTAGES = [0.8487100136962483, -1.0911985890380336, -0.6062214383544631, 0.8487100136962483]


@pytest.fixture
def golden():
    """The §6 golden batch in float64: logps, old, ref, advantages, mask."""
    logps = torch.tensor(LOGPS, dtype=torch.float64)
    mask = torch.tensor([[1.0] * n + [0.0] * (5 - n) for n in LENGTHS], dtype=torch.float64)
    return SimpleNamespace(
        logps=logps,
        old=logps + torch.tensor(OLD_DELTA, dtype=torch.float64),
        ref=logps + torch.tensor(REF_DELTA, dtype=torch.float64),
        advantages=torch.tensor(ADVANTAGES, dtype=torch.float64),
        mask=mask,
    )


