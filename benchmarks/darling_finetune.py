"""Fine-tune the top MiniLM layer(s) + pair head on the 750 training pairs of our fixed NoveltyBench split
(class-weighted loss, threshold for balanced accuracy on the training pairs), then score the result ONCE on
the 250 held-out pairs: accuracy (Wilson CI) and balanced accuracy (stratified-bootstrap CI).

Run: python benchmarks/darling_finetune.py OUTPUT_DIR [LAYERS] [EPOCHS] [MAX_TOKENS]   (MAX_TOKENS 0: train on every
window of every response, as inference reads them; about 10 minutes on 2 cores)
"""

from __future__ import annotations

import contextlib
import io
import json
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).parent))
from darling_accuracy import DATA, probabilities, report  # noqa: E402

from envsdk_darling.minilm_pair import WEIGHTS_DIR, MiniLMPairClassifier, PairModelSpec  # noqa: E402
from envsdk_darling.pairs import load_pairs, split_pairs  # noqa: E402
from envsdk_darling.train import TrainSettings, train_classifier, training_log  # noqa: E402


def main() -> int:
    output = Path(sys.argv[1])
    layers, epochs, max_tokens = (int(a) for a in (sys.argv[2:] + ["2", "3", "0"][len(sys.argv) - 2 :])[:3])
    torch.set_num_threads(2)
    split = json.loads((WEIGHTS_DIR / "novelty_split.json").read_text())
    train, heldout = split_pairs(load_pairs(DATA), split["heldout_ids"])
    settings = TrainSettings(epochs=epochs, max_windows=1 if max_tokens else None, max_tokens=max_tokens or None, balanced=True)
    output.mkdir(parents=True, exist_ok=True)
    with training_log(output / "train.log") as note:
        train_classifier(train, [], output, PairModelSpec(trainable_layers=layers), settings, note)
        started = time.perf_counter()
        classifier = MiniLMPairClassifier(weights=output, threads=2)
        probs = probabilities(classifier, heldout)
        note(f"held-out scoring of {len(heldout)} pairs ({2 * len(heldout)} responses): {time.perf_counter() - started:.0f}s")
        predictions = [p > classifier.threshold for p in probs]
        line = io.StringIO()
        with contextlib.redirect_stdout(line):
            report(f"ft-L{layers}", predictions, heldout)
        note(line.getvalue().rstrip())
    return 0


if __name__ == "__main__":
    sys.exit(main())
