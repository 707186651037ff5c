"""`envsdk.cli.main.main` called in-process (a test, a notebook): `--no-progress` silences the command and its
children, and the switches are as they were once the command returns."""

from __future__ import annotations

import os

import envsdk.cli.list_cmd
from envsdk.cli.main import HF_QUIET, NO_PROGRESS, main

SWITCHES = (NO_PROGRESS, "TQDM_DISABLE", *HF_QUIET)


def test_no_progress_holds_for_the_command_and_is_undone_after_it(monkeypatch):
    for key in SWITCHES:
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("TQDM_DISABLE", "0")  # the caller's own setting comes back as it was
    seen = {}

    def command(argv):
        seen.update({key: os.environ.get(key) for key in SWITCHES})
        return 0

    monkeypatch.setattr(envsdk.cli.list_cmd, "main", command)
    assert main(["list", "--no-progress"]) == 0
    assert seen == {key: "1" for key in SWITCHES}
    assert {key: os.environ.get(key) for key in SWITCHES} == {
        **{key: None for key in SWITCHES}, "TQDM_DISABLE": "0"}
