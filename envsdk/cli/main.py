"""The `envsdk` command: built-in subcommands plus plugins found in the `envsdk.cli` entry-point group."""

from __future__ import annotations

import argparse
import sys

from ..errors import EnvsdkError
from ..registry import CLI_GROUP, names, resolve

BUILTIN = {
    "list": ("envsdk.cli.list_cmd", "list installed environments and transforms"),
    "verify": ("envsdk.cli.verify", "score saved rollouts offline"),
    "eval": ("envsdk.cli.eval", "sample from an OpenAI-compatible endpoint and score"),
    "init": ("envsdk.cli.init", "scaffold a third-party environment package"),
    "audit": ("envsdk.cli.audit", "probe an environment's verifier with reward hacks"),
    "report": ("envsdk.cli.report", "a static HTML page for a run, or two side by side"),
}


def _usage() -> str:
    lines = ["usage: envsdk COMMAND [ARGS]", "", "commands:"]
    lines += [f"  {name:<10} {help_}" for name, (_, help_) in BUILTIN.items()]
    lines += [f"  {name:<10} (plugin)" for name in names(CLI_GROUP) if name not in BUILTIN]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in ("-h", "--help"):
        print(_usage())
        return 0 if argv else 2
    if argv[0] == "--version":
        from importlib.metadata import version

        print(f"envsdk {version('envsdk')}")
        return 0
    command, rest = argv[0], argv[1:]
    try:
        if command in BUILTIN:
            import importlib

            return importlib.import_module(BUILTIN[command][0]).main(rest)
        return int(resolve(CLI_GROUP, command, "command")(rest) or 0)
    except EnvsdkError as exc:
        print(f"envsdk {command}: error: {exc}", file=sys.stderr)
        return 2


def parser(prog: str, description: str) -> argparse.ArgumentParser:
    """An argparse parser named like the subcommand (shared by the built-in commands)."""
    return argparse.ArgumentParser(prog=f"envsdk {prog}", description=description)


if __name__ == "__main__":
    sys.exit(main())
