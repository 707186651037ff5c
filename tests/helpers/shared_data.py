"""The project's shared evaluation data (real math sets, real chain-of-thought completions, hand-labelled
response pairs: shared/data/README.md lists each file and its source), read where it lies, never copied
into the repo. Default place: `shared/data` beside the checkout; ENVSDK_SHARED_DATA points elsewhere."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ENV_VAR = "ENVSDK_SHARED_DATA"


def shared_data_dir() -> Path:
    """Where the shared data is looked for: $ENVSDK_SHARED_DATA, else ../shared/data from the checkout."""
    return Path(os.environ.get(ENV_VAR) or Path(__file__).resolve().parents[2].parent / "shared" / "data")


def shared_file(relative: str) -> Path:
    """The shared file or folder `relative` (e.g. "math/gsm8k.jsonl"); a missing one skips (a failure under
    CI=true, tests/conftest.py) with a reason naming the file, where it was looked for and how to get it."""
    path = shared_data_dir() / relative
    if not path.exists():
        pytest.skip(f"shared data {relative} not found at {path}: put the project's shared/data beside the "
                    f"checkout or set {ENV_VAR} to it (README, 'Tests')")
    return path
