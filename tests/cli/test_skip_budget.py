"""Under CI=true a skipped test fails the run (tests/conftest.py); elsewhere it stays a skip."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SUITE = '''
import pytest

def test_needs_docker():
    pytest.skip("Docker engine not available: no socket")

def test_on_this_layout():
    pytest.skip("needs a merged /usr (/bin -> usr/bin)")

@pytest.mark.xfail(reason="known")
def test_known_bug():
    assert False
'''


def run_suite(tmp_path: Path, ci: str | None) -> subprocess.CompletedProcess:
    (tmp_path / "test_suite.py").write_text(SUITE)
    env = {k: v for k, v in os.environ.items() if k != "CI"} | ({"CI": ci} if ci else {})
    env["PYTHONPATH"] = str(ROOT)
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-rs", "-p", "no:cacheprovider", "-p", "tests.conftest",
                           str(tmp_path / "test_suite.py")], capture_output=True, text=True, env=env, cwd=tmp_path,
                          timeout=120)


def test_a_capability_skip_fails_under_ci(tmp_path):
    result = run_suite(tmp_path, "true")
    assert result.returncode == 1, result.stdout
    assert "skipped under CI=true, where every capability must be present: Docker engine not available: no socket" in result.stdout
    assert result.stdout.strip().splitlines()[-1].startswith("1 failed, 1 skipped, 1 xfailed")


def test_skips_stay_skips_outside_ci(tmp_path):
    result = run_suite(tmp_path, None)
    assert result.returncode == 0, result.stdout
    assert result.stdout.strip().splitlines()[-1].startswith("2 skipped, 1 xfailed")
