"""The report tests share one set of real runs (built once per session: about 20 s)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from .sample_runs import make_runs


@pytest.fixture(scope="session")
def runs(tmp_path_factory) -> SimpleNamespace:
    return make_runs(tmp_path_factory.mktemp("runs"))
