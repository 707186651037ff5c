"""Fine-tune the MiniLM pair classifier on labelled pairs (`envsdk darling train-classifier`).

Only the top `trainable_layers` encoder layers and the pair head learn. The frozen lower layers run
once per window before training (their outputs are cached), so an epoch costs only the top layers.
"""

from __future__ import annotations

import contextlib
import copy
import logging
import random
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator, Sequence

import torch
from torch import nn

from .minilm_pair import MiniLMPairClassifier, MiniLMPairModel, PairModelSpec, pool_windows
from .pairs import Accuracy, LabelledPair, evaluate

log = logging.getLogger("envsdk_darling.train")


@dataclass
class TrainSettings:
    """Optimisation settings of `train_classifier`."""

    epochs: int = 3
    batch_pairs: int = 16
    lr_encoder: float = 5e-5
    lr_head: float = 2e-2
    max_windows: int | None = None  # e.g. 1: train on each response's first window only (cheaper)
    max_tokens: int | None = None  # e.g. 128: cut training windows to this many tokens (cheaper)
    weight_decay: float = 0.01
    seed: int = 0
    balanced: bool = False  # weight the rarer class up in the loss; threshold for balanced accuracy on train


@contextlib.contextmanager
def training_log(path: Path) -> Iterator[Callable[[str], None]]:
    """A `report` function that prints each message and appends it to the log file at `path`."""
    with open(path, "w") as log:

        def report(message: str) -> None:
            print(message, flush=True)
            log.write(message + "\n")
            log.flush()

        yield report


def pair_loss(train: Sequence[LabelledPair], balanced: bool) -> nn.BCEWithLogitsLoss:
    """Logistic loss; `balanced` weighs positives by negatives/positives so both classes count equally."""
    positives = sum(p.similar for p in train)
    if not balanced or positives in (0, len(train)):
        return nn.BCEWithLogitsLoss()
    return nn.BCEWithLogitsLoss(pos_weight=torch.tensor((len(train) - positives) / positives))


def balanced_threshold(probs: Sequence[float], labels: Sequence[int]) -> float:
    """The threshold (midpoint between consecutive distinct probabilities) with the best balanced
    accuracy, i.e. the mean of the two per-class recalls, on these labelled probabilities."""
    values = sorted(set(probs))
    candidates = [(a + b) / 2 for a, b in zip(values, values[1:])] or [0.5]
    positives = sum(labels)
    negatives = len(labels) - positives

    def score(t: float) -> float:
        tp = sum(p > t and y == 1 for p, y in zip(probs, labels))
        tn = sum(p <= t and y == 0 for p, y in zip(probs, labels))
        return (tp / max(positives, 1) + tn / max(negatives, 1)) / 2

    return max(candidates, key=score)


class _PassThrough(nn.Module):
    """Stands in for BERT's embedding layer so the top layers take cached hidden states."""

    def forward(self, inputs_embeds: torch.Tensor, **_: object) -> torch.Tensor:
        return inputs_embeds


class _WindowCache:
    """Each text's windows with the frozen layers' output (fp16), computed once."""

    def __init__(
        self, model: MiniLMPairModel, texts: Sequence[str], settings: TrainSettings, batch_windows: int = 32
    ):
        self.index = {t: k for k, t in enumerate(dict.fromkeys(texts))}
        rows, owner, self.first = model.chunk(list(self.index), settings.max_windows)
        if settings.max_tokens:
            sep = model.tokenizer.sep_token_id
            rows = [r if len(r) <= settings.max_tokens else [*r[: settings.max_tokens - 1], sep] for r in rows]
        self.windows: list[list[int]] = [[] for _ in self.index]
        self.states: list[torch.Tensor] = [None] * len(rows)  # type: ignore[list-item]
        self.final: list[torch.Tensor] = [None] * len(rows)  # type: ignore[list-item]
        for w, k in enumerate(owner):
            self.windows[k].append(w)
        frozen = model.num_layers - model.spec.trainable_layers
        order = sorted(range(len(rows)), key=lambda i: len(rows[i]))
        with torch.inference_mode():
            for b in range(0, len(order), batch_windows):
                part = order[b : b + batch_windows]
                ids, mask = model.pad([rows[i] for i in part])
                out = model.bert(input_ids=ids, attention_mask=mask, output_hidden_states=True).hidden_states
                for j, i in enumerate(part):
                    length = len(rows[i])
                    self.states[i] = out[frozen][j, :length].half()
                    self.final[i] = out[-1][j, :length].half()

    def batch(self, texts: Sequence[str], final: bool = False) -> tuple[torch.Tensor, torch.Tensor, list[int], list[bool]]:
        """Padded cached states and masks of the windows of `texts`, each window's owner and first flag."""
        source = self.final if final else self.states
        wins = [(w, k) for k, t in enumerate(texts) for w in self.windows[self.index[t]]]
        width = max(source[w].shape[0] for w, _ in wins)
        states = torch.zeros(len(wins), width, source[0].shape[-1])
        mask = torch.zeros(len(wins), width, dtype=torch.long)
        for row, (w, _) in enumerate(wins):
            states[row, : source[w].shape[0]] = source[w].float()
            mask[row, : source[w].shape[0]] = 1
        return states, mask, [k for _, k in wins], [self.first[w] for w, _ in wins]


