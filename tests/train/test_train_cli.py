"""`envsdk train` as a user meets it: the common `ENV -a JSON` grammar (the old `--env` spelling still works, said
aloud), a typo that leaves nothing behind, a scaffolded environment that trains out of the box on the default
model, and a run without a learning signal that says why (docs/reference.md, "envsdk train")."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.helpers.cli import envsdk, read_jsonl

TINY = ["--max-steps", "2", "--num-generations", "4", "--eval-samples", "4", "--eval-limit", "1",
        "--warm-start-steps", "2", "--verify-workers", "1", "--no-progress"]


def test_positional_env_and_json_env_args_like_every_other_command(tmp_path):
    out = tmp_path / "run"
    result = envsdk("train", "toy-even", "-a", '{"size": 8, "valid_share": 0.9}', "--output", str(out), *TINY)
    assert result.returncode == 0, result.stderr
    assert "deprecated" not in result.stderr
    run = json.loads((out / "run.json").read_text())
    assert run["environment"] == {"name": "toy-even", "kwargs": {"size": 8, "valid_share": 0.9}}


def test_the_old_env_spelling_still_trains_and_says_it_is_deprecated(tmp_path):
    out = tmp_path / "run"
    result = envsdk("train", "--env", "toy-even", "--env-arg", "size=8", "--output", str(out), *TINY)
    assert result.returncode == 0, result.stderr
    assert result.stderr.splitlines()[0] == ("envsdk train: --env/--env-arg are deprecated; write `envsdk train "
                                             "toy-even -a JSON` as every command does")
    assert json.loads((out / "run.json").read_text())["environment"]["kwargs"] == {"size": 8}


@pytest.mark.parametrize(("argv", "message"), [
    (["toy-even", "--env", "toy-copy"], "give the environment once: ENV (toy-even) or --env (toy-copy)"),
    ([], "which environment? `envsdk train ENV` (see `envsdk list`)"),
    (["toy-even", "-a", "[1]"], "--env-args must be a JSON object"),
])
def test_an_environment_given_wrongly_is_one_error_line(argv, message):
    result = envsdk("train", *argv)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines()[-1] == f"envsdk train: error: {message}"


@pytest.mark.parametrize("argv", [["typo"], ["--env", "typo"], ["toy-even", "--transform", "typo"],
                                  ["toy-even", "-a", '{"sise": 3}']], ids=["ENV", "--env", "transform", "kwarg"])
def test_a_run_that_cannot_start_leaves_no_run_directory(tmp_path, argv):
    result = envsdk("train", *argv, "--no-progress", cwd=tmp_path)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_a_run_whose_reward_never_moves_says_why(tmp_path):
    """toy-echo has no warm start: the untrained tiny policy never says the word, every advantage is 0."""
    result = envsdk("train", "toy-echo", "--output", str(tmp_path / "run"), *TINY)
    assert result.returncode == 0, result.stderr
    warning = [line for line in result.stderr.splitlines() if line.startswith("envsdk train: warning: ")]
    assert warning == ["envsdk train: warning: in the first 2 steps no rollout was rewarded, so every advantage was "
                       "0 and the policy has not moved; the tiny default policy has no warm start for this "
                       "environment (add a warm_start hook, or train a pretrained --model); check the reward on a "
                       "few known answers (`envsdk verify`)"]


@pytest.mark.slow
def test_a_run_with_a_signal_gives_no_warning(tmp_path):
    """toy-even's warm start (its default length) makes about half the replies valid: groups differ at once."""
    result = envsdk("train", "toy-even", "--output", str(tmp_path / "run"), "--max-steps", "10", "--num-generations",
                    "8", "--eval-samples", "4", "--verify-workers", "1", "--no-progress")
    assert result.returncode == 0, result.stderr
    assert "warning" not in result.stderr


def test_init_refuses_the_name_of_an_installed_environment(tmp_path):
    result = envsdk("init", "math", "--dir", str(tmp_path))
    assert result.returncode == 2
    assert result.stderr.strip() == ("envsdk init: error: an environment named 'math' is already installed "
                                     "(`envsdk list`): a second one would be ignored; choose another name")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.slow
def test_a_scaffolded_environment_trains_out_of_the_box_on_the_default_model(tmp_path):
    """`envsdk init`, install, `envsdk train NAME` with the default (tiny, built locally) model: the template's
    warm start lets some replies earn a reward, so GRPO has a signal from the first steps."""
    assert envsdk("init", "my-env", "--dir", str(tmp_path)).returncode == 0
    site = tmp_path / "site"
    pip = subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-build-isolation", "--no-deps",
                          "--target", str(site), str(tmp_path / "my-env")], capture_output=True, text=True)
    assert pip.returncode == 0, pip.stderr
    env = {**os.environ, "PYTHONPATH": str(site)}
    out = tmp_path / "run"
    result = envsdk("train", "my-env", "--output", str(out), "--max-steps", "4", "--num-generations", "16",
                    "--eval-samples", "16", "--no-progress", env=env, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    lines = read_jsonl(out / "metrics.jsonl")
    steps = [line for line in lines if not line.get("eval")]
    assert [line["step"] for line in steps] == [1, 2, 3, 4]
    assert max(line["reward_mean"] for line in steps) > 0
    assert lines[-1]["eval"] is True and lines[-1]["pass@16"] > 0
    assert "warning" not in result.stderr


def help_of(*argv: str) -> str:
    result = envsdk(*argv, "--help")
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_train_help_lists_experiment_and_compare_and_says_what_each_flag_means():
    text = help_of("train")
    assert "envsdk train experiment --output DIR" in text and "envsdk train compare --output DIR" in text
    from envsdk.train.cli import _train_parser

    actions = [a for a in _train_parser()._actions if a.option_strings and a.dest != "help"]
    bare = [a.option_strings[0] for a in actions if len((a.help or "").removeprefix("default:").split()) < 3]
    assert bare == [], "flags whose help does not say what they mean"


def test_envsdk_help_describes_every_plugin_command():
    text = help_of()
    lines = {line.split()[0]: line for line in text.splitlines() if line.startswith("  ") and line.split()}
    for command in ("train", "sandbox", "darling", "serve", "serve-openenv", "webqa", "convert-rollouts"):
        assert len(lines[command].split()) > 3, lines[command]
    assert "(plugin)" not in text
    assert "every command accepts --no-progress" in text


@pytest.mark.parametrize("argv", [["darling", "score", "--classifier", "lexical"], ["list"]], ids=" ".join)
def test_no_progress_is_accepted_by_every_command(tmp_path, argv):
    groups = tmp_path / "g.jsonl"
    groups.write_text(json.dumps({"rewards": [1.0, 0.0], "completions": ["a b", "c d"]}) + "\n")
    result = envsdk(*argv, *(["--input", str(groups)] if "score" in argv else []), "--no-progress")
    assert result.returncode == 0, result.stderr
