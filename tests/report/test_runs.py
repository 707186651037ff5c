"""Reading each kind of run: a trainer run directory, an eval output, a verify output; bad paths."""

from __future__ import annotations

import json
from collections import Counter

import pytest

import envsdk
from envsdk.report import ReportInputError, load_run

from .sample_runs import GENERATIONS, STEPS, completions


def test_trainer_run_has_steps_evals_and_every_rollout(runs):
    run = load_run(runs.grpo)
    assert (run.kind, run.label) == ("train", "grpo")
    assert [line["step"] for line in run.steps] == list(range(1, STEPS + 1))
    assert [line["step"] for line in run.evals] == [2, STEPS]  # --eval-every 2, then the final evaluation
    assert run.summary == run.evals[-1] and "pass@16" in run.summary
    assert run.rollouts_total == len(run.rollouts) == STEPS * GENERATIONS
    assert [r.step for r in run.rollouts] == [s for s in range(1, STEPS + 1) for _ in range(GENERATIONS)]
    assert [r.index for r in run.rollouts[:GENERATIONS]] == list(range(GENERATIONS))


def test_trainer_rollouts_carry_the_recorded_verdicts_and_advantages(runs):
    run, records = load_run(runs.darling), completions(runs.darling)
    assert run.label == "darling"
    for rollout, record in zip(run.rollouts, records):
        assert (rollout.completion, rollout.reward, rollout.final_reward, rollout.advantage, rollout.passed) == (
            record["completion"], record["reward"], record["final_reward"], record["advantage"], record["passed"])
        assert rollout.group == record["example_id"] and rollout.verdict == ("passed" if record["passed"] else "failed")
    assert set(run.rollouts[0].group_metrics) >= {"transform/darling/num_classes", "transform/darling/diversity_mean"}


def test_max_rollouts_keeps_the_latest_whole_groups(runs):
    run = load_run(runs.grpo, max_rollouts=2 * GENERATIONS + 3)  # the 3 of step 2 would be a partial group
    assert run.rollouts_total == STEPS * GENERATIONS
    assert [r.step for r in run.rollouts] == [STEPS - 1] * GENERATIONS + [STEPS] * GENERATIONS
    assert load_run(runs.grpo, max_rollouts=0).rollouts == []


def test_eval_output_groups_rollouts_by_example_with_the_summary(runs):
    run = load_run(runs.eval)
    rows = envsdk.load_environment("toy-echo").rows("eval")[:6]
    assert (run.kind, run.label) == ("eval", "loopback-model · toy-echo")
    assert run.summary == json.loads(runs.eval.with_name("ev.summary.json").read_text())
    assert Counter(r.group for r in run.rollouts) == {row["id"]: 4 for row in rows}
    answers = {row["id"]: row["answer"] for row in rows}
    for r in run.rollouts:
        expected = answers[r.group] if answers[r.group][0] in "aeiou" else "wrong"
        assert r.completion == expected and r.verdict == ("passed" if expected != "wrong" else "failed")


@pytest.mark.parametrize("name", ["ev.jsonl", "ev.meta.json", "ev.summary.json"])
def test_an_eval_output_opens_from_any_of_its_files(runs, name):
    assert load_run(runs.root / name).path == runs.eval


def test_verify_output_takes_the_completions_from_its_input(runs):
    run = load_run(runs.verify)
    assert (run.kind, run.label) == ("verify", "verify · toy-even")
    assert [(r.group, r.completion, r.verdict) for r in run.rollouts] == [
        ("a", "42", "passed"), ("b", "43", "failed"), ("c", None, "error"), ("d", "98", "passed")]
    assert run.rollouts[2].error == "bad row: missing field 'completion'"
    assert run.summary == {"rollouts": 4, "reward_mean": 0.5, "passed_rate": 0.5, "failed_rate": 0.25,
                           "unjudged_rate": 0.0, "error_rate": 0.25, "timeout_rate": 0.0}


def test_verify_output_without_its_input_still_shows_the_verdicts(runs, tmp_path):
    for name in ("vf.jsonl", "vf.meta.json"):
        (tmp_path / name).write_text((runs.root / name).read_text())
    meta = json.loads((tmp_path / "vf.meta.json").read_text())
    (tmp_path / "vf.meta.json").write_text(json.dumps({**meta, "input": str(tmp_path / "gone.jsonl")}))
    run = load_run(tmp_path / "vf.jsonl")
    assert [(r.completion, r.verdict) for r in run.rollouts] == [(None, "passed"), (None, "failed"), (None, "error"),
                                                                (None, "passed")]


def test_missing_path_is_named(tmp_path):
    with pytest.raises(ReportInputError, match=f"^{tmp_path}/nope does not exist$"):
        load_run(tmp_path / "nope")


def test_directory_that_is_not_a_trainer_run_is_refused(tmp_path):
    with pytest.raises(ReportInputError, match="without metrics.jsonl and run.json, so not a trainer run"):
        load_run(tmp_path)


def test_directory_holding_trainer_runs_names_them(tmp_path):
    for method in ("grpo", "darling"):
        (tmp_path / "toy-even" / method).mkdir(parents=True)
        (tmp_path / "toy-even" / method / "metrics.jsonl").write_text("")
    with pytest.raises(ReportInputError, match=r"\(it holds trainer runs: toy-even/darling, toy-even/grpo\)$"):
        load_run(tmp_path)


def test_jsonl_without_meta_is_refused(tmp_path):
    (tmp_path / "x.jsonl").write_text('{"reward": 1}\n')
    with pytest.raises(ReportInputError, match="no x.meta.json next to it"):
        load_run(tmp_path / "x.jsonl")


def test_output_of_another_command_is_refused(tmp_path):
    (tmp_path / "x.jsonl").write_text("")
    (tmp_path / "x.meta.json").write_text('{"command": "serve"}')
    with pytest.raises(ReportInputError, match="command 'serve'; expected an `envsdk eval` or `verify` output"):
        load_run(tmp_path / "x.jsonl")


def test_truncated_line_is_named_with_its_column(runs, tmp_path):
    (tmp_path / "metrics.jsonl").write_text('{"step": 1}\n\n{"step": 2, "loss"\n')
    (tmp_path / "run.json").write_text((runs.grpo / "run.json").read_text())
    truncated = r"metrics.jsonl:3: not valid JSON \(Expecting ':' delimiter at column 19\)"
    with pytest.raises(ReportInputError, match=truncated):
        load_run(tmp_path)
