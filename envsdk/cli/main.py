"""The `envsdk` command: built-in subcommands plus plugins found in the `envsdk.cli` entry-point group."""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
from typing import Iterator

from ..errors import EnvsdkError, validation_message
from ..registry import CLI_GROUP, resolve

BUILTIN = {
    "list": ("envsdk.cli.list_cmd", "list installed environments and transforms"),
    "verify": ("envsdk.cli.verify", "score saved rollouts offline"),
    "eval": ("envsdk.cli.eval", "sample from an OpenAI-compatible endpoint, or a local model, and score"),
    "init": ("envsdk.cli.init", "scaffold a third-party environment package"),
    "audit": ("envsdk.cli.audit", "probe an environment's verifier with reward hacks"),
    "report": ("envsdk.cli.report", "a static HTML page for a run, or two side by side"),
}


# The commands envsdk's own plugins add (entry points, so they load only when run); a third-party plugin is
# described by its distribution's summary.
PLUGINS = {
    "train": "GRPO trainer (ENV), `train experiment` (DARLING vs GRPO), `train compare` (exploration)",
    "sandbox": "run an untrusted program (`sandbox run FILE`) or a SandboxFusion server (`sandbox serve`)",
    "darling": "DARLING rewards for groups (`darling score`), retrain its classifier (`train-classifier`)",
    "serve": "HTTP reward server (OpenRLHF /get_reward, /verify)",
    "serve-openenv": "serve an environment over OpenEnv (/ws sessions), or write its OpenEnv folder (--write-space)",
    "webqa": "the offline BM25 search service of the webqa environment (`webqa serve-corpus`)",
    "convert-rollouts": "TRL completion logs or verifiers traces as rows for `envsdk verify`",
}


def _plugin_help(name: str, ep) -> str:
    if name in PLUGINS:
        return PLUGINS[name]
    dist = getattr(ep, "dist", None)
    summary = (dist.metadata.get("Summary") if dist is not None else None) or ep.value
    return f"(plugin of {dist.metadata['Name'] if dist is not None else '?'}) {summary}"


def _usage() -> str:
    from importlib.metadata import entry_points

    width = max(map(len, [*BUILTIN, *PLUGINS])) + 2
    lines = ["usage: envsdk COMMAND [ARGS]  (`envsdk COMMAND --help` for its options)", "", "commands:"]
    lines += [f"  {name:<{width}}{help_}" for name, (_, help_) in BUILTIN.items()]
    plugins = {ep.name: ep for ep in entry_points(group=CLI_GROUP) if ep.name not in BUILTIN}
    lines += [f"  {name:<{width}}{_plugin_help(name, plugins[name])}" for name in sorted(plugins)]
    lines += ["", "every command accepts --no-progress (no progress bars, ours or the libraries')",
              "exit status: 0 done, 1 finished but not clean, 2 your mistake (one `error:` line), 130 interrupted"]
    return "\n".join(lines)


def user_error(exc: BaseException) -> str | None:
    """The one-line message for an exception caused by the user's input (a bad option, a missing file,
    an invalid options object), or None for anything else: a bug keeps its traceback."""
    from pydantic import ValidationError

    if isinstance(exc, EnvsdkError):
        return str(exc)
    if isinstance(exc, ValidationError):
        return validation_message(exc)
    if isinstance(exc, (FileNotFoundError, IsADirectoryError, NotADirectoryError, PermissionError)) and exc.filename:
        return f"{exc.strerror}: {exc.filename}"
    if isinstance(exc, json.JSONDecodeError):
        return f"invalid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno}): {exc.doc[:80]!r}"
    return None


