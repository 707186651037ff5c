"""The report tests share one set of real runs and one GRPO-vs-DARLING page (built once per session)."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest

from envsdk.report import load_run, write_report

from .sample_runs import make_runs


@pytest.fixture(scope="session")
def runs(tmp_path_factory) -> SimpleNamespace:
    return make_runs(tmp_path_factory.mktemp("runs"))


@pytest.fixture(scope="session")
def comparison_html(runs, tmp_path_factory) -> Path:
    """The GRPO-vs-DARLING page of the sample runs."""
    return write_report([load_run(runs.grpo), load_run(runs.darling)], tmp_path_factory.mktemp("page") / "report.html")
