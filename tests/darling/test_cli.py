"""`envsdk darling score` speaks the format of docs/reference.md, "DARLING groups", exactly."""

import json
import subprocess
import sys

import pytest

from envsdk_darling.cli import main

KEYS = {"classes", "diversity", "rewards", "advantages", "classifier_s"}


def _run(tmp_path, lines, *extra, capsys):
    path = tmp_path / "groups.jsonl"
    path.write_text("\n".join(json.dumps(line) if not isinstance(line, str) else line for line in lines) + "\n")
    code = main(["score", "--input", str(path), *extra])
    out = capsys.readouterr()
    return code, [json.loads(line) for line in out.out.splitlines()], out.err


def test_score_with_explicit_partition_gives_the_contract_fields(tmp_path, capsys):
    group = {"rewards": [1, 1, 1, 1, 0, 0], "partition": ["s", "s", "s", "t", "w", "w"]}
    code, out, _ = _run(tmp_path, [group], capsys=capsys)
    assert code == 0 and set(out[0]) == KEYS
    assert out[0]["classes"] == [0, 0, 0, 1, 2, 2]
    assert out[0]["diversity"] == pytest.approx([0.6, 0.6, 0.6, 1.0, 0.8, 0.8])
    assert out[0]["rewards"] == pytest.approx([0.6, 0.6, 0.6, 1.0, 0, 0])
    assert out[0]["advantages"] == pytest.approx([0.1333, 0.1333, 0.1333, 0.5333, -0.4667, -0.4667], abs=1e-4)
    assert out[0]["classifier_s"] == 0.0


def test_score_reports_raw_diversity_not_floored(tmp_path, capsys):
    _, out, _ = _run(tmp_path, [{"rewards": [1, 1], "partition": [0, 0]}], capsys=capsys)
    assert out[0]["diversity"] == [0.0, 0.0] and out[0]["rewards"] == pytest.approx([0.1, 0.1])


def test_score_with_completions_uses_the_named_classifier(tmp_path, capsys):
    long = "a response that is long enough to need a classifier call"
    group = {"rewards": [1, 1, 1], "completions": [long, long, "something else entirely with other words"], "prompt": "q"}
    code, out, _ = _run(tmp_path, [group], "--classifier", "lexical", capsys=capsys)
    assert code == 0 and out[0]["classes"] == [0, 0, 1] and out[0]["classifier_s"] > 0


def test_score_one_line_per_group_in_order(tmp_path, capsys):
    groups = [{"rewards": [1, 0], "partition": [0, 1]}, {"rewards": [1, 1, 1], "partition": [0, 0, 1]}]
    _, out, _ = _run(tmp_path, groups, capsys=capsys)
    assert [len(o["classes"]) for o in out] == [2, 3]


def test_score_rejects_a_bad_line_naming_it(tmp_path, capsys):
    code, out, err = _run(tmp_path, [{"rewards": [1], "partition": [0]}, {"rewards": [1, 2]}], capsys=capsys)
    assert code == 2 and len(out) == 1 and "line 2" in err


def test_score_options_reach_the_config(tmp_path, capsys):
    group = {"rewards": [-1, -1, 1], "partition": [0, 0, 1]}
    _, out, _ = _run(tmp_path, [group], "--options", '{"shift_quality": true}', capsys=capsys)
    assert out[0]["rewards"] == pytest.approx([0, 0, 2])


def test_module_entry_point_runs(tmp_path):
    path = tmp_path / "g.jsonl"
    path.write_text(json.dumps({"rewards": [1, 0], "partition": [0, 0]}) + "\n")
    done = subprocess.run(
        [sys.executable, "-m", "envsdk_darling.cli", "score", "--input", str(path)], capture_output=True, text=True
    )
    assert done.returncode == 0 and set(json.loads(done.stdout)) == KEYS


@pytest.mark.parametrize("command", ["score", "train-classifier"])
def test_darling_commands_list_no_progress_in_their_help(command):
    result = subprocess.run([sys.executable, "-m", "envsdk.cli.main", "darling", command, "--help"],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0 and "--no-progress" in result.stdout
