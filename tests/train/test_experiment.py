"""The DARLING-vs-GRPO experiment writes its summary and plot from one shared base policy."""

from __future__ import annotations

import json

from envsdk.train import TinyConfig
from envsdk.train.experiment import ExperimentConfig, run_experiment

SMALL = {"num_generations": 8, "eval_samples": 8, "eval_k": (1, 8),
         "tiny": TinyConfig(n_layer=1, warm_start_steps=3, warm_start_batch=8)}


def test_experiment_writes_summary_and_plot_for_base_grpo_and_darling(tmp_path):
    config = ExperimentConfig(output_dir=str(tmp_path), tasks=("toy-even",), max_steps=2, progress=False,
                              overrides={"toy-even": SMALL})
    summary = run_experiment(config)
    result = json.loads((tmp_path / "summary.json").read_text())["tasks"]["toy-even"]
    assert result == summary["tasks"]["toy-even"]
    assert {"base", "grpo", "darling"} <= set(result)
    assert result["base"]["step"] == 0 and result["grpo"]["step"] == result["darling"]["step"] == 2
    assert {"distinct_correct_ratio", "pass@1_ratio", "largest_k", "darling_wins_largest_k"} <= set(result["verdict"])
    assert (tmp_path / "darling_vs_grpo.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"  # a PNG, not an empty file
