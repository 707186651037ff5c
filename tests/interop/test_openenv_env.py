"""OpenEnv servers as envsdk environments: OpenEnv's reference echo environment under `envsdk eval` and verify."""

from __future__ import annotations

import asyncio
import json

import pytest

pytest.importorskip("openenv")

import envsdk  # noqa: E402
from envsdk.interop.openenv_server import create_openenv_app  # noqa: E402
from tests.helpers.asgi import serve_app  # noqa: E402
from tests.helpers.openai_server import FakeOpenAI, text_reply  # noqa: E402

from .cli import envsdk_cli  # noqa: E402
from .servers import serve_reference_env  # noqa: E402

ECHO_ARGS = {"action_field": "message", "observation_field": "echoed_message", "seeds": 3}


@pytest.fixture(scope="module")
def reference_url(tmp_path_factory):
    """OpenEnv's own echo environment (from `openenv init`), served by OpenEnv's create_app on loopback."""
    with serve_reference_env(tmp_path_factory.mktemp("openenv")) as url:
        yield url


def test_rows_are_the_servers_reset_observations_per_seed(reference_url):
    env = envsdk.load_environment("openenv", base_url=reference_url, **ECHO_ARGS)
    assert [(r["id"], r["prompt"], r["info"]) for r in env.rows()] == [
        (f"openenv-{s}", "Refecho environment ready!", {"seed": s}) for s in range(3)]


def test_envsdk_eval_scores_an_openenv_env_against_a_local_openai_server(reference_url, tmp_path):
    # The echo env rewards min(0.1 * len(message), 1): "hello world" earns 1.0, "hi" 0.2.
    replies = iter(["hello world", "hi", "hello world"])
    with FakeOpenAI(lambda body: text_reply(next(replies))) as model:
        out = tmp_path / "eval.jsonl"
        code = envsdk_cli("eval", "openenv", "-a", json.dumps({"base_url": reference_url, **ECHO_ARGS}),
                            "--base-url", model.base_url, "--model", "m", "-n", "1", "--concurrency", "1",
                            "--output", str(out), "--workers", "1")
    assert code == 0
    records = [json.loads(line) for line in out.read_text().splitlines()]
    assert sorted(r["reward"] for r in records) == pytest.approx([0.2, 1.0, 1.0])
    assert all(r["details"]["replayed"] is False for r in records)
    assert model.requests[0]["messages"][-1] == {"role": "user", "content": "Refecho environment ready!"}
    summary = json.loads((tmp_path / "eval.summary.json").read_text())
    assert summary["verify/error_rate"] == 0.0 and summary["rollouts"] == 3


def test_multi_turn_episodes_send_one_action_per_model_turn(reference_url):
    env = envsdk.load_environment("openenv", base_url=reference_url, **{**ECHO_ARGS, "seeds": 1}, max_turns=3)
    with FakeOpenAI(lambda body: text_reply("abc")) as model:
        from envsdk.clients.openai import OpenAIChatClient

        client = OpenAIChatClient(base_url=model.base_url, model="m")
        result = asyncio.run(env.rollout(client, env.rows()[0]))
        verdict = asyncio.run(env.score(env.rows()[0], result.completion, result.state))
    assert [m["role"] for m in result.completion] == ["assistant", "user", "assistant", "user", "assistant"]
    assert result.completion[1]["content"] == "abc"  # the server echoed the action
    assert result.state["openenv_rewards"] == pytest.approx([0.3, 0.3, 0.3])
    assert verdict.reward == pytest.approx(0.9)


def test_a_stored_completion_is_rescored_by_replaying_it(reference_url):
    env = envsdk.load_environment("openenv", base_url=reference_url, **ECHO_ARGS)
    row = env.rows()[0]
    verdict = asyncio.run(env.score(row, "four"))
    assert verdict.reward == pytest.approx(0.4) and verdict.details["replayed"] is True


def test_an_envsdk_env_round_trips_through_both_bridges():
    # toy-echo served over OpenEnv, then wrapped back: the prompt and reward survive the round trip.
    served = envsdk.load_environment("toy-echo", size=2)
    with serve_app(create_openenv_app(served)) as url:
        env = envsdk.load_environment("openenv", base_url=url, action_field="content", seeds=2)
        rows = env.rows()
        prompts = [json.loads(r["prompt"])["messages"][-1]["content"] for r in rows]
        assert prompts == [r["prompt"] for r in served.rows()]
        word = prompts[0].split()[-1]
        assert asyncio.run(env.score(rows[0], word)).reward == 1.0
        assert asyncio.run(env.score(rows[0], "nope")).reward == 0.0


def test_the_built_in_trainer_trains_on_an_openenv_env_with_a_group_transform(reference_url, tmp_path):
    # The trainer scores completions without rollout state: the echo server replays each one (reward 0.1 per
    # character up to 1), and the rank transform rewrites every group of 4.
    from envsdk.train.config import GRPOConfig
    from envsdk.train.trainer import GRPOTrainer
    from tests.adapters.envs import RankTransform

    envsdk.register_transform("interop-rank", RankTransform)
    RankTransform.seen_sizes.clear()
    config = GRPOConfig(output_dir=str(tmp_path), env="openenv", env_kwargs={"base_url": reference_url, **ECHO_ARGS},
                        transforms=["interop-rank"], max_steps=2, num_generations=4, max_completion_length=6,
                        eval_samples=2, eval_k=(1,), eval_limit=1, verify_workers=1, progress=False)
    GRPOTrainer(config).train()
    steps = [json.loads(line) for line in (tmp_path / "metrics.jsonl").read_text().splitlines()]
    train_steps = [s for s in steps if "loss" in s]
    assert [s["step"] for s in train_steps] == [1, 2]
    assert RankTransform.seen_sizes[:2] == [4, 4]  # each step's group of 4 went through the transform
    assert all(s["verify/error_rate"] == 0.0 and s["rewards/openenv_reward/mean"] > 0 for s in train_steps)
