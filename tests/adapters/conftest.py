"""Registers the adapter tests' ad hoc environments and transform (workers rebuild them by factory)."""

import envsdk
import pytest

from .envs import RankTransform, load_flaky

envsdk.register_environment("adapters-flaky", load_flaky)
envsdk.register_transform("rank", RankTransform)


@pytest.fixture
def rank_sizes():
    """The group sizes the rank transform saw during a test."""
    RankTransform.seen_sizes.clear()
    return RankTransform.seen_sizes