# The progress-bar switches of the libraries the commands use (tqdm itself, Hugging Face Hub, datasets,
# transformers' downloads): `--no-progress` sets them before any of those is imported.
# ENVSDK_NO_PROGRESS tells envsdk's own code (`cli.common.show_progress`); TQDM_DISABLE silences every tqdm bar,
# envsdk's own included (it wins over an explicit `disable=False`); the Hugging Face switches cover hub, datasets
# and transformers' own bars (model loads and saves).
NO_PROGRESS = "ENVSDK_NO_PROGRESS"
HF_QUIET = {"HF_HUB_DISABLE_PROGRESS_BARS": "1", "HF_DATASETS_DISABLE_PROGRESS_BARS": "1"}


def quiet_libraries(*, ours: bool = True) -> None:
    """Silence every library's progress bars in this process and its children, and envsdk's own unless
    `ours=False` (then only the Hugging Face libraries': a command that keeps its own bars). For the command
    that asked: `main` puts the switches back as they were when the command returns (`_quiet_for_the_command`)."""
    os.environ.update(HF_QUIET)
    if ours:
        os.environ.update({"TQDM_DISABLE": "1", NO_PROGRESS: "1"})


@contextlib.contextmanager
def _quiet_for_the_command() -> Iterator[None]:
    """The progress switches as they were before the command, restored after it: `main` called in-process (a
    test, a notebook) must not leave a later command, or its children, silenced."""
    keys = (NO_PROGRESS, "TQDM_DISABLE", *HF_QUIET)
    before = {key: os.environ.get(key) for key in keys}
    try:
        yield
    finally:
        for key, value in before.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def main(argv: list[str] | None = None) -> int:
    """Run one command; every command, built in or plugin, goes through the same error handler
    (docs/reference.md, "Exit codes")."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in ("-h", "--help"):
        print(_usage())
        return 0 if argv else 2
    if argv[0] == "--version":
        from importlib.metadata import version

        print(f"envsdk {version('envsdk')}")
        return 0
    with _quiet_for_the_command():
        return _run(argv[0], argv[1:])


def _run(command: str, rest: list[str]) -> int:
    """One command through the shared error handler (see `main`)."""
    if "--no-progress" in rest:  # every command accepts it: taken off here, so a plugin need not declare it
        quiet_libraries()
        rest = [arg for arg in rest if arg != "--no-progress"]
    try:
        if command in BUILTIN:
            import importlib

            return importlib.import_module(BUILTIN[command][0]).main(rest)
        return int(resolve(CLI_GROUP, command, "command")(rest) or 0)
    except BrokenPipeError:  # `envsdk list | head`: the reader left; say nothing more
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141
    except KeyboardInterrupt:
        print(f"envsdk {command}: interrupted", file=sys.stderr)
        return 130
    except SystemExit as exc:
        if not isinstance(exc.code, str):  # argparse's own exit (it printed its usage and error) or a number
            return exc.code or 0
        print(f"envsdk {command}: error: {exc.code}", file=sys.stderr)
        return 2
    except Exception as exc:
        message = user_error(exc)
        if message is None:
            raise
        print(f"envsdk {command}: error: {message}", file=sys.stderr)
        return 2


class HelpFormatter(argparse.HelpFormatter):
    """Help that shows each option's default (when it has one worth showing); a description or epilog written
    on several lines keeps its lines (a list of subcommands, examples)."""

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        if "\n" in text:
            return "\n".join(indent + line for line in text.splitlines())
        return super()._fill_text(text, width, indent)

    def _get_help_string(self, action: argparse.Action) -> str:
        text = action.help or ""
        if "%(default)" in text or action.default in (None, False, argparse.SUPPRESS) or not action.option_strings:
            return text
        return f"{text} (default: %(default)s)"


def parser(prog: str, description: str, epilog: str | None = None) -> argparse.ArgumentParser:
    """An argparse parser named like the subcommand (shared by the built-in commands)."""
    return argparse.ArgumentParser(prog=f"envsdk {prog}", description=description, epilog=epilog,
                                   formatter_class=HelpFormatter)


if __name__ == "__main__":
    sys.exit(main())
