"""The `envsdk` command run in the test process (the loopback servers it talks to live here too)."""

from __future__ import annotations


def envsdk_cli(*args: str) -> int:
    from envsdk.cli.main import main

    return main(list(args))
