"""Held-out accuracy (95% Wilson CI) of the DARLING classifiers on our fixed NoveltyBench split,
next to the majority baseline. Thresholds of the baselines are chosen on the training part only.

Run: python benchmarks/darling_accuracy.py [CALIBRATION_PAIRS]   (minutes on a 2-core CPU; thresholds are
chosen on the first CALIBRATION_PAIRS training pairs, all by default)
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from envsdk_darling import load_classifier
from envsdk_darling.minilm_pair import WEIGHTS_DIR
from envsdk_darling.pairs import accuracy_of, evaluate, load_pairs, split_pairs

DATA = Path(__file__).parents[1] / "../shared/data/novelty-bench/classifier_train.jsonl"


def probabilities(classifier, pairs) -> list[float]:
    if hasattr(classifier, "embeddings"):
        classifier.embeddings([t for p in pairs for t in (p.generation_0, p.generation_1)])
    return [classifier.same_probs(p.prompt, [p.generation_0, p.generation_1], [(0, 1)])[0] for p in pairs]


def tuned(name: str, train, heldout, grid, **options):
    """Accuracy on `heldout` at the threshold that is best on `train` (a calibration subset)."""
    classifier = load_classifier(name, **options)
    train_p = probabilities(classifier, train)
    best = max(grid, key=lambda t: accuracy_of([p > t for p in train_p], train).accuracy)
    return best, accuracy_of([p > best for p in probabilities(classifier, heldout)], heldout)


def main() -> int:
    if not DATA.exists():
        print(f"no data at {DATA}", file=sys.stderr)
        return 1
    split = json.loads((WEIGHTS_DIR / "novelty_split.json").read_text())
    train, heldout = split_pairs(load_pairs(DATA), split["heldout_ids"])
    print(f"{len(train)} training pairs, {len(heldout)} held out (seed {split['seed']})")
    shipped = evaluate(load_classifier("minilm-pair"), heldout)
    print(shipped.line("minilm-pair"))
    grid = [k / 100 for k in range(1, 100)]
    calibration = train[: int(sys.argv[1])] if len(sys.argv) > 1 else train  # e.g. 300 to save time
    for name, options in [("cosine", {}), ("lexical", {"n": 1})]:
        threshold, accuracy = tuned(name, calibration, heldout, grid, **options)
        print(accuracy.line(f"{name}>{threshold:.2f}"))
    print(f"{'majority':<14} accuracy {shipped.majority:.1%} (always 'different')")
    return 0


if __name__ == "__main__":
    sys.exit(main())
