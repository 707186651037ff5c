"""Train the pair cross-encoder on the 750 training pairs of our fixed NoveltyBench split (a seeded 20% of
them kept for validation: threshold and choices), WITHOUT looking at the 250 held-out pairs; score those
once, later, with `python benchmarks/darling_accuracy.py --cross-encoder OUTPUT_DIR`.

Run: nice -n 10 python benchmarks/darling_cross.py OUTPUT_DIR [AUGMENT] [EPOCHS] [MAX_TOKENS] [THREADS]
(defaults 0, 1, 128, 2)
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).parent))
from darling_accuracy import DATA  # noqa: E402

from envsdk_darling.cross_encoder import CrossEncoderSpec  # noqa: E402
from envsdk_darling.cross_train import CrossTrainSettings, train_cross_encoder  # noqa: E402
from envsdk_darling.minilm_pair import WEIGHTS_DIR  # noqa: E402
from envsdk_darling.pairs import load_pairs, split_pairs  # noqa: E402
from envsdk_darling.train import training_log  # noqa: E402


def main() -> int:
    output = Path(sys.argv[1])
    augment, epochs, max_tokens, threads = (sys.argv[2:] + ["0", "1", "128", "2"][len(sys.argv) - 2 :])[:4]
    torch.set_num_threads(int(threads))
    split = json.loads((WEIGHTS_DIR / "novelty_split.json").read_text())
    train, _ = split_pairs(load_pairs(DATA), split["heldout_ids"])
    output.mkdir(parents=True, exist_ok=True)
    with training_log(output / "train.log") as note:
        settings = CrossTrainSettings(epochs=int(epochs), augment=float(augment))
        train_cross_encoder(train, [], output, CrossEncoderSpec(max_tokens=int(max_tokens)), settings, note)
    return 0


if __name__ == "__main__":
    sys.exit(main())
