"""Shared fixtures: tiny Hugging Face models built from configs, and loopback HTTP servers."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Callable

import pytest

from tests.helpers.http import Answer, LoopbackHTTP

DATA = Path(__file__).parents[2] / "../shared/data/novelty-bench/classifier_train.jsonl"


@pytest.fixture(scope="session")
def minilm_tokenizer_dir(tmp_path_factory) -> Path:
    from transformers import AutoTokenizer

    from envsdk_darling.cosine import minilm_path

    out = tmp_path_factory.mktemp("tok")
    AutoTokenizer.from_pretrained(minilm_path()).save_pretrained(out)
    return out


def build_tiny_classifier(out: Path, architecture: str, num_labels: int = 2, extra_tokens: list[str] = ()) -> Path:
    """A randomly initialised sequence classifier with the MiniLM tokenizer, saved to `out`."""
    import torch
    from transformers import AutoConfig, AutoModelForSequenceClassification, AutoTokenizer

    from envsdk_darling.cosine import minilm_path

    torch.manual_seed(0)
    tokenizer = AutoTokenizer.from_pretrained(minilm_path())
    if extra_tokens:
        tokenizer.add_special_tokens({"additional_special_tokens": list(extra_tokens)})
    config = AutoConfig.for_model(
        architecture,
        vocab_size=len(tokenizer),
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=128,
        num_labels=num_labels,
        pad_token_id=tokenizer.pad_token_id,
    )
    AutoModelForSequenceClassification.from_config(config).save_pretrained(out)
    tokenizer.save_pretrained(out)
    return out


@pytest.fixture(scope="session")
def tiny_bert_classifier(tmp_path_factory) -> Path:
    return build_tiny_classifier(tmp_path_factory.mktemp("bert"), "bert")


class Loopback(LoopbackHTTP):
    """A real HTTP server on 127.0.0.1 answering JSON POSTs with `handler(path, body) -> (status, body)`."""

    def __init__(self, handler: Callable[[str, dict], tuple[int, dict]]):
        self.requests: list[tuple[str, dict]] = []

        def answer(path: str, raw: bytes) -> Answer:
            body = json.loads(raw)
            self.requests.append((path, body))
            status, reply = handler(path, body)
            return Answer(status, json.dumps(reply).encode())

        super().__init__(answer)


@pytest.fixture
def loopback():
    servers = []

    def start(handler):
        servers.append(Loopback(handler))
        return servers[-1]

    yield start
    for s in servers:
        s.close()
