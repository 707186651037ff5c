"""The local HF generator: masks up to the first EOS, seeded sampling, top-p, and the ChatClient protocol."""

from __future__ import annotations

import asyncio

import pytest
import torch

import envsdk
from envsdk.clients.hf_generator import HFChatClient, HFGenerator, top_p_filter
from envsdk.train.tiny import TinyConfig, char_tokenizer, tiny_model


@pytest.fixture(scope="module")
def generator():
    tokenizer = char_tokenizer()
    return HFGenerator(tiny_model(tokenizer, TinyConfig(n_layer=1), seed=0), tokenizer, seed=0)


def test_completion_mask_covers_tokens_through_the_first_eos(generator):
    samples = generator.sample(["ab\n", "a longer prompt\n"], n=8, max_tokens=6)
    eos = generator.tokenizer.eos_token_id
    for ids, mask in zip(samples.completion_ids.tolist(), samples.completion_mask.tolist()):
        length = ids.index(eos) + 1 if eos in ids else len(ids)
        assert mask == [1] * length + [0] * (len(ids) - length)


def test_rows_come_in_groups_of_n_per_prompt(generator):
    samples = generator.sample(["x\n", "yy\n"], n=3, max_tokens=2)
    assert samples.prompt_ids.shape[0] == 6
    assert torch.equal(samples.prompt_ids[0], samples.prompt_ids[2])
    assert not torch.equal(samples.prompt_ids[2], samples.prompt_ids[3])


def test_same_seed_gives_the_same_samples(generator):
    a = HFGenerator(generator.model, generator.tokenizer, seed=7).sample(["q\n"], n=16, max_tokens=4).texts
    b = HFGenerator(generator.model, generator.tokenizer, seed=7).sample(["q\n"], n=16, max_tokens=4).texts
    assert a == b


def test_shared_prompt_cache_gives_the_same_log_probs_as_separate_prompts(generator):
    """Prefilling once per prompt and repeating the cache must not change the distribution."""
    greedy = generator.sample(["abc\n", "z\n"], n=2, temperature=0, max_tokens=4).texts
    alone = [generator.sample([p], n=1, temperature=0, max_tokens=4).texts[0] for p in ("abc\n", "z\n")]
    assert greedy == [alone[0], alone[0], alone[1], alone[1]]


def test_top_p_keeps_the_smallest_set_reaching_p():
    logits = torch.log(torch.tensor([[0.5, 0.3, 0.15, 0.05]]))
    kept = torch.isfinite(top_p_filter(logits, 0.8))
    assert kept.tolist() == [[True, True, False, False]]


def test_chat_client_over_the_generator_serves_environment_rollouts(generator):
    env = envsdk.load_environment("toy-even")
    result = asyncio.run(env.rollout(HFChatClient(generator), env.rows()[0], max_tokens=3))
    assert isinstance(result.completion, str) and len(result.completion) <= 3


def test_generation_stops_at_the_end_of_the_models_context():
    """A caller's max_tokens beyond the context (an environment that sets none gets 256) is capped, not an
    IndexError from positions the model does not have."""
    tokenizer = char_tokenizer()
    small = HFGenerator(tiny_model(tokenizer, TinyConfig(n_layer=1, n_positions=24), seed=0), tokenizer, seed=0)
    samples = small.sample(["a prompt of 18 ch\n"], n=2, temperature=1.0, max_tokens=256)
    assert samples.prompt_ids.shape[1] == 18
    assert samples.completion_ids.shape[1] <= 24 - 18


def test_a_prompt_that_fills_the_context_is_a_clear_error():
    tokenizer = char_tokenizer()
    small = HFGenerator(tiny_model(tokenizer, TinyConfig(n_layer=1, n_positions=8), seed=0), tokenizer, seed=0)
    with pytest.raises(ValueError, match="a prompt of 9 tokens leaves no room in the model's context of 8 positions"):
        small.sample(["123456789"], max_tokens=4)
