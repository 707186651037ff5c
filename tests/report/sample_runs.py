"""Real runs for the report tests: two tiny trainer runs (GRPO with a KL term logging to TensorBoard and W&B,
DARLING), an eval against a loopback OpenAI-compatible server, and a verify output with one bad row."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import pytest

from envsdk.cli.main import main
from tests.helpers.openai_server import FakeOpenAI, text_reply

STEPS, GENERATIONS = 4, 8
TRAIN_ARGS = ["toy-even", "--max-steps", str(STEPS), "--num-generations", str(GENERATIONS),
              "--eval-samples", "16", "--eval-every", "2", "--eval-limit", "2", "--warm-start-steps", "20",
              "--verify-workers", "1", "--no-progress"]
VERIFY_ROWS = [
    {"id": "a", "completion": "42"},
    {"id": "b", "completion": "43"},
    {"id": "c"},  # no completion: an error verdict
    {"id": "d", "completion": "98"},
]


def echo_or_wrong(body: dict) -> dict:
    """The word back when it starts with a vowel, else a wrong reply: each group all-pass or all-fail."""
    word = body["messages"][-1]["content"].split()[-1]
    return text_reply(word if word[0] in "aeiou" else "wrong")


def make_runs(root: Path) -> SimpleNamespace:
    """Every kind of run `envsdk report` reads, under `root`."""
    with pytest.MonkeyPatch.context() as mp:  # the GRPO run also logs to TensorBoard and an offline W&B run
        mp.setenv("WANDB_MODE", "offline")
        mp.setenv("WANDB_SILENT", "true")
        assert main(["train", *TRAIN_ARGS, "--beta", "0.04", "--report-to", "tensorboard", "wandb",
                     "--output", str(root / "grpo")]) == 0
    assert main(["train", *TRAIN_ARGS, "--transform", "darling", "--output", str(root / "darling")]) == 0
    with FakeOpenAI(echo_or_wrong) as server:
        assert main(["eval", "toy-echo", "--base-url", server.base_url, "--model", "loopback-model", "-n", "4",
                     "--k", "1,2,4", "--limit", "6", "--workers", "1", "--output", str(root / "ev.jsonl")]) == 0
    (root / "in.jsonl").write_text("".join(json.dumps(row) + "\n" for row in VERIFY_ROWS))
    assert main(["verify", "toy-even", "--input", str(root / "in.jsonl"), "--output", str(root / "vf.jsonl"),
                 "--workers", "1"]) == 0
    return SimpleNamespace(root=root, grpo=root / "grpo", darling=root / "darling", eval=root / "ev.jsonl",
                           verify=root / "vf.jsonl")


def completions(run_dir: Path) -> list[dict]:
    return [json.loads(line) for line in (run_dir / "completions.jsonl").read_text().splitlines()]
