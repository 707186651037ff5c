"""The README is the first test: CI (`.ci/run`) executes the Quickstart's test command exactly as the README
gives it, and both Quickstart commands set up the same way. A README edit that CI does not follow, or a
.ci/run that runs its own copy of the commands, fails here."""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).parents[2]
EXTRACTOR = REPO / ".ci" / "readme_commands.py"


def load_extractor():
    spec = importlib.util.spec_from_file_location("readme_commands", EXTRACTOR)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is built
    spec.loader.exec_module(module)
    return module


def readme_command_lines(readme: str) -> list[str]:
    """The README's lines that make a fresh venv, found without the extractor (which is under test here)."""
    return [line for line in readme.splitlines() if line.startswith("python3 -m venv ")]


def dry_run(root: Path) -> subprocess.CompletedProcess:
    return subprocess.run(["bash", str(root / ".ci" / "run"), "--dry-run"], capture_output=True, text=True,
                          timeout=60)


def test_ci_runs_the_readme_test_command_exactly_as_written():
    lines = readme_command_lines((REPO / "README.md").read_text())
    (test_line,) = [line for line in lines if " && python -m pytest" in line]
    done = dry_run(REPO)
    assert done.returncode == 0, done.stderr
    steps = [line.removeprefix("+ ") for line in done.stdout.splitlines() if line.startswith("+ ")]
    assert steps[-1] == test_line  # the last thing CI does is the README's line, byte for byte
    setup = test_line.rpartition(" && ")[0]
    # the extra venvs are built after the README's own setup, inside its venv
    assert any(step.startswith(setup + " && bash tests/adapters/verl_env_setup.sh") for step in steps[:-1])


def test_the_quickstart_commands_share_one_setup_and_run_the_documented_jobs():
    commands = load_extractor().quickstart((REPO / "README.md").read_text())
    assert sorted(commands) == ["experiment", "test"]
    assert commands["test"].setup == commands["experiment"].setup
    assert commands["test"].setup.startswith("python3 -m venv .venv && . .venv/bin/activate && pip install ")
    assert commands["test"].job == "python -m pytest -q -rs"
    assert commands["experiment"].job.startswith("envsdk train experiment")
    assert sorted(c.line for c in commands.values()) == sorted(readme_command_lines((REPO / "README.md").read_text()))


@pytest.mark.parametrize(("change", "message"), [
    (lambda text: text.replace('pip install -e ".[all]" && python -m pytest', 'pip install -e ".[test]" && python -m pytest'),
     "the Quickstart's commands set up differently"),
    (lambda text: text.replace(" && python -m pytest -q -rs", " && pytest -q"), "runs neither one of"),
    (lambda text: text.replace("## Quickstart", "## Getting started"), "has no '## Quickstart' section"),
])
def test_a_quickstart_of_another_shape_stops_ci_before_it_runs_anything(tmp_path, change, message):
    """.ci/run copied beside a changed README refuses at once, naming what changed, and runs no step."""
    readme = (REPO / "README.md").read_text()
    changed = change(readme)
    assert changed != readme  # the change really applies to today's README
    (tmp_path / ".ci").mkdir()
    for name in ("run", "readme_commands.py"):
        shutil.copy(REPO / ".ci" / name, tmp_path / ".ci" / name)
    (tmp_path / "README.md").write_text(changed)
    done = dry_run(tmp_path)
    assert done.returncode == 1 and done.stdout == ""
    (error,) = done.stderr.splitlines()
    assert error.startswith(f"error: {tmp_path / 'README.md'}: ") and message in error


def test_the_extractor_prints_each_part_for_the_shell():
    outputs = {part: subprocess.run([sys.executable, str(EXTRACTOR), part], capture_output=True, text=True,
                                    check=True, timeout=60).stdout for part in ("setup", "test", "experiment")}
    assert outputs["test"].startswith(outputs["setup"].rstrip("\n") + " && python -m pytest")
    assert outputs["experiment"].startswith(outputs["setup"].rstrip("\n") + " && envsdk train experiment")
