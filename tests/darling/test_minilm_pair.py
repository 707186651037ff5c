"""The shipped default classifier and its training routine."""

import json

import pytest

import envsdk
from envsdk_darling import load_classifier
from envsdk_darling.minilm_pair import WEIGHTS_DIR, MiniLMPairClassifier
from envsdk_darling.pairs import LabelledPair, evaluate, split_pairs, wilson_interval
from envsdk_darling.train import TrainSettings, balanced_threshold, pair_loss, train_classifier

STORY = "Once upon a time a lighthouse keeper found a bottle with a map inside it. " * 30
OTHER = "To bake bread you need flour, water, salt and yeast, and a lot of patience. " * 30


@pytest.fixture(scope="module")
def shipped():
    return load_classifier("minilm-pair")


def test_shipped_weights_are_small_and_record_their_held_out_accuracy():
    assert (WEIGHTS_DIR / "minilm-pair.safetensors").stat().st_size < 25e6
    held = json.loads((WEIGHTS_DIR / "minilm-pair.json").read_text())["training"]["heldout"]
    assert held["n"] >= 200


def test_shipped_classifier_gives_symmetric_probabilities(shipped):
    m = shipped.same_matrix("", [STORY, OTHER, STORY[:300]])
    assert (m == m.T).all() and ((0 <= m) & (m <= 1)).all()


OFFLINE_SCRIPT = """
import json, socket, sys

def refuse(*args, **kwargs):
    raise OSError("network used while loading the shipped classifier")

socket.socket.connect = socket.socket.connect_ex = refuse
socket.create_connection = socket.getaddrinfo = refuse
from envsdk_darling import load_classifier

texts = json.loads(sys.argv[1])
print(json.dumps(load_classifier("minilm-pair").same_probs("", texts, [(0, 1), (0, 2)])))
"""


def test_shipped_classifier_loads_and_scores_with_no_network(shipped):
    """A fresh interpreter in which every connection attempt raises and the hubs are set offline: the shipped
    head (in the repository) and its base encoder (a registry package) need nothing from outside."""
    import os
    import subprocess
    import sys

    texts = [STORY, STORY, OTHER]
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    run = subprocess.run([sys.executable, "-c", OFFLINE_SCRIPT, json.dumps(texts)], capture_output=True, text=True, env=env, timeout=600)
    assert run.returncode == 0, run.stderr[-2000:]
    offline = json.loads(run.stdout.strip().splitlines()[-1])
    assert offline == pytest.approx(shipped.same_probs("", texts, [(0, 1), (0, 2)]), abs=1e-6)


def test_identical_long_responses_are_the_same_and_unrelated_ones_differ(shipped):
    same, different = shipped.same_probs("", [STORY, STORY, OTHER], [(0, 1), (0, 2)])
    assert same > shipped.threshold > different


PARAPHRASES = [
    ("The capital of France is Paris.", "Paris is France's capital city."),
    ("To reverse a list in Python, use my_list[::-1].", "In Python you can reverse a list with slicing: my_list[::-1]."),
    ("A cat is sleeping on the warm windowsill in the sun.", "On the sunny windowsill, a cat naps in the warmth."),
    ("Water boils at 100 degrees Celsius at sea level.", "At sea level, the boiling point of water is 100 °C."),
]
UNRELATED = [(a, b) for (a, _), (_, b) in zip(PARAPHRASES, PARAPHRASES[1:] + PARAPHRASES[:1])]


def test_shipped_head_ranks_every_paraphrase_above_every_unrelated_pair(shipped):
    def prob(a, b):
        return float(shipped.same_probs("", [a, b], [(0, 1)])[0])

    same, different = [prob(*p) for p in PARAPHRASES], [prob(*p) for p in UNRELATED]
    assert min(same) > max(different)
    assert max(different) < 0.01 < shipped.threshold  # unrelated answers are clearly different classes


def test_long_responses_are_read_in_windows_not_truncated(shipped):
    rows, owner, first = shipped.model.chunk([STORY])
    assert len(rows) >= 2 and first == [True] + [False] * (len(rows) - 1)
    changed_tail = STORY + OTHER
    a, b = shipped.embed([STORY, changed_tail])
    assert abs(a - b).max() > 1e-3


def test_default_transform_uses_the_shipped_classifier():
    t = envsdk.load_transform("darling")
    group = envsdk.Group.from_verdicts(
        prompt="Tell me a story.", completions=[STORY, STORY, OTHER], verdicts=[envsdk.Verdict(reward=1)] * 3
    )
    [out] = t.apply([group])
    assert out.metrics["transform/darling/classifier_pairs"] == 3
    assert out.metrics["transform/darling/classifier_s"] > 0


def test_train_classifier_writes_loadable_weights(tmp_path):
    pairs = [
        LabelledPair(id=str(k), generation_0=STORY, generation_1=STORY if k % 2 else OTHER, similar=k % 2)
        for k in range(6)
    ]
    train, heldout = split_pairs(pairs, fraction=1 / 3, seed=1)
    accuracy = train_classifier(train, heldout, tmp_path, settings=TrainSettings(epochs=1, max_tokens=32), report=lambda m: None)
    assert accuracy.n == 2
    # the weights on disk are the ones that were scored: loaded again, they reach the same held-out accuracy
    assert evaluate(MiniLMPairClassifier(weights=tmp_path), heldout) == accuracy


def test_wilson_interval_brackets_the_proportion():
    lo, hi = wilson_interval(80, 100)
    assert lo < 0.8 < hi and hi - lo == pytest.approx(0.155, abs=0.01)


def test_balanced_threshold_favours_the_rare_class_over_raw_accuracy():
    # 2 positives among 10: thresholding at 0.5 recalls neither (balanced 50%); the balanced threshold sits
    # between the positives' 0.3 and the highest negative's 0.2, recalling both classes fully
    probs = [0.05, 0.1, 0.1, 0.15, 0.2, 0.2, 0.2, 0.2, 0.3, 0.35]
    labels = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1]
    assert balanced_threshold(probs, labels) == pytest.approx(0.25)


def test_balanced_loss_weighs_positives_by_the_class_ratio():
    pairs = [LabelledPair(id=str(k), generation_0="a", generation_1="b", similar=int(k < 3)) for k in range(10)]
    assert pair_loss(pairs, balanced=True).pos_weight.item() == pytest.approx(7 / 3)
    assert pair_loss(pairs, balanced=False).pos_weight is None
