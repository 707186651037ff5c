"""OpenRLHF's file hook, the Gymnasium-style text env, and dataset export."""

from envsdk.adapters.export import to_trl_dataset
from envsdk.adapters.gym import TextEnv
from envsdk.adapters.openrlhf import make_reward_func


def test_openrlhf_reward_func_answers_in_openrlhf_shape():
    reward_func = make_reward_func("adapters-flaky")
    out = reward_func(["Say apple", "Say raise"], ["Say ", "Say "], ["apple", "apple"])
    assert out["rewards"] == [1.0, 0.0]
    assert out["scores"] == [1.0, 0.0]
    assert out["extra_logs"]["verify/error_rate"] == 0.5


def test_text_env_reset_gives_the_prompt_and_step_the_reward():
    env = TextEnv("adapters-flaky")
    observation, info = env.reset(options={"id": "w1"})
    assert observation == [{"role": "user", "content": "Say river"}] and info["id"] == "w1"
    _, reward, terminated, truncated, info = env.step("river")
    assert (reward, terminated, truncated, info["error"]) == (1.0, True, False, None)
    env.close()


def test_text_env_flags_a_verifier_error():
    env = TextEnv("adapters-flaky")
    env.reset(seed=0)
    _, reward, _, _, info = env.step("raise")
    assert reward == 0.0 and "verifier bug" in info["error"]
    env.close()


def test_trl_dataset_has_prompt_messages_and_the_row():
    ds = to_trl_dataset("adapters-flaky")
    assert ds.column_names == ["prompt", "id", "answer", "envsdk_row"]
    assert ds[0]["prompt"] == [{"role": "user", "content": "Say apple"}]


def test_text_env_flags_a_row_without_its_answer():
    env = TextEnv("adapters-flaky")
    env.reset(options={"row": {"prompt": "Say apple"}})
    _, reward, terminated, _, info = env.step("apple")
    assert (reward, terminated) == (0.0, True)
    assert info["error"].startswith("bad row: missing field 'answer'")
    env.close()


def test_openrlhf_reward_func_flags_an_empty_label():
    out = make_reward_func("adapters-flaky")(["Say apple"], ["Say "], [""])
    assert out["rewards"] == [0.0] and out["extra_logs"]["verify/error_rate"] == 1.0
