"""One rollout record on every face: the same rollouts written by the trainer, `envsdk verify`, `envsdk eval` and
the reward server (`--log-rollouts`) read back through `envsdk report` as identical records with identical
summaries (docs/reference.md, "Rollout records" and "Summaries").

The rollouts are the ones a real built-in trainer step sampled (a tiny local policy): its `completions.jsonl` is
read first, then the same (row, completion) pairs go through the other faces. `toy-even` sets `passed`; `parity-even-credit` is a
reward-only rubric (1 for an even number, 0.5 for an odd one, never `passed`; raising above 80), where the report once said
"unjudged" for every rollout while `verify` counted full credit as correct; `parity-partial` is reward-only too and
raises on an empty completion (a flagged verdict, left out of the baseline).
"""

from __future__ import annotations

import itertools
import json
import subprocess
import sys
import threading

import httpx
import pytest

import envsdk
from envsdk.record import RolloutRecord, summarize
from envsdk.report import load_run
from envsdk.train import GRPOConfig, GRPOTrainer, TinyConfig
from tests.helpers.openai_server import FakeOpenAI, text_reply

from .faces import CLI, REPO, _base_url, envsdk_cli

N = 4
# What only one face knows, so never compared: who wrote it and at which step, the sampler's truncation and token
# usage, the trainer's advantage, and how long the verifier took.
FACE_FIELDS = {"source", "step", "truncated", "usage", "advantage"}
SUMMARY_NAMES = ("rollouts", "groups", "reward_mean", "reward_std", "correct_rate", "verify/error_rate",
                 "verify/timeout_rate", "verify/budget_exceeded_rate", "verify/abstain_rate", "distinct_correct",
                 "frac_reward_zero_std")
ENVS = {"toy-even": {"size": 1}, "parity-even-credit": {}, "parity-partial": {}}


def _comparable(record: RolloutRecord) -> dict:
    data = record.model_dump(exclude=FACE_FIELDS)
    data["verdict"].pop("duration_s")
    return data


def _by_place(records: list[RolloutRecord]) -> list[dict]:
    return [_comparable(r) for r in sorted(records, key=lambda r: (r.group_id, r.rollout_index))]


def _trained(tmp_path, env: str) -> tuple[list[RolloutRecord], dict]:
    """One real trainer step (no transform): its records as `envsdk report` reads them, and its step's metrics."""
    out = tmp_path / "train"
    config = GRPOConfig(output_dir=str(out), env=env, env_kwargs=ENVS[env], max_steps=1, num_generations=N,
                        eval_samples=N, eval_k=(1,), eval_limit=1, verify_workers=1, threads=1, progress=False,
                        tiny=TinyConfig(n_layer=1, warm_start_steps=40, warm_start_batch=16))
    trainer = GRPOTrainer(config)
    try:
        trainer.train()
    finally:
        trainer.close()
    run = load_run(out)
    assert [r.source for r in run.rollouts] == ["train"] * N
    return run.rollouts, run.steps[0]


def _serve(env: str, log, lines: list[dict]) -> None:
    """`envsdk serve ENV --log-rollouts LOG` on loopback, sent the saved rollouts on `/verify`."""
    args = ["serve", env, "-a", json.dumps(ENVS[env]), "--port", "0", "--workers", "1", "--log-rollouts", str(log)]
    proc = subprocess.Popen([sys.executable, "-c", CLI, *args], cwd=REPO, stderr=subprocess.PIPE, text=True)
    try:
        with httpx.Client(base_url=_base_url(proc), timeout=120) as client:
            client.post("/verify", json=lines).raise_for_status()
    finally:
        proc.terminate()
        proc.wait(30)


def _eval(env: str, out, completions: list[str]) -> None:
    """`envsdk eval ENV` against a loopback OpenAI-compatible server that answers with the trained completions, in
    order (one request at a time, so rollout i gets completion i)."""
    answers = itertools.cycle(completions)
    lock = threading.Lock()

    def respond(_body: dict) -> dict:
        with lock:
            return text_reply(next(answers))

    with FakeOpenAI(respond) as server:
        envsdk_cli(["eval", env, "-a", json.dumps(ENVS[env]), "--split", "train", "--base-url", server.base_url,
                    "--model", "m", "-r", str(N), "--k", "1", "--concurrency", "1", "--workers", "1", "--output",
                    str(out)])


@pytest.mark.parametrize("env", list(ENVS))
def test_the_same_rollouts_read_back_as_the_same_records_and_summaries_from_every_face(tmp_path, env):
    trained, step = _trained(tmp_path, env)
    rows = {row["id"]: row for row in envsdk.load_environment(env, **ENVS[env]).rows()}
    assert len(rows) == 1  # eval samples every row of the split: the trainer's one row
    lines = [{**rows[r.id], "completion": r.completion} for r in sorted(trained, key=lambda r: r.rollout_index)]

    saved = tmp_path / "in.jsonl"
    saved.write_text("".join(json.dumps(line) + "\n" for line in lines))
    envsdk_cli(["verify", env, "-a", json.dumps(ENVS[env]), "--input", str(saved), "--output",
                str(tmp_path / "verify.jsonl"), "--workers", "1"])
    _serve(env, tmp_path / "served.jsonl", lines)
    _eval(env, tmp_path / "eval.jsonl", [line["completion"] for line in lines])

    runs = {face: load_run(tmp_path / f"{face}.jsonl") for face in ("verify", "served", "eval")}
    assert {face: {r.source for r in run.rollouts} for face, run in runs.items()} == {
        "verify": {"verify"}, "served": {"serve"}, "eval": {"eval"}}
    expected = _by_place(trained)
    for face, run in runs.items():
        assert _by_place(run.rollouts) == expected, face

    # the summaries every face prints are summarize() of these records: the trainer's step line included
    summaries = {"train": step, **{face: run.summary for face, run in runs.items()}}
    reference = summarize(trained)
    for face, summary in summaries.items():
        assert {k: summary[k] for k in SUMMARY_NAMES} == {k: reference[k] for k in SUMMARY_NAMES}, face
    # what the report's status filter shows: correct by `Verdict.correct` (reward-only: full credit), never unjudged
    statuses = {r.verdict.status for run in runs.values() for r in run.rollouts}
    assert statuses <= {"correct", "wrong", "error"}
    assert [r.verdict.status for r in sorted(runs["verify"].rollouts, key=lambda r: r.rollout_index)] == [
        "error" if r.verdict.failed else "correct" if r.verdict.correct else "wrong"
        for r in sorted(trained, key=lambda r: r.rollout_index)]


def test_the_reward_only_round_trip_holds_every_word(tmp_path):
    """The tiny policy's step on `parity-even-credit` must hold full and partial credit and a verifier failure, or
    the round trip above would not show that a reward-only rubric's full credit reads as correct, partial credit
    as wrong, and that every face counts the same errors and abstentions."""
    trained, step = _trained(tmp_path, "parity-even-credit")
    assert {r.verdict.passed for r in trained} == {None}
    assert {r.verdict.status for r in trained} == {"correct", "wrong", "error"}
    assert 0 < step["verify/abstain_rate"] == step["verify/error_rate"] < 1
