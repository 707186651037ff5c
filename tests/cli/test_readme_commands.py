"""The README's commands that had no end-to-end test, run as written (subprocesses, loopback, tiny settings):
`webqa serve-corpus`, `sandbox serve`, `serve --transform darling`, `darling train-classifier`, `train`
without `--output`, `train --model` with a local model and `train experiment`."""

from __future__ import annotations

import contextlib
import json
import re
import subprocess
import time
from pathlib import Path
from typing import Iterator

import httpx
import pytest

from tests.helpers.asgi import closed_port, serve_command
from tests.helpers.cli import COMMAND, envsdk, read_jsonl, write_jsonl
from tests.helpers.tokenizers import char_tokenizer


@contextlib.contextmanager
def serving(*args: str, port: int, log: Path) -> Iterator[str]:
    """Run a server command on `port` until it answers GET /health; yields its base URL."""
    url = f"http://127.0.0.1:{port}"
    with log.open("w") as err:
        proc = subprocess.Popen([*COMMAND, *args, "--port", str(port)], stdout=subprocess.DEVNULL, stderr=err)
    try:
        deadline = time.monotonic() + 120
        while True:
            assert proc.poll() is None, log.read_text()
            assert time.monotonic() < deadline, log.read_text()
            try:
                if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_webqa_serve_corpus_answers_search_r1_retrieve(tmp_path):
    corpus = write_jsonl(tmp_path / "corpus.jsonl", [
        {"id": "lh", "title": "Lighthouse", "text": "The Grey Needle lighthouse stands on a granite reef."},
        {"id": "bread", "title": "Bread", "text": "Flour, water, salt and yeast make a simple loaf."},
    ])
    with serving("webqa", "serve-corpus", "--corpus", str(corpus), port=closed_port(), log=tmp_path / "log") as url:
        body = {"queries": ["granite lighthouse reef"], "topk": 1, "return_scores": True}
        (hits,) = httpx.post(f"{url}/retrieve", json=body, timeout=30).json()["result"]
    assert [hit["document"]["id"] for hit in hits] == ["lh"]


def test_sandbox_serve_runs_code_sandboxfusion_style(tmp_path):
    with serving("sandbox", "serve", port=closed_port(), log=tmp_path / "log") as url:
        answer = httpx.post(f"{url}/run_code", json={"code": "print(6 * 7)", "language": "python"}, timeout=60).json()
    assert (answer["status"], answer["run_result"]["stdout"], answer["run_result"]["return_code"]) == ("Success", "42\n", 0)


def test_serve_with_the_darling_transform_scores_whole_groups():
    args = ["serve", "toy-echo", "--transform", "darling", "--transform-arg", "darling.classifier=final-answer",
            "--group-size", "3", "--workers", "1", "--port", "0"]
    with serve_command(*COMMAND, *args) as url:
        prompt = "Repeat this word: river"
        body = {"query": [prompt + r for r in ("river", "river", "stone")], "prompts": [prompt] * 3,
                "labels": ["river"] * 3}
        answer = httpx.post(f"{url}/get_reward", json=body, timeout=120).json()
    # quality x max(diversity, 0.1): the two equal answers share a class (diversity 1/2), the wrong one scores 0
    assert answer["rewards"] == [0.5, 0.5, 0.0]
    assert answer["scores"] == [1.0, 1.0, 0.0] and answer["extra_logs"]["partial_group_rate"] == 0.0


@pytest.mark.slow
def test_darling_train_classifier_on_a_tiny_set_writes_weights_and_log(tmp_path):
    story, other = "A keeper found a map in a bottle. " * 4, "Bread needs flour, water and yeast. " * 4
    pairs = write_jsonl(tmp_path / "pairs.jsonl", [
        {"id": str(k), "generation_0": story, "generation_1": story if k % 2 else other, "similar": k % 2}
        for k in range(6)
    ])
    out = tmp_path / "clf"
    result = envsdk("darling", "train-classifier", "--input", str(pairs), "--output", str(out), "--epochs", "1",
                    "--max-tokens", "32", "--heldout-fraction", "0.34", "--threads", "1")
    assert result.returncode == 0, result.stderr
    assert {p.name for p in out.iterdir()} >= {"minilm-pair.safetensors", "minilm-pair.json", "train.log"}
    record = json.loads((out / "minilm-pair.json").read_text())["training"]
    assert (record["pairs_train"], record["pairs_heldout"], record["heldout"]["n"]) == (4, 2, 2)
    assert (out / "train.log").read_text() == result.stdout


TINY = ["--max-steps", "1", "--prompts-per-step", "1", "--num-generations", "2", "--max-completion-length", "4",
        "--eval-every", "0", "--eval-limit", "1", "--eval-samples", "2", "--no-progress"]


