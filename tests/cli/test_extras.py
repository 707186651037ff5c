"""A core install that lacks an extra says which one to install when the environment loads (once, before
any row), not as a flagged verdict per row."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.helpers.cli import write_jsonl


def envsdk_without(module: str, *args: str) -> subprocess.CompletedProcess:
    """`envsdk ARGS` in a process where `module` cannot be imported (as on an install without its extra)."""
    code = f"import sys; sys.modules[{module!r}] = None; from envsdk.cli.main import main; sys.exit(main(sys.argv[1:]))"
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize(
    ("env", "module", "expected"),
    [
        ("math", "math_verify", "envsdk verify: error: 'math_verify' is not installed; install it with: "
                                "pip install 'envsdk[math]'"),
        ("webqa", "rapidfuzz", "install it with: pip install 'envsdk[webqa]'"),
    ],
)
def test_a_missing_extra_is_named_when_the_environment_loads(tmp_path, env, module, expected):
    rows = write_jsonl(tmp_path / "in.jsonl", [{"id": "1", "completion": "2", "answer": "2"}])
    out = tmp_path / "out.jsonl"
    result = envsdk_without(module, "verify", env, "--input", str(rows), "--output", str(out))
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and result.stderr.rstrip().endswith(expected), result.stderr
    assert not out.exists()
