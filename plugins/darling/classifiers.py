"""Classifiers by name: `load_classifier("minilm-pair")`, `load_classifier("cosine", threshold=0.8)`..."""

from __future__ import annotations

from typing import Any, Callable

from envsdk.errors import OptionError

from .classifier import Classifier


def _minilm_pair(**kw: Any) -> Classifier:
    from .minilm_pair import MiniLMPairClassifier

    return MiniLMPairClassifier(**kw)


def _cross_encoder(**kw: Any) -> Classifier:
    from .cross_encoder import CrossEncoderClassifier

    return CrossEncoderClassifier(**kw)


def _cosine(**kw: Any) -> Classifier:
    from .cosine import CosineClassifier

    return CosineClassifier(**kw)


def _hf_pair(**kw: Any) -> Classifier:
    from .pair_model import HFPairClassifier

    return HFPairClassifier(**kw)


def _modernbert(**kw: Any) -> Classifier:
    """The paper's WildChat classifier: ModernBERT-base, τ = 0.32, 1,022 words per response."""
    defaults = {"model": "dogtooth/similarity-classifier-f168-hf", "threshold": 0.32, "max_words": 1022}
    return _hf_pair(**{**defaults, **kw})


def _qwen3_math(**kw: Any) -> Classifier:
    """The paper's math classifier: Qwen3-Embedding-4B + head, τ = 0.5, 2,046 words per response."""
    defaults = {
        "model": "dogtooth/qwen3-4b-emb-finetuned-step-70-hf",
        "threshold": 0.5,
        "template": "qwen",
        "max_words": 2046,
    }
    return _hf_pair(**{**defaults, **kw})


def _final_answer(**kw: Any) -> Classifier:
    from .lexical import FinalAnswerClassifier

    return FinalAnswerClassifier(**kw)


def _lexical(**kw: Any) -> Classifier:
    from .lexical import LexicalClassifier

    return LexicalClassifier(**kw)


def _vllm(**kw: Any) -> Classifier:
    from .vllm_client import VLLMClassifier

    return VLLMClassifier(**kw)


def _judge(**kw: Any) -> Classifier:
    from .judge import JudgeClassifier

    return JudgeClassifier(**kw)


CLASSIFIERS: dict[str, Callable[..., Classifier]] = {
    "minilm-pair": _minilm_pair,
    "cross-encoder": _cross_encoder,
    "cosine": _cosine,
    "hf-pair": _hf_pair,
    "modernbert": _modernbert,
    "qwen3-math": _qwen3_math,
    "final-answer": _final_answer,
    "lexical": _lexical,
    "vllm": _vllm,
    "judge": _judge,
}


class LazyClassifier(Classifier):
    """A named classifier built on its first use, so groups that never need one (short answers,
    explicit partitions) never load a model."""

    def __init__(self, name: str, **options: Any):
        if name not in CLASSIFIERS:
            raise OptionError(f"unknown DARLING classifier {name!r}; known: {', '.join(sorted(CLASSIFIERS))}")
        self.name, self.options = name, options
        self._loaded: Classifier | None = None

    @property
    def loaded(self) -> Classifier:
        if self._loaded is None:
            self._loaded = CLASSIFIERS[self.name](**self.options)
        return self._loaded

    @property
    def threshold(self) -> float:  # type: ignore[override]
        return self.loaded.threshold

    @property
    def pays_per_pair(self) -> bool:  # type: ignore[override]
        return self.loaded.pays_per_pair

    def same_probs(self, prompt, texts, pairs):
        return self.loaded.same_probs(prompt, texts, pairs)

    def describe(self) -> dict[str, Any]:
        return self.loaded.describe() if self._loaded is not None else {"name": self.name, **self.options}


def load_classifier(classifier: str | Classifier, *, lazy: bool = False, **options: Any) -> Classifier:
    """A classifier from its registered name and constructor options (an instance passes through);
    `lazy=True` defers building it to its first use."""
    if isinstance(classifier, Classifier):
        if options:
            raise ValueError("classifier options were given with a ready Classifier instance")
        return classifier
    built = LazyClassifier(classifier, **options)
    return built if lazy else built.loaded
