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


def test_factory_and_reward_function_pickle_and_rebuild_the_env_from_the_spec():
    built = environment_factory("trl-vault", max_tool_calls=3)
    factory, func = pickle.loads(pickle.dumps((built, built.reward_funcs()[0])))
    episode = _episode(factory, 1)
    assert factory.env.max_tool_calls == 3 and factory.env is not built.env
    assert episode.lookup(key="cobalt") == "9035"
    assert func([trl_records(factory.env)[1]["prompt"]], [[{"role": "assistant", "content": "9035"}]],
                environments=[episode]) == [1.0]


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


def test_async_reward_function_scores_the_same_way():
    import asyncio

    factory = environment_factory("trl-vault")
    prompt = trl_records(factory.env)[0]["prompt"]
    (func,) = factory.reward_funcs(asynchronous=True)
    answer = [{"role": "assistant", "content": "4172"}]
    assert asyncio.run(func([prompt], [answer], environments=[_episode(factory)])) == [1.0]


def test_group_transforms_see_the_episodes_of_each_prompt_together(rank_sizes):
    factory = environment_factory("trl-vault", transforms=["rank"], num_generations=2)
    records = trl_records(factory.env)
    episodes = [_episode(factory, 0), _episode(factory, 1), _episode(factory, 0), _episode(factory, 1)]
    texts = ["4172", "no", "no", "9035"]
    (func,) = factory.reward_funcs()
    rewards = func([records[i]["prompt"] for i in (0, 1, 0, 1)], [[{"role": "assistant", "content": t}] for t in texts],
                   environments=episodes)
    assert rank_sizes == [2, 2]
    assert rewards == [1.0, 0.0, 0.0, 1.0]


def test_webqa_tools_run_through_episodes_and_its_rubric_grades_the_submission():
    import asyncio

    pytest.importorskip("envsdk_env_webqa")
    factory = environment_factory("webqa", limit=1)
    try:
        episode = _episode(factory)
        hits = episode.search(query="Orvane Observatory founded", k=2)
        assert "orvane-observatory" in hits
        assert "1879" in episode.open(id_or_url="orvane-observatory")
        assert episode.submit(answer="1879") == "Answer submitted."
        completion = [_tool_turn("submit", answer="1879"), {"role": "tool", "name": "submit", "content": "ok"}]
        (func,) = factory.reward_funcs()
        assert func([trl_records(factory.env)[0]["prompt"]], [completion], environments=[episode]) == [1.0]
        assert episode.state["stop_reason"] == "done"
    finally:
        asyncio.run(factory.env.aclose())


