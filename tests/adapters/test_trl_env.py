"""TRL's multi-turn path: an envsdk ToolEnv as `GRPOTrainer(environment_factory=...)`, scored by its rubric."""

from __future__ import annotations

import math
import pickle

import envsdk
import pytest
from envsdk import Environment, Rubric, ToolEnv, ToolError, reward
from envsdk.adapters.trl import to_trl_dataset, trl_records
from envsdk.adapters.trl_env import environment_factory
from envsdk.messages import completion_text

VAULT = {"amber": "4172", "cobalt": "9035", "indigo": "2268", "jade": "7741"}


def lookup(key: str, state: dict) -> str:
    """Read the code stored under a key.

    Args:
        key: the key's name
    """
    if key not in VAULT:
        raise ToolError(f"no key {key!r}; keys: {sorted(VAULT)}")
    state["looked_up"] = key
    return VAULT[key]


def seal(state: dict) -> str:
    """Close the vault: the episode ends."""
    state["done"] = True
    return "sealed"


@reward
def answered(completion, answer) -> bool:
    """The final assistant text is the code."""
    return completion_text(completion).strip() == answer


def right_key(state, example) -> float:
    """1 when the episode looked up the key its question asks about (a zero-weight metric read from state)."""
    return float(state.get("looked_up") == example["id"])


def load_vault(**kwargs) -> ToolEnv:
    """Look up a key's code with a tool, then say it."""
    rows = [{"id": k, "prompt": f"Code of {k}?", "answer": v} for k, v in VAULT.items()]
    rubric = Rubric([answered])
    rubric.add_metric(right_key)
    options = {"max_turns": 2, "max_tool_calls": 1, **kwargs}
    return ToolEnv(tools=[lookup, seal], dataset=rows, rubric=rubric, system_prompt="Use the vault.", **options)


envsdk.register_environment("trl-vault", load_vault)


def _episode(factory, index=0):
    episode = factory()
    episode.reset(**trl_records(factory.env)[index])
    return episode


def _tool_turn(name, **arguments):
    """An assistant message with one tool call, in the shape TRL's response parser gives."""
    return {"role": "assistant", "content": "", "tool_calls": [
        {"type": "function", "function": {"name": name, "arguments": arguments}}]}


def test_episode_methods_are_the_env_tools_without_hidden_arguments():
    from transformers.utils import get_json_schema

    episode = environment_factory("trl-vault")()
    schema = get_json_schema(episode.lookup)["function"]
    assert schema["name"] == "lookup"
    assert list(schema["parameters"]["properties"]) == ["key"]
    assert schema["parameters"]["properties"]["key"]["description"] == "the key's name"
    assert get_json_schema(episode.seal)["function"]["parameters"]["properties"] == {}


def test_tool_calls_run_in_the_env_with_its_state_and_budget():
    episode = _episode(environment_factory("trl-vault"))
    assert episode.lookup(key="amber") == "4172"
    assert episode.lookup(key="jade").startswith("Error: the tool-call budget (1) is used up")
    assert [c["name"] for c in episode.state["tool_calls"]] == ["lookup", "lookup"]
    assert episode.state["tool_budget_exhausted"] is True
    assert episode.state["looked_up"] == "amber"


def test_tool_errors_and_bad_arguments_reach_the_model_as_text():
    episode = _episode(environment_factory("trl-vault", max_tool_calls=5))
    assert episode.lookup(key="onyx").startswith("Error: no key 'onyx'")
    assert episode.lookup(colour="red").startswith("Error: unknown argument(s) ['colour']")
    assert episode.state["tool_errors"] == 2


def test_tool_calls_after_the_env_says_done_are_not_run():
    episode = _episode(environment_factory("trl-vault", max_tool_calls=5))
    assert episode.seal() == "sealed"
    assert episode.lookup(key="amber").startswith("Error: the episode is over")
    assert "looked_up" not in episode.state


def test_reset_starts_a_fresh_state_for_the_next_row():
    factory = environment_factory("trl-vault")
    episode = _episode(factory, 0)
    episode.lookup(key="amber")
    episode.reset(**trl_records(factory.env)[1])
    assert episode.row["id"] == "cobalt"
    assert "tool_calls" not in episode.state


def test_reward_scores_transcript_and_state_with_the_rubric():
    factory = environment_factory("trl-vault")
    good, bad = _episode(factory, 0), _episode(factory, 0)
    good.lookup(key="amber")
    prompt = trl_records(factory.env)[0]["prompt"]
    good_completion = [_tool_turn("lookup", key="amber"), {"role": "tool", "name": "lookup", "content": "4172"},
                       {"role": "assistant", "content": "4172"}]
    bad_completion = [{"role": "assistant", "content": "no idea"}]
    logged = {}
    (func,) = factory.reward_funcs()
    rewards = func([prompt, prompt], [good_completion, bad_completion], environments=[good, bad],
                   log_metric=lambda k, v: logged.__setitem__(k, v))
    assert rewards == [1.0, 0.0]
    assert logged["envsdk/rewards/right_key/mean"] == 0.5
    assert logged["envsdk/episode/tool_calls_mean"] == 0.5
    assert good.state["stop_reason"] == "no_tool_calls" and good.state["turn"] == 2


def test_reward_leaves_episodes_of_other_environments_to_their_own_function():
    mine, other = environment_factory("trl-vault"), environment_factory("trl-vault")
    prompt = trl_records(mine.env)[0]["prompt"]
    completion = [{"role": "assistant", "content": "4172"}]
    (func,) = mine.reward_funcs()
    assert func([prompt] * 2, [completion] * 2, environments=[_episode(mine), _episode(other)]) == [1.0, None]


def test_factory_pickles_and_rebuilds_its_env_from_the_spec():
    factory = pickle.loads(pickle.dumps(environment_factory("trl-vault", max_tool_calls=3)))
    episode = _episode(factory)
    assert factory.env.max_tool_calls == 3
    assert episode.lookup(key="cobalt") == "9035"


def test_single_turn_and_text_format_envs_are_refused():
    single = Environment(dataset=[{"prompt": "hi", "answer": "x"}], rubric=Rubric([answered]))
    with pytest.raises(TypeError, match="hosts tool environments"):
        environment_factory(single)
    with pytest.raises(ValueError, match="tool_format='native'"):
        environment_factory(load_vault(tool_format="text"))


def test_check_config_asks_for_tool_rounds_within_max_turns():
    from trl import GRPOConfig

    factory = environment_factory("trl-vault")
    args = GRPOConfig(output_dir="unused", use_cpu=True, report_to="none")
    with pytest.raises(ValueError, match="max_tool_calling_iterations=1"):
        factory.check_config(args)
    args.max_tool_calling_iterations = factory.max_tool_rounds
    factory.check_config(args)
