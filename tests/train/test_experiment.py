"""The DARLING-vs-GRPO experiment writes its summary and plot from one shared base policy."""

from __future__ import annotations

import json

from envsdk.train import TinyConfig
from envsdk.train.experiment import ExperimentConfig, run_experiment, table

SMALL = {"num_generations": 8, "eval_samples": 8, "eval_k": (1, 8),
         "tiny": TinyConfig(n_layer=1, warm_start_steps=3, warm_start_batch=8)}


def test_experiment_writes_summary_and_plot_for_base_grpo_and_darling(tmp_path):
    config = ExperimentConfig(output_dir=str(tmp_path), tasks=("toy-even",), max_steps=2, progress=False,
                              overrides={"toy-even": SMALL})
    said: list[str] = []
    summary = run_experiment(config, say=said.append)
    result = json.loads((tmp_path / "summary.json").read_text())["tasks"]["toy-even"]
    assert result == summary["tasks"]["toy-even"]
    assert {"base", "grpo", "darling"} <= set(result)
    assert result["base"]["step"] == 0 and result["grpo"]["step"] == result["darling"]["step"] == 2
    assert {"distinct_correct_ratio", "pass@1_ratio", "largest_k", "darling_wins_largest_k"} <= set(result["verdict"])
    assert (tmp_path / "darling_vs_grpo.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"  # a PNG, not an empty file
    assert said[1:] == ["[1/3] toy-even: warm start of the base policy (3 supervised steps on the task's examples)",
                        "[2/3] toy-even: GRPO, 2 steps from the base policy, after evaluating the base policy",
                        "[3/3] toy-even: DARLING, 2 steps from the base policy"]
    assert summary["wall_s"] > 0 and summary["cpu_s"] > 0


def test_the_table_has_the_base_policy_grpo_and_darling_per_task():
    line = {"pass@1": 0.5, "pass@4": 1.0, "distinct_correct": 3.0, "coverage@4": 0.25}
    summary = {"tasks": {"toy-even": {"base": line, "grpo": {**line, "distinct_correct": 1.77},
                                      "darling": {**line, "pass@1": 0.125}, "verdict": {"largest_k": 4}}}}
    assert table(summary).splitlines() == [
        "| task | policy | pass@1 | pass@k (largest k) | distinct correct answers | coverage |",
        "|---|---|---|---|---|---|",
        "| `toy-even` (k=4) | base | 0.500 | 1.000 | 3 | 0.25 |",
        "|  | GRPO | 0.500 | 1.000 | 1.77 | 0.25 |",
        "|  | DARLING | 0.125 | 1.000 | 3 | 0.25 |",
    ]
