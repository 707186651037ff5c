#!/usr/bin/env python3
"""The README's Quickstart commands, read from README.md so that `.ci/run` executes them as written.

The Quickstart holds two fenced bash blocks, each one command line a user pastes: the same setup (a fresh
venv and the installs), then the main job or the test suite. `python3 .ci/readme_commands.py PART` prints
one part: `setup`, `experiment` or `test` (the whole line). A Quickstart of another shape (a block more or
less, two setups that differ, no test command) is an error naming what changed, so CI cannot keep running
a copy of commands that the README no longer gives. Standard library only: it runs before any venv exists.
"""

from __future__ import annotations

import argparse
import re
import sys
from dataclasses import dataclass
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"
JOBS = {"experiment": "envsdk train experiment", "test": "python -m pytest"}  # part -> how its job starts
VENV = "python3 -m venv "  # the setup's first step: a fresh venv, as a user makes it


class ReadmeDrift(ValueError):
    """The README's Quickstart no longer has the shape CI runs."""


@dataclass(frozen=True)
class Command:
    """One Quickstart command line: setup steps joined by ` && `, then its job."""

    line: str

    @property
    def setup(self) -> str:
        return self.line.rpartition(" && ")[0]

    @property
    def job(self) -> str:
        return self.line.rpartition(" && ")[2]


def quickstart(readme: str) -> dict[str, Command]:
    """The Quickstart's commands by part (`experiment`, `test`); ReadmeDrift when its shape changed."""
    section = re.search(r"^## Quickstart\n(.*?)(?=^## )", readme, re.S | re.M)
    if section is None:
        raise ReadmeDrift("README.md has no '## Quickstart' section")
    commands: dict[str, Command] = {}
    for block in re.findall(r"^```bash\n(.*?)^```", section[1], re.S | re.M):
        lines = [line for line in block.splitlines() if line.strip() and not line.lstrip().startswith("#")]
        if len(lines) != 1:
            raise ReadmeDrift(f"a Quickstart block holds {len(lines)} command lines, not one: {lines}")
        command = Command(lines[0])
        part = next((name for name, start in JOBS.items() if command.job.startswith(start)), None)
        if part is None or part in commands:
            raise ReadmeDrift(f"a Quickstart command runs neither one of {sorted(JOBS.values())} "
                              f"nor a new one of them: {command.line!r}")
        commands[part] = command
    if sorted(commands) != sorted(JOBS):
        raise ReadmeDrift(f"the Quickstart gives {sorted(commands)}, not {sorted(JOBS)}")
    setups = {command.setup for command in commands.values()}
    if len(setups) != 1:
        raise ReadmeDrift(f"the Quickstart's commands set up differently: {sorted(setups)}")
    if not commands["test"].setup.startswith(VENV):
        raise ReadmeDrift(f"the Quickstart's setup does not start with a fresh venv ({VENV!r}): "
                          f"{commands['test'].setup!r}")
    return commands


def part_of(readme: str, part: str) -> str:
    commands = quickstart(readme)
    return commands["test"].setup if part == "setup" else commands[part].line


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("part", choices=["setup", *JOBS])
    parser.add_argument("--readme", type=Path, default=README)
    args = parser.parse_args(argv)
    try:
        print(part_of(args.readme.read_text(), args.part))
    except ReadmeDrift as exc:
        print(f"error: {args.readme}: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
