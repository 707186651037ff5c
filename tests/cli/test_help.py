"""Every command and plugin command has a description, and help text for every option."""

from __future__ import annotations

import re

import pytest
from envsdk.cli.main import BUILTIN, main

PLUGINS = [["sandbox", "run"], ["sandbox", "serve"], ["darling", "score"], ["darling", "train-classifier"],
           ["serve"], ["train"], ["train", "experiment"], ["train", "compare"], ["webqa", "serve-corpus"], ["serve-openenv"],
           ["convert-rollouts"]]
COMMANDS = [[name] for name in BUILTIN] + PLUGINS


def help_text(argv: list[str], capsys) -> str:
    assert main([*argv, "--help"]) == 0
    return capsys.readouterr().out


def options_without_help(text: str) -> list[str]:
    """Option entries of an argparse help text that have no help column (nor a continuation line)."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.rstrip(":") in ("options", "optional arguments"))
    missing = []
    for i in range(start + 1, len(lines)):
        line = lines[i]
        if not line.startswith("  -"):
            continue
        entry = line.strip()
        if entry.startswith("-h, --help"):
            continue
        has_column = re.search(r"\S {2,}\S", entry) is not None
        continued = i + 1 < len(lines) and re.match(r" {6,}\S", lines[i + 1]) and not lines[i + 1].lstrip().startswith("-")
        if not (has_column or continued):
            missing.append(entry)
    return missing


@pytest.mark.parametrize("argv", COMMANDS, ids=" ".join)
def test_every_option_has_help(argv, capsys):
    text = help_text(argv, capsys)
    assert text.startswith("usage: envsdk " + " ".join(argv)), text[:200]
    description = text.split("\n\n")[1]
    assert not description.startswith(("positional arguments:", "options:")), "no description"
    assert options_without_help(text) == []


def test_defaults_are_shown(capsys):
    text = " ".join(help_text(["eval"], capsys).split())
    assert "simultaneous requests (default: 32)" in text
    assert "(a refused connection before any answer is not retried) (default: 4)" in text
