"""verifiers bridges: verifiers_checks.py runs inside the verifiers venv (tests/interop/verifiers_env_setup.sh,
$ENVSDK_VERIFIERS_VENV, default /tmp/verifiers-venv). Without that venv the test skips, unless
ENVSDK_VERIFIERS_VENV is set (CI), where it fails."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def test_verifiers_bridges_pass_inside_the_verifiers_venv():
    venv = Path(os.environ.get("ENVSDK_VERIFIERS_VENV", "/tmp/verifiers-venv"))
    python = venv / "bin" / "python"
    ready = python.exists() and subprocess.run([str(python), "-c", "import verifiers.v1"], capture_output=True).returncode == 0
    if not ready:
        if "ENVSDK_VERIFIERS_VENV" in os.environ:
            pytest.fail(f"ENVSDK_VERIFIERS_VENV={venv} has no verifiers: run tests/interop/verifiers_env_setup.sh {venv}")
        pytest.skip("no verifiers venv: run tests/interop/verifiers_env_setup.sh")
    out = subprocess.run([str(python), "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/interop/verifiers_checks.py"],
                         capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert out.returncode == 0, out.stdout[-4000:] + out.stderr[-2000:]