def _top_encoder(model: MiniLMPairModel) -> nn.Module | None:
    """A BERT whose layers are the model's own top layers (shared parameters), fed cached states."""
    k = model.spec.trainable_layers
    if k == 0:
        return None
    config = copy.deepcopy(model.bert.config)
    config.num_hidden_layers = k
    top = type(model.bert)(config, add_pooling_layer=False)
    top.encoder.layer = nn.ModuleList(model.bert.encoder.layer[model.num_layers - k :])
    top.embeddings = _PassThrough()
    return top


def _embed_cached(model, top, cache: _WindowCache, texts: Sequence[str]) -> torch.Tensor:
    if top is None:
        return pool_windows([cache.batch(texts, final=True)], len(texts), model.spec.opening_tokens)
    states, mask, owner, first = cache.batch(texts)
    out = top(inputs_embeds=states, attention_mask=mask).last_hidden_state
    return pool_windows([(out, mask, owner, first)], len(texts), model.spec.opening_tokens)


def fit_head(
    model: MiniLMPairModel, top, cache: _WindowCache, train: Sequence[LabelledPair], balanced: bool = False
) -> tuple[float, list[float]]:
    """Refit the 3-parameter head to convergence (full-batch L-BFGS logistic regression) on the final
    embeddings: SGD leaves it far from the optimum because the cosines span a narrow range.
    Returns the training loss and the training pairs' P(same)."""
    with torch.no_grad():
        if top is not None:
            top.eval()
        emb = torch.cat(
            [
                _embed_cached(model, top, cache, [t for p in train[k : k + 64] for t in (p.generation_0, p.generation_1)])
                for k in range(0, len(train), 64)
            ]
        )
    labels = torch.tensor([float(p.similar) for p in train])
    optimizer = torch.optim.LBFGS(model.head.parameters(), lr=1.0, max_iter=500, line_search_fn="strong_wolfe")
    loss_fn = pair_loss(train, balanced)

    def closure():
        optimizer.zero_grad()
        loss = loss_fn(model.head(emb[0::2], emb[1::2]), labels)
        loss.backward()
        return loss

    optimizer.step(closure)
    with torch.no_grad():
        logits = model.head(emb[0::2], emb[1::2])
        return loss_fn(logits, labels).item(), torch.sigmoid(logits).tolist()


def train_classifier(
    train: Sequence[LabelledPair],
    heldout: Sequence[LabelledPair],
    output: Path,
    spec: PairModelSpec | None = None,
    settings: TrainSettings | None = None,
    report: Callable[[str], None] = print,
) -> Accuracy | None:
    """Train, save to `output`, and return the shipped weights' accuracy on `heldout` (None if empty)."""
    spec, settings = spec or PairModelSpec(), settings or TrainSettings()
    torch.manual_seed(settings.seed)
    rng = random.Random(settings.seed)
    started = time.perf_counter()
    model = MiniLMPairModel(spec)
    cache = _WindowCache(model, [t for p in train for t in (p.generation_0, p.generation_1)], settings)
    report(f"{len(train)} training pairs, {len(heldout)} held out; settings {vars(settings)}; spec {spec.model_dump()}")
    report(f"cached frozen layers for {len(cache.index)} texts in {time.perf_counter() - started:.0f}s")
    top = _top_encoder(model)
    encoder_params = [p for p in top.parameters()] if top is not None else []
    for p in model.bert.parameters():
        p.requires_grad_(False)
    for p in encoder_params:
        p.requires_grad_(True)
    groups = [{"params": list(model.head.parameters()), "lr": settings.lr_head}]
    if encoder_params:
        groups.append({"params": encoder_params, "lr": settings.lr_encoder})
    optimizer = torch.optim.AdamW(groups, weight_decay=settings.weight_decay)
    steps = max(1, settings.epochs * -(-len(train) // settings.batch_pairs))
    schedule = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda s: min(1.0, (s + 1) / 10) * max(0.0, 1 - s / steps))
    loss_fn = pair_loss(train, settings.balanced)
    for epoch in range(settings.epochs):
        model.train()
        order = list(train)
        rng.shuffle(order)
        total = 0.0
        for b in range(0, len(order), settings.batch_pairs):
            batch = order[b : b + settings.batch_pairs]
            texts = [t for p in batch for t in (p.generation_0, p.generation_1)]
            emb = _embed_cached(model, top, cache, texts)
            logits = model.head(emb[0::2], emb[1::2])
            loss = loss_fn(logits, torch.tensor([float(p.similar) for p in batch]))
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            schedule.step()
            total += loss.item() * len(batch)
        report(f"epoch {epoch + 1}/{settings.epochs}: train loss {total / len(train):.4f} ({time.perf_counter() - started:.0f}s)")
    model.eval()
    loss, probs = fit_head(model, top, cache, train, settings.balanced)
    report(f"head refit by L-BFGS: train loss {loss:.4f}")
    if settings.balanced:
        spec.threshold = balanced_threshold(probs, [p.similar for p in train])
        report(f"threshold {spec.threshold:.4f} (best balanced accuracy on the training pairs)")
    spec.training = {
        "pairs_train": len(train),
        "pairs_heldout": len(heldout),
        "settings": vars(settings),
        "seconds": round(time.perf_counter() - started, 1),
    }
    model.save(output)
    if not heldout:
        return None
    accuracy = evaluate(MiniLMPairClassifier(weights=output), heldout)
    report(accuracy.line("minilm-pair"))
    spec.training["heldout"] = accuracy.model_dump()
    (output / "minilm-pair.json").write_text(spec.model_dump_json(indent=1) + "\n")
    return accuracy
