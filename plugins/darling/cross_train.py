"""Fine-tune the pair cross-encoder on labelled pairs (`envsdk darling train-classifier --model cross-encoder`).

Every encoder layer learns (the word-embedding table stays frozen: fewer tensors to ship, less to
overfit with ~600 pairs). Training is symmetric: each pair is read in both orders in the same step.
The loss weighs the rarer class up by the class ratio; the threshold is the one with the best balanced
accuracy on a validation part carved from the training pairs (seeded), never on held-out pairs.
"""

from __future__ import annotations

import random
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable, Sequence

import torch

from .augment import hard_pairs
from .cross_encoder import FROZEN_PREFIX, SPEC_FILE, CrossEncoder, CrossEncoderClassifier, CrossEncoderSpec
from .pairs import Accuracy, LabelledPair, evaluate, rank_auc, split_pairs
from .train import balanced_threshold, pair_loss


@dataclass
class CrossTrainSettings:
    """Optimisation settings of `train_cross_encoder`."""

    epochs: int = 1  # each pair in both orders once; more did not fit 2 shared cores (docs/darling.md)
    batch_pairs: int = 8  # 16 rows per step: every pair in both orders
    lr: float = 4e-5
    lr_head: float = 1e-3
    weight_decay: float = 0.01
    warmup_fraction: float = 0.1
    validation_fraction: float = 0.2  # of the training pairs, for the threshold (0: the training pairs)
    augment: float = 0.0  # hard pairs from this share of the fitting pairs (augment.py)
    seed: int = 0


def balanced_accuracy(probs: Sequence[float], labels: Sequence[int], threshold: float) -> float:
    """Mean of the recalls on "same" and "different" at `threshold` (0.5 for a class that is absent)."""
    recalls = []
    for label in (0, 1):
        hits = [(p > threshold) == bool(y) for p, y in zip(probs, labels) if y == label]
        recalls.append(sum(hits) / len(hits) if hits else 0.5)
    return sum(recalls) / 2


def pair_probs(model: CrossEncoder, pairs: Sequence[LabelledPair]) -> list[float]:
    """Symmetric P(same) of labelled pairs, batched."""
    model.eval()
    return model.symmetric_probs([(p.prompt, p.generation_0, p.generation_1) for p in pairs]).tolist()


def train_cross_encoder(
    train: Sequence[LabelledPair],
    heldout: Sequence[LabelledPair],
    output: Path,
    spec: CrossEncoderSpec | None = None,
    settings: CrossTrainSettings | None = None,
    report: Callable[[str], None] = print,
    base_path: str | None = None,
) -> Accuracy | None:
    """Train on `train` (less its validation part), save to `output`, and return the accuracy on
    `heldout` (None when it is empty: score it yourself, once)."""
    spec, settings = spec or CrossEncoderSpec(), settings or CrossTrainSettings()
    torch.manual_seed(settings.seed)
    rng = random.Random(settings.seed)
    started = time.perf_counter()
    if settings.validation_fraction > 0:
        fit, validation = split_pairs(train, fraction=settings.validation_fraction, seed=settings.seed)
    else:
        fit, validation = list(train), []
    extra = hard_pairs(fit, settings.augment, settings.seed) if settings.augment > 0 else []
    examples = fit + extra
    report(
        f"{len(fit)} fitting pairs (+{len(extra)} augmented), {len(validation)} validation, {len(heldout)} held out; "
        f"settings {asdict(settings)}; spec {spec.model_dump(exclude={'training'})}"
    )
    model = CrossEncoder(spec, base_path)
    head = [p for n, p in model.model.named_parameters() if n.startswith("classifier.")]
    encoder = [p for n, p in model.model.named_parameters() if not n.startswith(("classifier.", FROZEN_PREFIX))]
    model.model.get_parameter(FROZEN_PREFIX + "weight").requires_grad_(False)
    optimizer = torch.optim.AdamW(
        [{"params": encoder, "lr": settings.lr}, {"params": head, "lr": settings.lr_head}], weight_decay=settings.weight_decay
    )
    steps = max(1, settings.epochs * -(-len(examples) // settings.batch_pairs))
    warmup = max(1, round(settings.warmup_fraction * steps))
    schedule = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda s: min((s + 1) / warmup, max(0.0, (steps - s) / (steps - warmup + 1e-9))))
    loss_fn = pair_loss(examples, balanced=True)
    step = 0
    for epoch in range(settings.epochs):
        model.train()
        order = list(examples)
        rng.shuffle(order)
        total = 0.0
        for b in range(0, len(order), settings.batch_pairs):
            batch = order[b : b + settings.batch_pairs]
            rows = model.rows([(p.prompt, p.generation_0, p.generation_1) for p in batch])
            labels = torch.tensor([float(p.similar) for p in batch] * 2)  # both orders
            loss = loss_fn(model.logits(rows), labels)
            optimizer.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(encoder + head, 1.0)
            optimizer.step()
            schedule.step()
            step += 1
            total += loss.item() * len(batch)
            if step % 20 == 0:
                report(f"step {step}/{steps}: loss {loss.item():.4f} ({time.perf_counter() - started:.0f}s)")
        report(f"epoch {epoch + 1}/{settings.epochs}: train loss {total / len(order):.4f} ({time.perf_counter() - started:.0f}s)")
    calibration = validation or fit
    probs = pair_probs(model, calibration)
    labels = [p.similar for p in calibration]
    spec.threshold = balanced_threshold(probs, labels)
    chosen_on = "validation" if validation else "training"
    auc, auc_lo, auc_hi = rank_auc(probs, labels)
    metrics = {
        "threshold_chosen_on": chosen_on,
        "pairs": len(calibration),
        "balanced_accuracy": balanced_accuracy(probs, labels, spec.threshold),
        "balanced_accuracy_at_0.5": balanced_accuracy(probs, labels, 0.5),
        "auc": auc,
        "auc_ci95": [auc_lo, auc_hi],
        "prob_range": [min(probs), max(probs)],
    }
    report(
        f"threshold {spec.threshold:.4f} (best balanced accuracy on the {chosen_on} pairs: "
        f"{metrics['balanced_accuracy']:.1%}; at 0.5: {metrics['balanced_accuracy_at_0.5']:.1%}); "
        f"AUC {auc:.3f} (95% CI {auc_lo:.3f}–{auc_hi:.3f}), P(same) from {min(probs):.3f} to {max(probs):.3f}"
    )
    if auc_lo <= 0.5 or max(probs) - min(probs) < 0.1:
        report(
            f"warning: the scores barely separate the {chosen_on} pairs (AUC interval reaching 0.5, or all P(same) "
            "within 0.1 of each other): the model learned little, and a threshold picked on these scores is noise"
        )
    spec.training = {
        "pairs_fit": len(fit),
        "pairs_augmented": len(extra),
        "pairs_validation": len(validation),
        "pairs_heldout": len(heldout),
        "settings": asdict(settings),
        "calibration": metrics,
        "seconds": round(time.perf_counter() - started, 1),
        "torch_threads": torch.get_num_threads(),
    }
    model.save(output)
    report(f"saved to {output} ({time.perf_counter() - started:.0f}s)")
    if not heldout:
        return None
    accuracy = evaluate(CrossEncoderClassifier(weights=output, base_path=base_path), heldout)
    report(accuracy.line("cross-encoder"))
    spec.training["heldout"] = accuracy.model_dump()
    (output / SPEC_FILE).write_text(spec.model_dump_json(indent=1) + "\n")
    return accuracy
