"""Reading each kind of run: a trainer run directory, an eval output, a verify output; bad paths."""

from __future__ import annotations

import json
from collections import Counter

import httpx
import pytest

import envsdk
from envsdk.jsonl import JsonlError
from envsdk.record import RecordError, group_records, read_records, summarize, write_records
from envsdk.report import ReportInputError, load_run, render_report
from envsdk.scoring import BatchScorer
from envsdk.scoring.batch import group_id
from tests.adapters.servers import running

from .sample_runs import ANNOTATED, BONUS, GENERATIONS, STEPS, VERIFY_ROWS, annotated_group


def test_trainer_run_has_steps_evals_and_every_rollout(runs):
    run = load_run(runs.grpo)
    assert (run.kind, run.label) == ("train", "grpo")
    assert [line["step"] for line in run.steps] == list(range(1, STEPS + 1))
    assert [line["step"] for line in run.evals] == [2, STEPS]  # --eval-every 2, then the final evaluation
    assert run.summary == run.evals[-1] and "pass@16" in run.summary and "reward_mean" in run.summary
    assert run.rollouts_total == len(run.rollouts) == STEPS * GENERATIONS
    assert [r.step for r in run.rollouts] == [s for s in range(1, STEPS + 1) for _ in range(GENERATIONS)]
    assert [r.rollout_index for r in run.rollouts[:GENERATIONS]] == list(range(GENERATIONS))


def test_trainer_rollouts_are_the_records_of_completions_jsonl(runs):
    run = load_run(runs.darling)
    assert run.label == "darling"
    assert run.rollouts == read_records(runs.darling / "completions.jsonl")
    for r in run.rollouts:  # the group is the group id; the status word is the verdict's own
        assert r.group == r.group_id is not None and r.id is not None
        assert r.verdict.status == ("correct" if r.verdict.passed else "wrong")
    assert set(run.rollouts[0].group_metrics) >= {"transform/darling/num_classes", "transform/darling/diversity_mean"}


def test_trainer_run_shows_each_rollouts_transform_annotations(runs):
    run = load_run(runs.annotated)
    notes = [{"darling": {"class": c, "diversity": d}, "outcome-ucb": {"bonus": b}}
             for (_, c, d), b in zip(ANNOTATED, BONUS)]
    assert [r.annotations for r in run.rollouts] == notes
    assert [r.final_reward for r in run.rollouts] == [0.25, 0.25, 0.75, 0.0]
    assert all(r.advantage is not None for r in run.rollouts)


def test_a_real_darling_run_notes_each_rollouts_class(runs):
    """The trainer's own DARLING run (not built by hand): every rollout carries DARLING's note, and the page
    shows it in the annotations column."""
    run = load_run(runs.darling)
    notes = [r.annotations.get("darling") for r in run.rollouts]
    assert all(note and ("class" in note or "note" in note) for note in notes), notes[:3]
    page = render_report([run])
    assert page.count('<div class="note" data-transform="darling">') == STEPS * GENERATIONS


def test_max_rollouts_keeps_the_latest_whole_groups(runs):
    run = load_run(runs.grpo, max_rollouts=2 * GENERATIONS + 3)  # the 3 of step 2 would be a partial group
    assert run.rollouts_total == STEPS * GENERATIONS
    assert [r.step for r in run.rollouts] == [STEPS - 1] * GENERATIONS + [STEPS] * GENERATIONS
    assert load_run(runs.grpo, max_rollouts=0).rollouts == []


def test_eval_output_groups_rollouts_by_example_with_the_summary(runs):
    run = load_run(runs.eval)
    rows = envsdk.load_environment("toy-echo").rows("eval")[:6]
    assert (run.kind, run.label) == ("eval", "loopback-model · toy-echo")
    records = read_records(runs.eval)
    assert run.rollouts == records
    assert run.summary == summarize(records, [1, 2, 4])  # the eval's --k, as its summary.json names them
    assert (run.summary["rollouts"], run.summary["groups"], run.summary["reward_mean"]) == (24, 6, 0.5)
    assert Counter(r.id for r in run.rollouts) == {row["id"]: 4 for row in rows}
    assert {r.id: r.group for r in run.rollouts} == {row["id"]: group_id("toy-echo", row) for row in rows}
    answers = {row["id"]: row["answer"] for row in rows}
    for r in run.rollouts:
        expected = answers[r.id] if answers[r.id][0] in "aeiou" else "wrong"
        assert r.completion == expected and r.verdict.status == ("correct" if expected != "wrong" else "wrong")


@pytest.mark.parametrize("name", ["ev.jsonl", "ev.meta.json", "ev.summary.json"])
def test_an_eval_output_opens_from_any_of_its_files(runs, name):
    assert load_run(runs.root / name).path == runs.eval


def test_verify_output_has_the_completions_group_ids_and_summary(runs):
    run = load_run(runs.verify)
    assert (run.kind, run.label) == ("verify", "verify · toy-even")
    assert [(r.id, r.completion, r.verdict.status) for r in run.rollouts] == [
        ("a", "42", "correct"), ("b", "43", "wrong"), ("c", None, "error"), ("d", "98", "correct")]
    assert [r.group for r in run.rollouts] == [group_id("toy-even", row) for row in VERIFY_ROWS]
    assert run.rollouts[2].verdict.error == "bad row: missing field 'completion'"
    assert run.summary == summarize(run.rollouts)
    assert (run.summary["rollouts"], run.summary["reward_mean"], run.summary["correct_rate"],
            run.summary["verify/error_rate"]) == (4, 0.5, 0.5, 0.25)


