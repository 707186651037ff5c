"""`envsdk train compare` with tiny settings: every method runs from one base per seed, and the table,
summary and plot are written from the runs' final evals."""

import json

import pytest
from envsdk.train import TinyConfig
from envsdk.train.compare import METHODS, CompareConfig, interval, run_compare, table

TINY = {"max_steps": 2, "num_generations": 8, "eval_samples": 8, "eval_k": (1, 8),
        "tiny": TinyConfig(n_layer=1, warm_start_steps=3, warm_start_batch=8)}


def test_compare_runs_every_method_and_writes_table_summary_and_plot(tmp_path):
    config = CompareConfig(output_dir=str(tmp_path), tasks=("toy-even",), seeds=(0,), jobs=1,
                           overrides={"toy-even": TINY})
    summary = run_compare(config)
    saved = json.loads((tmp_path / "summary.json").read_text())
    assert saved["methods"] == list(METHODS)
    runs = saved["runs"]["toy-even"]["0"]
    assert set(runs) == set(METHODS)
    assert all(run["step"] == 2 and run["wall_s"] > 0 and run["cpu_s"] > 0 for run in runs.values())
    assert saved["cpu_s"] >= sum(run["cpu_s"] for run in runs.values())  # the workers' total includes the base
    # one seed: the interval is the value itself with half-width 0
    assert saved["stats"]["toy-even"]["grpo"]["pass@8"] == [runs["grpo"]["pass@8"], 0.0]
    text = (tmp_path / "table.md").read_text()
    assert text == table(summary)
    assert "| method | pass@1 | pass@8 | distinct_correct | coverage@8 | wall_s | cpu_s |" in text
    assert text.count("\n| ") == 1 + len(METHODS)
    assert (tmp_path / "passk_curves.png").read_bytes()[:4] == b"\x89PNG"
    # a second command into the same directory reuses every finished run
    again = run_compare(CompareConfig(output_dir=str(tmp_path), tasks=("toy-even",), seeds=(0,), jobs=1,
                                      methods=("grpo", "pkpo-k4"), overrides={"toy-even": TINY}))
    assert again["runs"]["toy-even"]["0"] == {m: runs[m] for m in ("grpo", "pkpo-k4")}


def test_interval_is_the_student_t_half_width():
    mean, half = interval([1.0, 2.0, 3.0])
    assert mean == 2.0
    assert half == pytest.approx(4.303 * 1.0 / 3 ** 0.5)


def test_an_unknown_method_is_one_clear_error(tmp_path):
    with pytest.raises(ValueError, match="unknown method\\(s\\) ppo; known: grpo, darling"):
        run_compare(CompareConfig(output_dir=str(tmp_path), methods=("ppo",)))
