"""Real runs for the report tests: two tiny trainer runs (GRPO with a KL term logging to TensorBoard and W&B,
DARLING), an eval against a loopback OpenAI-compatible server, a verify output with one bad row, a verify
output of a reward-only rubric (no pass flag: full credit is correct), and a trainer run whose records carry
transform annotations (DARLING's class and diversity, an exploration bonus), built with the core's own
`Group.annotate` and `group_records`."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import pytest

from envsdk import Environment, Rubric, register_environment, reward
from envsdk.cli.main import main
from envsdk.group import Group
from envsdk.messages import completion_text
from envsdk.record import group_records, write_records
from envsdk.transforms import compute_advantages
from envsdk.verdict import Verdict
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


# a reward-only rubric: 1 for the answer, 0.5 one off, else 0; no pass flag, so `Verdict.correct` is full credit
REWARD_ONLY_ROWS = [
    {"id": "r1", "answer": "7", "completion": "7"},
    {"id": "r2", "answer": "7", "completion": "8"},
    {"id": "r3", "answer": "7", "completion": "1"},
    {"id": "r4", "answer": "3", "completion": "3"},
]


@reward
def closeness(completion, answer) -> float:
    """Full credit for the answer, half for one off: a reward, never a pass flag."""
    distance = abs(int(completion_text(completion).strip()) - int(answer))
    return {0: 1.0, 1: 0.5}.get(distance, 0.0)


def reward_only_env() -> Environment:
    return Environment(dataset=REWARD_ONLY_ROWS, rubric=Rubric([closeness]), required_fields=("answer",))


register_environment("report-reward-only", reward_only_env)

# the annotated run: one step, one group of four; DARLING's classes and diversity, an exploration bonus
ANNOTATED = [("12", 0, 0.25), ("12", 0, 0.25), ("14", 1, 0.75), ("7", 2, 1.0)]
BONUS = [0.1, 0.1, 0.4, 0.0]


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
    (root / "ro.in.jsonl").write_text("".join(json.dumps(row) + "\n" for row in REWARD_ONLY_ROWS))
    assert main(["verify", "report-reward-only", "--input", str(root / "ro.in.jsonl"), "--output",
                 str(root / "ro.jsonl"), "--workers", "1"]) == 0
    annotated_run(root / "annotated", (root / "darling" / "run.json").read_text())
    return SimpleNamespace(root=root, grpo=root / "grpo", darling=root / "darling", eval=root / "ev.jsonl",
                           verify=root / "vf.jsonl", reward_only=root / "ro.jsonl", annotated=root / "annotated")


def annotated_group() -> Group:
    """A scored toy-even group as DARLING and an exploration bonus leave it: rewards, advantages, and what each
    transform says of each rollout (`Group.annotate`)."""
    texts = [text for text, _, _ in ANNOTATED]
    verdicts = [Verdict(reward=float(int(t) % 2 == 0), passed=int(t) % 2 == 0) for t in texts]
    group = Group.from_verdicts(prompt="An even number?", completions=texts, verdicts=verdicts, env="toy-even",
                                example_id="even-3")
    group = group.annotate("darling", [{"class": c, "diversity": d} for _, c, d in ANNOTATED])
    group = group.annotate("outcome-ucb", [{"bonus": b} for b in BONUS])
    return compute_advantages([group.with_rewards([r * d for r, (_, _, d) in zip(group.rewards, ANNOTATED)])])[0]


def annotated_run(out: Path, run_json: str) -> None:
    """A trainer run directory (run.json, one step's metrics, completions.jsonl) of the annotated group."""
    out.mkdir()
    (out / "run.json").write_text(run_json)
    (out / "metrics.jsonl").write_text(json.dumps({"step": 1, "reward_mean": 0.75}) + "\n")
    with (out / "completions.jsonl").open("w") as fh:
        records = group_records(annotated_group())
        write_records(fh, [r.model_copy(update={"step": 1, "source": "train"}) for r in records])


def completions(run_dir: Path) -> list[dict]:
    return [json.loads(line) for line in (run_dir / "completions.jsonl").read_text().splitlines()]