def steps(run: Path) -> list[tuple[int, bool]]:
    """(step, is an evaluation) per metrics line: one training step, then the final evaluation."""
    return [(line["step"], line.get("eval", False)) for line in read_jsonl(run / "metrics.jsonl")]


@pytest.mark.slow
def test_train_without_output_writes_a_named_run_directory(tmp_path):
    with_bars = [arg for arg in TINY if arg != "--no-progress"]
    result = envsdk("train", "toy-even", "--transform", "darling", "--warm-start-steps", "2", *with_bars,
                    cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    lines = result.stderr.splitlines()
    match = re.fullmatch(r"envsdk train: writing the run to (runs/toy-even-darling-\d{8}-\d{6})", lines[0])
    assert match, result.stderr
    # what it does before its bar, and no library's warnings on a default run
    assert lines[1:3] == ["envsdk train: loading environment toy-even",
                          "envsdk train: warm start: 2 supervised steps of the tiny policy on toy-even's examples"]
    # (2 warm-start steps leave the policy no rewarded answer: the trainer's own warning says so, one line)
    ours = "envsdk train: warning: in the first step no rollout was rewarded"
    assert not [line for line in lines if ("warn" in line.lower() and not line.startswith(ours)) or line.startswith("[")], \
        result.stderr
    run = tmp_path / match.group(1)
    assert steps(run) == [(1, False), (1, True)]
    assert json.loads((run / "run.json").read_text())["config"]["transforms"] == ["darling"]


@pytest.mark.slow
def test_train_with_a_local_model(tmp_path):
    from transformers import GPT2Config, GPT2LMHeadModel

    tokenizer = char_tokenizer(chat_template="{% for m in messages %}{{ m['content'] }}\n{% endfor %}",
                               padding_side="left")
    model = GPT2LMHeadModel(GPT2Config(vocab_size=len(tokenizer), n_positions=256, n_embd=16, n_layer=1, n_head=2,
                                       bos_token_id=1, eos_token_id=1, pad_token_id=0))
    model.save_pretrained(tmp_path / "model")
    tokenizer.save_pretrained(tmp_path / "model")
    out = tmp_path / "run"
    result = envsdk("train", "toy-even", "--model", str(tmp_path / "model"), "--output", str(out), *TINY)
    assert result.returncode == 0, result.stderr
    lines = result.stderr.splitlines()  # --no-progress: no bars at all; an untrained model earns no reward, said once
    assert lines[0] == f"envsdk train: writing the run to {out}"
    assert [line.split(",")[0] for line in lines[1:]] == [
        "envsdk train: warning: in the first step no rollout was rewarded"]
    assert steps(out) == [(1, False), (1, True)]
    assert json.loads((out / "run.json").read_text())["config"]["model"] == str(tmp_path / "model")


@pytest.mark.slow
def test_train_experiment_with_tiny_settings_writes_summary_and_plot(tmp_path):
    out = tmp_path / "exp"
    result = envsdk("train", "experiment", "--output", str(out), "--task", "toy-even", "--max-steps", "1",
                    "--warm-start-steps", "2", "--set", "num_generations=4", "--set", "eval_samples=4",
                    "--set", "eval_k=[1,4]", "--set", "eval_limit=2", "--no-progress")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[-1] == f"wrote {out}/summary.json, table.md and darling_vs_grpo.png"
    assert re.fullmatch(r"took \d+\.\d min \(\d+\.\d CPU min, load average \d+\.\d\)", lines[-2])
    # the README's table, not raw JSON: a header, then the base policy, GRPO and DARLING
    assert lines[0] == "| task | policy | pass@1 | pass@k (largest k) | distinct correct answers | coverage |"
    assert [line.split("|")[2].strip() for line in lines[2:5]] == ["base", "GRPO", "DARLING"]
    assert lines[2].startswith("| `toy-even` (k=4) | base | ")
    assert (out / "table.md").read_text().splitlines() == lines[:5]
    # what it does from the first line, the warm start included; no library's bars
    stderr = result.stderr.splitlines()
    assert stderr[0].startswith("envsdk train experiment: DARLING vs GRPO on toy-even (seed 0, 1 RL steps per run")
    assert stderr[1] == ("envsdk train experiment: [1/3] toy-even: warm start of the base policy (2 supervised steps "
                         "on the task's examples)")
    assert "it/s]" not in result.stderr
    toy = json.loads((out / "summary.json").read_text())["tasks"]["toy-even"]
    assert (toy["base"]["step"], toy["grpo"]["step"], toy["darling"]["step"]) == (0, 1, 1)
    assert toy["verdict"]["largest_k"] == 4
    assert (out / "darling_vs_grpo.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
