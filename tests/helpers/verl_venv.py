"""Run a pytest file inside the separate verl venv (tests/adapters/verl_env_setup.sh builds it)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).parents[2]


def run_in_verl_venv(test_file: str) -> None:
    """Run `test_file` (relative to the repo) with the verl venv's pytest and fail with its output if it fails.

    A missing venv skips, unless ENVSDK_VERL_VENV names it explicitly (as CI does): then it fails.
    """
    venv = Path(os.environ.get("ENVSDK_VERL_VENV", "/tmp/verl-venv"))
    python = venv / "bin" / "python"
    if not python.exists():
        if "ENVSDK_VERL_VENV" in os.environ:
            pytest.fail(f"ENVSDK_VERL_VENV={venv} has no python: run tests/adapters/verl_env_setup.sh {venv}")
        pytest.skip("no verl venv: run tests/adapters/verl_env_setup.sh")
    out = subprocess.run(
        [str(python), "-m", "pytest", "-q", "-p", "no:cacheprovider", "-W", "ignore::UserWarning",
         str(REPO / test_file)],
        cwd=REPO, capture_output=True, text=True, timeout=600,
    )
    assert out.returncode == 0, out.stdout[-4000:] + out.stderr[-2000:]