def test_reward_only_rubric_full_credit_is_correct(runs):
    run = load_run(runs.reward_only)
    assert [(r.verdict.reward, r.verdict.passed, r.verdict.status) for r in run.rollouts] == [
        (1.0, None, "correct"), (0.5, None, "wrong"), (0.0, None, "wrong"), (1.0, None, "correct")]
    assert run.summary["correct_rate"] == 0.5 and run.summary["reward_mean"] == 0.625


# version-1 lines, as the commands wrote them before records had a version (shapes copied from their output)
V1_VERIFY = [{"id": "a", "reward": reward, "passed": reward == 1.0, "error": None, "timed_out": False,
              "components": {"valid": reward}, "duration_s": 0.0001, "details": {}} for reward in (1.0, 0.0)]
V1_TRAIN = {"step": 3, "group_id": "792232e7f06b5c3b", "example_id": "even-29", "prompt": "An even number?",
            "rollout_index": 0, "completion": "8658", "reward": 1.0, "final_reward": 0.5, "advantage": 0.25,
            "kept": True, "passed": True, "error": None, "timed_out": False, "details": {},
            "group_metrics": {"transform/darling/num_classes": 2.0}}


def _v1_verify_output(root, input_rows) -> None:
    (root / "vf.jsonl").write_text("".join(json.dumps(line) + "\n" for line in V1_VERIFY))
    (root / "vf.meta.json").write_text(json.dumps({"command": "verify", "environment": {"name": "toy-even"},
                                                   "input": str(root / "in.jsonl")}))
    if input_rows is not None:
        (root / "in.jsonl").write_text("".join(json.dumps(row) + "\n" for row in input_rows))


def test_version_1_verify_output_takes_the_completions_from_its_input(tmp_path):
    rows = [{"id": "a", "completion": "42"}, {"id": "a", "completion": "43"}]
    _v1_verify_output(tmp_path, rows)
    run = load_run(tmp_path / "vf.jsonl")
    # what a version-2 verify line carries for the same rows: the completion, the one group id, the place in it
    assert [(r.version, r.completion, r.group_id, r.rollout_index, r.verdict.status) for r in run.rollouts] == [
        (1, "42", group_id("toy-even", rows[0]), 0, "correct"), (1, "43", group_id("toy-even", rows[1]), 1, "wrong")]
    assert run.summary["groups"] == 1


def test_version_1_verify_output_without_its_input_still_shows_the_verdicts(tmp_path):
    _v1_verify_output(tmp_path, None)
    run = load_run(tmp_path / "vf.jsonl")
    assert [(r.completion, r.group, r.verdict.status) for r in run.rollouts] == [(None, "a", "correct"),
                                                                                 (None, "a", "wrong")]


def test_version_1_trainer_run_still_reads(runs, tmp_path):
    (tmp_path / "run.json").write_text((runs.darling / "run.json").read_text())
    (tmp_path / "metrics.jsonl").write_text(json.dumps({"step": 3, "eval": True, "eval_reward_mean": 0.5}) + "\n")
    (tmp_path / "completions.jsonl").write_text(json.dumps(V1_TRAIN) + "\n")
    (r,) = load_run(tmp_path).rollouts
    assert (r.version, r.id, r.group, r.step, r.final_reward, r.advantage, r.verdict.status) == (
        1, "even-29", "792232e7f06b5c3b", 3, 0.5, 0.25, "correct")
    assert load_run(tmp_path).summary == {"step": 3, "eval": True, "eval_reward_mean": 0.5}


def test_a_file_of_records_without_meta_is_a_run_of_their_source(tmp_path):
    records = [r.model_copy(update={"source": "serve"}) for r in group_records(annotated_group())]
    with (tmp_path / "served.jsonl").open("w") as fh:
        write_records(fh, records)
    run = load_run(tmp_path / "served.jsonl")
    assert (run.kind, run.label) == ("serve", "serve · toy-even")
    assert run.rollouts == records and run.summary == summarize(records)


def test_the_reward_servers_log_is_a_run(tmp_path):
    """A real `--log-rollouts` file (the server on loopback, /verify of the verify rows): a run of kind serve."""
    log = tmp_path / "served.jsonl"
    with running(BatchScorer("toy-even"), log_rollouts=log) as url:
        assert httpx.post(url + "/verify", json=VERIFY_ROWS, timeout=60).status_code == 200
    run = load_run(log)
    assert (run.kind, run.label, run.rollouts_total) == ("serve", "serve · toy-even", 4)
    assert [(r.id, r.completion, r.verdict.status) for r in run.rollouts] == [
        ("a", "42", "correct"), ("b", "43", "wrong"), ("c", None, "error"), ("d", "98", "correct")]
    assert run.summary == summarize(read_records(log))


def test_a_bad_record_line_is_named_with_path_and_line(runs, tmp_path):
    first = runs.verify.read_text().splitlines()[0]
    (tmp_path / "vf.jsonl").write_text(first + "\n\n" + json.dumps({"id": "b", "reward": "lots"}) + "\n")
    (tmp_path / "vf.meta.json").write_text((runs.root / "vf.meta.json").read_text())
    with pytest.raises(RecordError, match=f"^{tmp_path}/vf.jsonl:3: invalid Verdict: reward: Input should be a valid "):
        load_run(tmp_path / "vf.jsonl")


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
    with pytest.raises(ReportInputError, match="no x.meta.json next to it, so not an `envsdk eval` or `verify` output"):
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
    with pytest.raises(JsonlError, match=truncated):
        load_run(tmp_path)
