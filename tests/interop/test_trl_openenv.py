"""An envsdk environment trained through TRL's OpenEnv path: GRPOTrainer(environment_factory=...) whose
episodes are sessions of `envsdk serve-openenv`'s server, opened with OpenEnv's own client."""

from __future__ import annotations

import json
import math

import pytest

pytest.importorskip("openenv")
pytest.importorskip("trl")

import envsdk  # noqa: E402
from envsdk.interop.openenv_server import create_openenv_app  # noqa: E402
from envsdk.interop.trl_openenv import openenv_environment_factory, openenv_prompts, submit_completions  # noqa: E402
from tests.adapters.test_trl_env import _tool_tokenizer, one_torch_thread  # noqa: E402,F401 (fixture)

from .envs import SCORED, load_letters  # noqa: E402
from .cli import envsdk_cli  # noqa: E402
from tests.helpers.asgi import serve_app  # noqa: E402

envsdk.register_environment("interop-letters", load_letters)


def test_episode_reset_returns_the_servers_prompt_and_submit_its_reward():
    env = envsdk.load_environment("toy-echo", size=2)
    with serve_app(create_openenv_app(env, max_sessions=2)) as url:
        episode = openenv_environment_factory(url)()
        try:
            prompt = episode.reset(index=1)
            assert prompt == env.rows()[1]["prompt"]
            completion = [{"role": "assistant", "content": env.rows()[1]["answer"]}]
            assert submit_completions([completion], [episode]) == [1.0]
            episode.reset(index=0)
            assert submit_completions(["wrong"], [episode]) == [0.0]
        finally:
            episode._close()


def test_only_reset_is_public_so_trl_exposes_no_tools():
    cls = openenv_environment_factory("http://127.0.0.1:1")
    assert [name for name in dir(cls) if not name.startswith("_") and callable(getattr(cls, name))] == ["reset"]


def test_grpo_trainer_trains_two_steps_on_an_envsdk_env_served_over_openenv(tmp_path, monkeypatch, one_torch_thread):
    from trl import GRPOConfig, GRPOTrainer

    from envsdk.train.tiny import TinyConfig, tiny_model

    monkeypatch.setenv("TRL_EXPERIMENTAL_SILENCE", "1")
    env = load_letters()
    tok = _tool_tokenizer([r["prompt"] for r in env.rows()])
    SCORED.clear()
    model = tiny_model(tok, TinyConfig(n_embd=32, n_positions=128), seed=0)
    args = GRPOConfig(
        output_dir=str(tmp_path), max_steps=2, per_device_train_batch_size=4, num_generations=4,
        max_completion_length=8, use_cpu=True, bf16=False, report_to="none", logging_steps=1,
        save_strategy="no", dataloader_num_workers=0, log_completions=True,
    )
    with serve_app(create_openenv_app(env, max_sessions=8)) as url:
        trainer = GRPOTrainer(model=model, reward_funcs=[submit_completions], args=args,
                              train_dataset=openenv_prompts(2), processing_class=tok,
                              environment_factory=openenv_environment_factory(url))
        try:
            trainer.train()
        finally:
            for episode in trainer.environments:
                episode._close()
    logs = [entry for entry in trainer.state.log_history if "loss" in entry]
    assert len(logs) == 2 and all(math.isfinite(entry["loss"]) for entry in logs)
    # 2 steps x 4 rollouts were scored by the env's rubric on the server, and those are the rewards TRL logged
    assert len(SCORED) == 8
    logged = [entry["rewards/submit_completions/mean"] for entry in logs]
    assert logged == pytest.approx([sum(SCORED[:4]) / 4, sum(SCORED[4:]) / 4])
    # TRL's completion logs, rescored offline by `envsdk verify`, give back the rewards TRL logged
    rows, out = tmp_path / "rows.jsonl", tmp_path / "verified.jsonl"
    assert envsdk_cli("convert-rollouts", "interop-letters", "--from", "trl", "--input", str(tmp_path / "completions"),
                      "--output", str(rows)) == 0
    assert envsdk_cli("verify", "interop-letters", "--input", str(rows), "--output", str(out), "--workers", "1") == 0
    records = [json.loads(line) for line in rows.read_text().splitlines()]
    verdicts = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(verdicts) == 8 and {r["answer"] for r in records} <= {"apple", "river"}
    assert [v["reward"] for v in verdicts] == pytest.approx([r["source"]["submit_completions"] for r in records])
