"""Held-out accuracy (95% Wilson CI), balanced accuracy (95% stratified-bootstrap CI) and per-class recall of
the DARLING classifiers on our fixed NoveltyBench split, next to the majority baseline, and each one's cost per
group of 8 rollouts. Thresholds of the baselines are chosen on training pairs only; the cross-encoder's was
chosen on its validation part of the training pairs when it was trained (benchmarks/darling_cross.py).

Run: python benchmarks/darling_accuracy.py [--calibration N] [--cross-encoder WEIGHTS_DIR]
(minutes on a 2-core CPU; baseline thresholds on the first N training pairs, all by default)

`--validation [WEIGHTS_DIR ...]` scores nothing held out: it prints threshold-free AUCs (95% CI) on the cross-encoder's
validation part of the training pairs for `minilm-pair`, for untrained MiniLM cosines of the head-and-tail view a
cross-encoder of each token budget reads, and for each trained cross-encoder given (docs/darling.md, diagnosis).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).parent))
from darling_cost import rollout_groups  # noqa: E402

from envsdk_darling import DarlingConfig, DarlingScorer, load_classifier  # noqa: E402
from envsdk_darling.cross_encoder import CrossEncoder, head_tail, split_budget  # noqa: E402
from envsdk_darling.cross_train import pair_probs  # noqa: E402
from envsdk_darling.minilm_pair import WEIGHTS_DIR  # noqa: E402
from envsdk_darling.pairs import accuracy_of, load_pairs, rank_auc, split_pairs, wilson_interval  # noqa: E402

DATA = Path(__file__).parents[1] / "../shared/data/novelty-bench/classifier_train.jsonl"


def probabilities(classifier, pairs) -> list[float]:
    if hasattr(classifier, "embeddings"):
        classifier.embeddings([t for p in pairs for t in (p.generation_0, p.generation_1)])
    return [classifier.same_probs(p.prompt, [p.generation_0, p.generation_1], [(0, 1)])[0] for p in pairs]


def balanced(predictions: list[bool], pairs, resamples: int = 10_000, seed: int = 0) -> tuple[float, float, float]:
    """Balanced accuracy (mean of the per-class recalls) and its 95% percentile interval from a bootstrap that
    resamples each class separately, so every replicate keeps the held-out class sizes."""
    hits = {label: [int(p) == q.similar for p, q in zip(predictions, pairs) if q.similar == label] for label in (0, 1)}

    def score(h: dict[int, list[bool]]) -> float:
        return sum(sum(v) / len(v) for v in h.values()) / len(h)

    rng = random.Random(seed)
    replicates = sorted(score({k: rng.choices(v, k=len(v)) for k, v in hits.items()}) for _ in range(resamples))
    return score(hits), replicates[int(0.025 * resamples)], replicates[int(0.975 * resamples) - 1]


def recall(predictions: list[bool], pairs, label: int) -> str:
    """Recall on one class with its 95% Wilson interval."""
    hits = [int(p) == q.similar for p, q in zip(predictions, pairs) if q.similar == label]
    lo, hi = wilson_interval(sum(hits), len(hits))
    return f"{sum(hits) / len(hits):.1%} ({lo:.1%}–{hi:.1%})"


def report(name: str, predictions: list[bool], pairs) -> None:
    """One line of accuracy (Wilson CI), balanced accuracy (bootstrap CI) and per-class recall."""
    value, lo, hi = balanced(predictions, pairs)
    print(
        f"{accuracy_of(predictions, pairs).line(name)}; balanced {value:.1%} (95% CI {lo:.1%}–{hi:.1%}); "
        f"recall same {recall(predictions, pairs, 1)}, different {recall(predictions, pairs, 0)}",
        flush=True,
    )


def tuned(classifier, train, heldout, grid) -> tuple[float, list[bool]]:
    """Held-out predictions at the threshold that is best on `train` (a calibration subset)."""
    train_p = probabilities(classifier, train)
    best = max(grid, key=lambda t: accuracy_of([p > t for p in train_p], train).accuracy)
    return best, [p > best for p in probabilities(classifier, heldout)]


def group_cost(classifier, texts: list[str]) -> str:
    """Seconds for every pair of one group, and through DARLING's partition (transitive shortcut). Each
    measurement gets fresh texts (a trailing space: same tokens, new cache keys), so nothing is cached."""
    pairs = [(i, j) for i in range(len(texts)) for j in range(i + 1, len(texts))]
    started = time.perf_counter()
    classifier.same_probs("", [t + " " for t in texts], pairs)
    every = time.perf_counter() - started
    if not classifier.pays_per_pair:
        return f"{every:.2f} s per group of {len(texts)} (per-text classifier: all pairs from {len(texts)} texts)"
    fresh = [t + "  " for t in texts]
    score = DarlingScorer(DarlingConfig(), classifier).score([1.0] * len(texts), completions=fresh)
    return (
        f"{every:.2f} s per group of {len(texts)} (all {len(pairs)} pairs, both orders); "
        f"{score.classifier_s:.2f} s for DARLING's partition ({score.classifier_pairs} pairs asked, "
        f"{len(set(score.classes))} classes)"
    )


def view_cosine(pairs, tokens_per_response: int) -> list[float]:
    """Cosine of untrained mean-pooled MiniLM embeddings of each response cut by the cross-encoder's own rule
    (`split_budget`, `head_tail`) to this many tokens per response: how much signal that view holds."""
    from transformers import AutoModel, AutoTokenizer

    from envsdk_darling.cosine import minilm_path

    tok, bert = AutoTokenizer.from_pretrained(minilm_path()), AutoModel.from_pretrained(minilm_path()).eval()

    def embed(ids: list[int]) -> torch.Tensor:
        row = torch.tensor([[tok.cls_token_id, *ids, tok.sep_token_id]])
        return torch.nn.functional.normalize(bert(input_ids=row).last_hidden_state[0].mean(0), dim=0)

    out = []
    with torch.inference_mode():
        for p in pairs:
            a, b = (tok(t, add_special_tokens=False, verbose=False)["input_ids"] for t in (p.generation_0, p.generation_1))
            ka, kb = split_budget(len(a), len(b), 2 * tokens_per_response)
            out.append(float(embed(head_tail(a, min(ka, 510))) @ embed(head_tail(b, min(kb, 510)))))
    return out


def validation_diagnosis(train, cross_dirs: list[str]) -> None:
    """Threshold-free AUCs on the validation part (20%, seed 0) that `train-classifier --model cross-encoder` keeps out
    of fitting; the held-out pairs are not read."""
    _, validation = split_pairs(train, fraction=0.2, seed=0)
    labels = [p.similar for p in validation]

    def line(name: str, scores: list[float]) -> None:
        auc, lo, hi = rank_auc(scores, labels)
        print(f"  {name:<44} AUC {auc:.3f} (95% CI {lo:.3f}–{hi:.3f}); scores {min(scores):.3f}–{max(scores):.3f}", flush=True)

    print(f"validation part: {len(validation)} pairs ({sum(labels)} same); load average {os.getloadavg()}")
    line("minilm-pair (head fitted on all 750, these too)", probabilities(load_classifier("minilm-pair"), validation))
    for tokens in (50, 120, 250, 510):
        line(f"untrained MiniLM cosine, {tokens} tokens per response", view_cosine(validation, tokens))
    for directory in cross_dirs:
        line(f"cross-encoder {directory}", pair_probs(CrossEncoder.load(Path(directory)), validation))
    print(f"load average {os.getloadavg()}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calibration", type=int, default=0, help="baseline thresholds on the first N training pairs (0: all)")
    parser.add_argument("--cross-encoder", help="weights directory of a trained cross-encoder to score too")
    parser.add_argument("--validation", nargs="*", metavar="WEIGHTS_DIR",
                        help="only the threshold-free validation diagnosis (no held-out pair is read)")
    args = parser.parse_args()
    torch.set_num_threads(2)
    if not DATA.exists():
        print(f"no data at {DATA}", file=sys.stderr)
        return 1
    split = json.loads((WEIGHTS_DIR / "novelty_split.json").read_text())
    train, heldout = split_pairs(load_pairs(DATA), split["heldout_ids"])
    if args.validation is not None:
        validation_diagnosis(train, args.validation)
        return 0
    print(f"{len(train)} training pairs, {len(heldout)} held out (seed {split['seed']}); load average {os.getloadavg()}")
    group = rollout_groups()[0]
    costs = {}
    shipped = load_classifier("minilm-pair")
    report("minilm-pair", [p > shipped.threshold for p in probabilities(shipped, heldout)], heldout)
    costs["minilm-pair"] = group_cost(shipped, group)
    if args.cross_encoder:
        cross = load_classifier("cross-encoder", weights=args.cross_encoder)
        report(f"cross>{cross.threshold:.2f}", [p > cross.threshold for p in probabilities(cross, heldout)], heldout)
        costs["cross-encoder"] = group_cost(cross, group)
    grid = [k / 100 for k in range(1, 100)]
    calibration = train[: args.calibration] if args.calibration else train
    for name, options in [("cosine", {}), ("lexical", {"n": 1})]:
        classifier = load_classifier(name, **options)
        threshold, predictions = tuned(classifier, calibration, heldout, grid)
        report(f"{name}>{threshold:.2f}", predictions, heldout)
        costs[name] = group_cost(classifier, group)
    report("majority", [False] * len(heldout), heldout)  # always 'different'
    words = [len(t.split()) for t in group]
    print(f"cost per group of {len(group)} rollouts ({min(words)}–{max(words)} words), torch threads as set:")
    for name, line in costs.items():
        print(f"  {name:<14} {line}")
    print(f"load average {os.getloadavg()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
