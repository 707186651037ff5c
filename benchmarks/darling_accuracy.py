"""Held-out accuracy (95% Wilson CI) and balanced accuracy (95% stratified-bootstrap CI) of the DARLING
classifiers on our fixed NoveltyBench split, next to the majority baseline. Thresholds of the baselines are
chosen on the training part only.

Run: python benchmarks/darling_accuracy.py [CALIBRATION_PAIRS]   (minutes on a 2-core CPU; thresholds are
chosen on the first CALIBRATION_PAIRS training pairs, all by default)
"""

from __future__ import annotations

import json
import random
import sys
from pathlib import Path

from envsdk_darling import load_classifier
from envsdk_darling.minilm_pair import WEIGHTS_DIR
from envsdk_darling.pairs import accuracy_of, load_pairs, split_pairs

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


def report(name: str, predictions: list[bool], pairs) -> None:
    """One line of accuracy (Wilson CI) and balanced accuracy (bootstrap CI)."""
    value, lo, hi = balanced(predictions, pairs)
    print(f"{accuracy_of(predictions, pairs).line(name)}; balanced {value:.1%} (95% CI {lo:.1%}–{hi:.1%})")


def tuned(name: str, train, heldout, grid, **options) -> tuple[float, list[bool]]:
    """Held-out predictions at the threshold that is best on `train` (a calibration subset)."""
    classifier = load_classifier(name, **options)
    train_p = probabilities(classifier, train)
    best = max(grid, key=lambda t: accuracy_of([p > t for p in train_p], train).accuracy)
    return best, [p > best for p in probabilities(classifier, heldout)]


def main() -> int:
    if not DATA.exists():
        print(f"no data at {DATA}", file=sys.stderr)
        return 1
    split = json.loads((WEIGHTS_DIR / "novelty_split.json").read_text())
    train, heldout = split_pairs(load_pairs(DATA), split["heldout_ids"])
    print(f"{len(train)} training pairs, {len(heldout)} held out (seed {split['seed']})")
    shipped = load_classifier("minilm-pair")
    report("minilm-pair", [p > shipped.threshold for p in probabilities(shipped, heldout)], heldout)
    grid = [k / 100 for k in range(1, 100)]
    calibration = train[: int(sys.argv[1])] if len(sys.argv) > 1 else train  # e.g. 300 to save time
    for name, options in [("cosine", {}), ("lexical", {"n": 1})]:
        threshold, predictions = tuned(name, calibration, heldout, grid, **options)
        report(f"{name}>{threshold:.2f}", predictions, heldout)
    report("majority", [False] * len(heldout), heldout)  # always 'different'
    return 0


if __name__ == "__main__":
    sys.exit(main())
