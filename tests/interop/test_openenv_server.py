"""`envsdk serve-openenv`: envsdk environments as OpenEnv servers, driven by OpenEnv's own client."""

from __future__ import annotations

import asyncio
import json
import sys

import httpx
import pytest

pytest.importorskip("openenv")
from openenv.core.generic_client import GenericEnvClient  # noqa: E402

import envsdk  # noqa: E402
from envsdk.interop.openenv_server import create_openenv_app  # noqa: E402

from .envs import load_guess, load_vault  # noqa: E402
from tests.helpers.asgi import serve_app, serve_command  # noqa: E402


def word_of(observation: dict) -> str:
    return observation["messages"][-1]["content"].split()[-1]


@pytest.fixture(scope="module")
def echo_server() -> str:
    """`envsdk serve-openenv toy-echo` in its own process, shared by the tests of this module."""
    with serve_command(sys.executable, "-m", "envsdk.cli.main", "serve-openenv", "toy-echo", "--port", "0",
                       "--workers", "1") as url:
        yield url


def test_cli_serves_an_env_that_openenvs_sync_client_plays(echo_server):
    with GenericEnvClient(base_url=echo_server).sync() as client:
        first = client.reset(index=0)
        assert first.done is False and first.reward is None
        assert first.observation["example_id"] == "echo-0-0"
        result = client.step({"content": word_of(first.observation)})
        assert (result.done, result.reward) == (True, 1.0)
        assert result.observation["verdict"]["components"]["exact"] == 1.0
        client.reset(index=1)
        assert client.step({"content": "wrong"}).reward == 0.0


def test_served_episodes_score_like_envsdk_verify_on_the_same_rows(echo_server, tmp_path):
    """Parity: the OpenEnv face scores through the same spine as `envsdk verify` (docs/architecture.md)."""
    from envsdk.cli.main import main

    rows = envsdk.load_environment("toy-echo").rows()[:4]
    words = [word_of({"messages": [{"content": r["prompt"]}]}) for r in rows]
    completions = [words[0], "wrong", "", f"{words[3]} {words[3]}"]
    with GenericEnvClient(base_url=echo_server).sync() as client:
        served = []
        for index, completion in enumerate(completions):
            client.reset(index=index)
            served.append(client.step({"content": completion}).observation["verdict"])
    src, out = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    src.write_text("".join(json.dumps({**r, "completion": c}) + "\n" for r, c in zip(rows, completions)))
    assert main(["verify", "toy-echo", "--input", str(src), "--output", str(out), "--workers", "1"]) == 0
    verified = [json.loads(line) for line in out.read_text().splitlines()]
    fields = ("reward", "passed", "error", "components")
    assert [{k: v[k] for k in fields} for v in served] == [{k: v[k] for k in fields} for v in verified]
    assert [v["reward"] for v in served] == [1.0, 0.0, 0.0, 0.0]


def test_health_schema_and_metadata_endpoints_describe_the_env():
    env = envsdk.load_environment("toy-echo", size=3)
    with serve_app(create_openenv_app(env, max_sessions=2)) as url:
        assert httpx.get(f"{url}/health").json()["status"] == "healthy"
        schema = httpx.get(f"{url}/schema").json()
        assert {"content", "tool_calls"} <= set(schema["action"]["properties"])
        assert {"messages", "tools", "verdict", "done", "reward"} <= set(schema["observation"]["properties"])
        metadata = httpx.get(f"{url}/metadata").json()
        assert (metadata["name"], metadata["description"]) == ("toy-echo", "Repeat a word back")


def test_tool_env_episode_runs_tools_between_steps_and_rewards_at_the_end():
    env = load_vault()
    with serve_app(create_openenv_app(env)) as url, GenericEnvClient(base_url=url).sync() as client:
        first = client.reset(index=0)
        assert [t["function"]["name"] for t in first.observation["tools"]] == ["lookup"]
        call = {"id": "c1", "type": "function", "function": {"name": "lookup", "arguments": json.dumps({"key": "red"})}}
        after_tool = client.step({"content": "", "tool_calls": [call]})
        assert after_tool.done is False and after_tool.reward is None
        assert after_tool.observation["messages"] == [
            {"role": "tool", "tool_call_id": "c1", "name": "lookup", "content": "7431"}]
        final = client.step({"content": "7431"})
        assert (final.done, final.reward) == (True, 1.0)
        assert client.state()["rollout_state"]["tool_calls"][0]["name"] == "lookup"


def test_multi_turn_env_answers_each_step_until_its_stop_condition():
    with serve_app(create_openenv_app(load_guess())) as url, GenericEnvClient(base_url=url).sync() as client:
        client.reset()
        assert client.step({"content": "3"}).observation["messages"] == [{"role": "user", "content": "higher"}]
        assert client.step({"content": "8"}).observation["messages"] == [{"role": "user", "content": "lower"}]
        final = client.step({"content": "7"})
        assert (final.done, final.reward, final.metadata["stop_reason"]) == (True, 1.0, "done")


def test_concurrent_sessions_are_isolated_and_capped():
    env = envsdk.load_environment("toy-echo", size=4)
    words = [word_of({"messages": [{"content": r["prompt"]}]}) for r in env.rows()]

    async def play(url: str, index: int, answer: str) -> float:
        async with GenericEnvClient(base_url=url) as client:
            await client.reset(index=index)
            await asyncio.sleep(0)  # let the other sessions reset before anyone steps
            return (await client.step({"content": answer})).reward

    async def scenario(url: str):
        rewards = await asyncio.gather(play(url, 0, words[0]), play(url, 1, "nope"))
        held = [GenericEnvClient(base_url=url) for _ in range(3)]
        try:
            await held[0].connect()
            await held[1].connect()
            with pytest.raises(Exception, match="(?i)capacity"):
                await held[2].connect()
                await held[2].reset()
        finally:
            for client in held:
                await client.close()
        return rewards

    with serve_app(create_openenv_app(env, max_sessions=2)) as url:
        assert asyncio.run(scenario(url)) == [1.0, 0.0]


def test_step_before_reset_is_an_error_not_a_reward():
    with serve_app(create_openenv_app(envsdk.load_environment("toy-echo"))) as url:
        with GenericEnvClient(base_url=url).sync() as client, pytest.raises(Exception, match="reset before step"):
            client.step({"content": "x"})


def test_a_non_loopback_host_is_refused_without_allow_remote(capsys):
    from envsdk.cli.main import main

    assert main(["serve-openenv", "toy-echo", "--host", "0.0.0.0"]) == 2
    assert "unauthenticated OpenEnv server" in capsys.readouterr().err
