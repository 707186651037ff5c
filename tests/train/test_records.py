"""The trainer's one record schema and one summary: completions.jsonl holds the spine's records, the metric lines
are `envsdk.record.summarize` of them (plus the trainer's own numbers), and an old completions.jsonl still reads."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

import envsdk
from envsdk.record import RolloutRecord, read_records, summarize
from envsdk.scoring import Scored
from envsdk.train import GRPOConfig, GRPOTrainer, TinyConfig
from envsdk.train.evaluate import coverage
from envsdk.train.reporting import RunReporter
from envsdk.transforms import GroupTransform, group_advantages
from envsdk.verdict import Verdict

FAST = TinyConfig(n_layer=1, warm_start_steps=5, warm_start_batch=16)
# what the record must carry apart from what the trainer adds (its face, its step, the sampler's truncation)
TRAINER_FIELDS = {"source", "step", "truncated"}


class NoteEachRollout(GroupTransform):
    """Adds 0.25 × rollout index to each reward, leaves each group's last rollout out of the baseline, notes
    every rollout's bonus and publishes a group metric: everything a record must carry from a transform."""

    name = "note-each"

    def apply(self, groups):
        out = []
        for g in groups:
            bonus = [0.25 * i for i in range(g.n)]
            g = replace(g, rewards=[r + b for r, b in zip(g.rewards, bonus)], keep=[*g.keep[:-1], False],
                        metrics={**g.metrics, "transform/note-each/bonus_sum": sum(bonus)})
            out.append(g.annotate(self.name, [{"bonus": b} for b in bonus]))
        return out


envsdk.register_transform(NoteEachRollout.name, NoteEachRollout)


class RecordingTrainer(GRPOTrainer):
    """The real trainer, keeping every `Scored` its scoring step returned (training steps and evaluations)."""

    def __init__(self, config: GRPOConfig):
        super().__init__(config)
        self.scored: list[tuple[bool, Scored]] = []

    def score_completions(self, rows, texts, n, *, transform=True) -> Scored:
        scored = super().score_completions(rows, texts, n, transform=transform)
        self.scored.append((transform, scored))
        return scored


def _lines(path: Path) -> list[dict]:
    return [json.loads(t) for t in (path / "metrics.jsonl").read_text().splitlines()]


def test_completions_jsonl_reads_back_as_each_steps_scored_records(tmp_path):
    trainer = RecordingTrainer(GRPOConfig(
        output_dir=str(tmp_path), env="toy-even", max_steps=2, prompts_per_step=2, num_generations=4,
        eval_samples=4, eval_k=(1, 4), threads=1, progress=False, tiny=FAST, transforms=["note-each"]))
    trainer.train()
    written = read_records(tmp_path / "completions.jsonl")
    steps = [scored for transformed, scored in trainer.scored if transformed]
    lines = [line for line in _lines(tmp_path) if not line.get("eval")]
    assert [r.step for r in written] == [1] * 8 + [2] * 8
    assert len(steps) == len(lines) == 2
    for step, (scored, line) in enumerate(zip(steps, lines), start=1):
        mine = [r for r in written if r.step == step]
        assert [r.model_dump(exclude=TRAINER_FIELDS) for r in mine] == [
            r.model_dump(exclude=TRAINER_FIELDS) for r in scored.records]
        assert {(r.source, r.version) for r in mine} == {("train", 2)}
        assert sum(r.truncated for r in mine) / len(mine) == line["completions/clipped_ratio"]
        # what the transform did is on each record: rewritten reward, baseline, advantage, its notes, group metric
        assert [r.annotations for r in mine] == [{"note-each": {"bonus": 0.25 * (i % 4)}} for i in range(8)]
        assert [r.kept for r in mine] == [True, True, True, False] * 2
        assert [r.final_reward for r in mine] == [
            r.verdict.reward + 0.25 * (i % 4) if i % 4 != 3 else None for i, r in enumerate(mine)]
        bonus_rewards = [r.verdict.reward + 0.25 * (i % 4) for i, r in enumerate(mine)]
        assert [r.advantage for r in mine] == pytest.approx(
            group_advantages(bonus_rewards[:4], [True] * 3 + [False]) + group_advantages(bonus_rewards[4:], [True] * 3 + [False]))
        assert {r.group_metrics["transform/note-each/bonus_sum"] for r in mine} == {1.5}
        # the step's metric line is the one summary of these records, under its names
        summary = summarize(mine)
        assert {k: line[k] for k in summary} == summary
        assert summary["verify/abstain_rate"] == 0.25 and summary["groups"] == 2