# ---- a real GRPOTrainer run -----------------------------------------------------------------------------
# A compact tool-calling chat template in the Qwen/Hermes shape (`<tool_call>{json}</tool_call>`), so the tiny
# model's sequences stay short; TRL parses replies with its own Qwen3 response template.
TOOL_TEMPLATE = (
    "{%- if tools %}<|im_start|>system\n{% for t in tools %}{{ t.function.name }}"
    "({{ t.function.parameters.properties | list | join(', ') }}): {{ t.function.description }}\n"
    "{% endfor %}<|im_end|>\n{% endif %}"
    "{%- for m in messages %}<|im_start|>{{ m.role }}\n{{ m.content }}"
    "{%- for c in m.tool_calls or [] %}<tool_call>{{ {'name': c.function.name, 'arguments': c.function.arguments}"
    " | tojson }}</tool_call>{% endfor %}<|im_end|>\n{% endfor %}"
    "{%- if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)
TURN_TOKENS = ["<|im_start|>", "<|im_end|>", "<tool_call>", "</tool_call>"]
PIECES = r"\w+|[^\w\s]|\s"


def _tool_tokenizer(corpus=()):
    """A word-level tokenizer over `corpus`, with turn and tool-call tokens and the tool template (no download)."""
    import re

    from tokenizers import Regex, Tokenizer, decoders, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast
    from trl.chat_template_utils import qwen3_template

    words = sorted({w for text in corpus for w in re.findall(PIECES, text)} - set(TURN_TOKENS))
    core = Tokenizer(models.WordLevel({t: i for i, t in enumerate(["<pad>", "<unk>", *TURN_TOKENS, *words])},
                                      unk_token="<unk>"))
    core.pre_tokenizer = pre_tokenizers.Split(Regex(PIECES), behavior="isolated")
    core.decoder = decoders.Fuse()
    tok = PreTrainedTokenizerFast(tokenizer_object=core, pad_token="<pad>", unk_token="<unk>", eos_token="<|im_end|>",
                                  padding_side="left", additional_special_tokens=TURN_TOKENS)
    tok.chat_template = TOOL_TEMPLATE
    tok.response_template = qwen3_template
    return tok


def _warm_start_pairs(factory, tok):
    """(rendered context, target) pairs of the ideal episode: call lookup with the asked key, then say the code."""
    episode = factory()
    tools = [getattr(episode, name) for name in factory.env.tools]
    pairs = []
    for record in trl_records(factory.env):
        key, prompt = record["id"], record["prompt"]
        call = _tool_turn("lookup", key=key)
        pairs.append((tok.apply_chat_template(prompt, tools=tools, add_generation_prompt=True, tokenize=False),
                      f'<tool_call>{{"name": "lookup", "arguments": {{"key": "{key}"}}}}</tool_call>'))
        result = {"role": "tool", "name": "lookup", "content": VAULT[key]}
        pairs.append((tok.apply_chat_template(prompt + [call, result], tools=tools, add_generation_prompt=True,
                                              tokenize=False), VAULT[key]))
    return pairs


def _tool_policy(factory):
    """A tiny GPT-2 warm-started to call the tool and then answer, as a tool-tuned model would."""
    from envsdk.train.tiny import TinyConfig, tiny_model, warm_start

    pairs = _warm_start_pairs(factory, _tool_tokenizer())
    tok = _tool_tokenizer([text for pair in pairs for text in pair])
    pairs = _warm_start_pairs(factory, tok)
    config = TinyConfig(n_embd=32, n_positions=256, warm_start_steps=150, warm_start_batch=8)
    model = tiny_model(tok, config, seed=0)

    def sample(rng):  # warm_start renders the "prompt" it gets back through `render`: here, a pair's index
        index = rng.randrange(len(pairs))
        return str(index), pairs[index][1]

    warm_start(model, tok, sample, config, 0, lambda messages: pairs[int(messages[0]["content"])][0])
    return model, tok


@pytest.fixture
def one_torch_thread():
    """One intra-op thread: a tiny model gains nothing from two, and on a busy shared machine they contend."""
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def test_grpo_trainer_runs_tool_episodes_through_environment_factory(tmp_path, monkeypatch, one_torch_thread):
    from trl import GRPOConfig, GRPOTrainer

    monkeypatch.setenv("TRL_EXPERIMENTAL_SILENCE", "1")
    factory = environment_factory("trl-vault")
    model, tok = _tool_policy(factory)
    args = GRPOConfig(
        output_dir=str(tmp_path), max_steps=2, per_device_train_batch_size=4, num_generations=4,
        max_completion_length=64, max_tool_calling_iterations=factory.max_tool_rounds, temperature=0.5,
        use_cpu=True, bf16=False, report_to="none", logging_steps=1, save_strategy="no", dataloader_num_workers=0,
    )
    trainer = GRPOTrainer(model=model, reward_funcs=factory.reward_funcs(), args=args,
                          train_dataset=to_trl_dataset(factory.env), processing_class=tok, environment_factory=factory)
    trainer.train()
    logs = [entry for entry in trainer.state.log_history if "loss" in entry]
    assert len(logs) == 2 and all(math.isfinite(entry["loss"]) for entry in logs)
    for entry in logs:  # TRL parsed and ran tool calls; the env's own state logged them; its rubric scored
        assert entry["tools/call_frequency"] > 0 and entry["envsdk/episode/tool_calls_mean"] > 0
        assert math.isfinite(entry["rewards/envsdk_trl-vault/mean"]) and entry["envsdk/verify/error_rate"] == 0.0
        assert {"envsdk/rewards/answered/mean", "envsdk/rewards/right_key/mean"} <= set(entry)
    assert all(ep.state["stop_reason"] for ep in trainer.environments)  # the last batch's episodes were finished