def test_eval_line_is_the_summary_of_its_records_plus_coverage(tmp_path):
    trainer = RecordingTrainer(GRPOConfig(
        output_dir=str(tmp_path), env="toy-even-mod", max_steps=1, num_generations=4, eval_samples=4, eval_k=(1, 4, 8),
        eval_limit=3, threads=1, progress=False, tiny=FAST))
    rows = trainer.env.rows("eval")[:3]
    trainer.train()
    (transformed, scored), = [(t, s) for t, s in trainer.scored if not t]
    final = _lines(tmp_path)[-1]
    expected = {"step": 1, "eval": True, **summarize(scored.records, (1, 4)),
                **coverage(rows, scored.records, (1, 4), trainer.env.answer_space)}
    assert {k: v for k, v in final.items() if k != "eval_s"} == expected
    assert {"pass@1", "pass@4", "coverage@1", "coverage@4", "reward_mean", "correct_rate"} <= set(final)
    assert "pass@8" not in final and "eval_reward_mean" not in final
    assert final["rollouts"] == 12 and final["groups"] == 3


def _record(text: str, correct: bool) -> RolloutRecord:
    return RolloutRecord.of(Verdict(reward=float(correct), passed=correct), completion=text)


def test_coverage_is_the_share_of_each_rows_answer_space_in_its_first_k_samples():
    rows = [{"space": ["10", "12", "14", "16"]}, {"space": ["a", "b"]}]
    records = [_record("10", True), _record(" 10 ", True), _record("12", True), _record("13", False),
               _record("b", True), _record("x", False), _record("a", True), _record("a", True)]
    found = coverage(rows, records, (1, 2, 4, 8), lambda row: row["space"])
    # row 1: {10} of 4, then {10} (stripped), then {10, 12} in 4; row 2: {b} of 2, {b}, {a, b}; k=8 > 4 samples
    assert found == {"coverage@1": (1 / 4 + 1 / 2) / 2, "coverage@2": (1 / 4 + 1 / 2) / 2, "coverage@4": (2 / 4 + 1) / 2}


# a completions.jsonl line as trainers before record version 2 wrote it (CompletionRecord)
V1_LINE = {"step": 1, "group_id": "g1", "example_id": "even-3", "prompt": "Reply with an even number.",
           "rollout_index": 0, "completion": "42", "reward": 1.0, "final_reward": 0.75, "advantage": 0.5,
           "kept": True, "passed": True, "error": None, "timed_out": False, "details": {},
           "group_metrics": {"transform/darling/num_classes": 2.0}}


def test_an_old_completions_file_still_reads_and_a_resumed_run_appends_records_to_it(tmp_path):
    old = [{**V1_LINE, "step": step} for step in (1, 2, 3)]
    (tmp_path / "completions.jsonl").write_text("".join(json.dumps(line) + "\n" for line in old))
    (first, *_) = read_records(tmp_path / "completions.jsonl")
    assert first == RolloutRecord(
        version=1, step=1, id="even-3", group_id="g1", prompt="Reply with an even number.", completion="42",
        verdict=Verdict(reward=1.0, passed=True), final_reward=0.75, advantage=0.5, kept=True,
        group_metrics={"transform/darling/num_classes": 2.0})
    reporter = RunReporter(tmp_path, ["none"], {}, start_step=2)  # resuming at step 2 drops step 3's old lines
    new = RolloutRecord.of(Verdict(reward=0.0, passed=False), source="train", step=3, id="even-5", completion="7")
    reporter.log({"step": 3, "reward_mean": 0.0}, [new])
    reporter.close()
    assert [(r.version, r.step, r.id) for r in read_records(tmp_path / "completions.jsonl")] == [
        (1, 1, "even-3"), (1, 2, "even-3"), (2, 3, "even-5")]


def test_compare_tabulates_a_result_kept_from_before_the_rename_beside_a_new_one():
    from envsdk.train.compare import _stats, interval

    runs = {"0": {"grpo": {"eval": True, "eval_reward_mean": 0.5, "pass@1": 0.5}},
            "1": {"grpo": {"eval": True, "reward_mean": 0.7, "correct_rate": 0.7, "pass@1": 0.7}}}
    assert _stats(runs, ["grpo"]) == {"grpo": {"pass@1": interval([0.5, 0.7])}}
