"""The pair cross-encoder's pipeline on a tiny BERT built from a config (real tokenizer, real torch model):
input layout, symmetric scoring, the pair cache, the transitive shortcut, training and its threshold."""

import itertools
import json
import random

import pytest
import torch
from safetensors.torch import load_file

from envsdk_darling import DarlingConfig, DarlingScorer, load_classifier
from envsdk_darling.augment import hard_pairs, paraphrase_like, sentences, spliced
from envsdk_darling.classifier import PairClassifier
from envsdk_darling.cross_encoder import FROZEN_PREFIX, SPEC_FILE, WEIGHTS_FILE, CrossEncoder, CrossEncoderClassifier, CrossEncoderSpec, head_tail, pair_ids, split_budget
from envsdk_darling.cross_train import CrossTrainSettings, balanced_accuracy, pair_probs, train_cross_encoder
from envsdk_darling.pairs import LabelledPair, rank_auc
from envsdk_darling.partition import transitive_same_pairs, union_find_classes
from envsdk_darling.train import balanced_threshold

from .conftest import build_tiny_classifier

STORY = "Once upon a time a lighthouse keeper found a bottle. Inside it was a map. He followed it. The end was near."
OTHER = "To bake bread you need flour and water. Add salt and yeast. Knead it well. Bake it for forty minutes."


@pytest.fixture(scope="module")
def tiny_base(tmp_path_factory):
    return str(build_tiny_classifier(tmp_path_factory.mktemp("tiny-cross"), "bert", num_labels=1))


@pytest.fixture(scope="module")
def tiny_weights(tiny_base, tmp_path_factory):
    """Untrained tiny cross-encoder saved as train-classifier saves one."""
    out = tmp_path_factory.mktemp("tiny-cross-weights")
    torch.manual_seed(1)
    model = CrossEncoder(CrossEncoderSpec(max_tokens=64, prompt_tokens=8, threshold=0.5), tiny_base)
    with torch.no_grad():  # a random head's logits sit near 0; spread them so that orders visibly differ
        model.model.classifier.weight.mul_(200)
    model.save(out)
    return out


def test_head_tail_keeps_the_start_and_the_end():
    ids = list(range(10))
    assert head_tail(ids, 5) == [0, 1, 2, 8, 9]
    assert head_tail(ids, 10) == ids and head_tail(ids, 0) == []


def test_a_short_response_leaves_its_budget_to_the_long_one():
    assert split_budget(3, 100, 20) == (3, 17)
    assert split_budget(100, 4, 20) == (16, 4)
    assert split_budget(100, 100, 21) == (10, 11)


def test_pair_input_is_cls_prompt_sep_a_sep_b_sep_within_the_limit():
    row = pair_ids([7, 7], list(range(100, 150)), [200, 201], cls=1, sep=2, max_tokens=20)
    assert len(row) == 20
    assert row[:4] == [1, 7, 7, 2] and row[-4:] == [2, 200, 201, 2]
    a = row[4:-4]
    assert a[0] == 100 and a[-1] == 149  # the first response's start and end both survive


def test_symmetric_probability_is_the_mean_over_both_orders(tiny_weights, tiny_base):
    clf = CrossEncoderClassifier(weights=tiny_weights, base_path=tiny_base)
    model = clf.model
    with torch.no_grad():
        logits = model.logits(model.rows([("Tell a story", STORY, OTHER)]))
    assert abs(logits[0] - logits[1]) > 1e-5  # the orders really differ (float32 noise is ~1e-7)...
    forward, backward = torch.sigmoid(logits.double())
    [p_ab] = clf.score_pairs("Tell a story", [(STORY, OTHER)])
    [p_ba] = clf.score_pairs("Tell a story", [(OTHER, STORY)])
    assert p_ab == pytest.approx(((forward + backward) / 2).item(), abs=1e-6)  # ...and are averaged
    assert p_ab == pytest.approx(p_ba, abs=1e-6)


def test_scored_pairs_are_cached_by_content(tiny_weights, tiny_base):
    clf = CrossEncoderClassifier(weights=tiny_weights, base_path=tiny_base)
    rows_seen = []
    logits = clf.model.logits
    clf.model.logits = lambda rows: rows_seen.append(len(rows)) or logits(rows)
    texts = [STORY, OTHER, STORY + " Again."]
    first = clf.same_probs("p", texts, [(0, 1), (0, 2)])
    again = clf.same_probs("p", list(texts), [(0, 1), (0, 2), (1, 2)])
    assert rows_seen == [4, 2]  # second call: only the new pair (1, 2), in both orders
    assert again[:2] == first


def test_missing_weights_name_the_command_that_makes_them(tmp_path):
    with pytest.raises(FileNotFoundError, match="train-classifier --model cross-encoder"):
        load_classifier("cross-encoder", weights=tmp_path)


def _random_relation(n, seed):
    """A symmetric but not transitive same/different relation (a noisy classifier's answers)."""
    rng = random.Random(seed)
    labels = [rng.randrange(3) for _ in range(n)]
    flips = {pair for pair in itertools.combinations(range(n), 2) if rng.random() < 0.15}
    return lambda i, j: (labels[i] == labels[j]) != ((i, j) in flips)


@pytest.mark.parametrize("seed", range(20))
def test_transitive_shortcut_finds_the_same_classes_as_every_pair(seed):
    n = 8
    same = _random_relation(n, seed)
    pairs = list(itertools.combinations(range(n), 2))
    found, asked = transitive_same_pairs(n, pairs, lambda batch: [same(i, j) for i, j in batch])
    assert union_find_classes(n, found) == union_find_classes(n, [p for p in pairs if same(*p)])
    assert asked <= len(pairs)


def test_transitive_shortcut_asks_n_minus_1_pairs_for_one_class_and_all_for_all_different():
    pairs = list(itertools.combinations(range(8), 2))
    batches = []
    one_class = transitive_same_pairs(8, pairs, lambda b: batches.append(len(b)) or [True] * len(b))
    assert one_class[1] == 7 and batches == [7]  # one batch: a spanning tree
    assert transitive_same_pairs(8, pairs, lambda b: [False] * len(b))[1] == 28


class _ByLabel(PairClassifier):
    """A pair classifier that knows the answer (labels as the texts) and counts the pairs it scores."""

    def __init__(self):
        super().__init__()
        self.scored = 0

    def score_pairs(self, prompt, pairs):
        self.scored += len(pairs)
        return [float(a.split()[0] == b.split()[0]) for a, b in pairs]


def test_darling_partition_uses_the_shortcut_and_pairwise_does_not():
    texts = [f"{c} is the class of this fairly long response number {k}" for k, c in enumerate("aaabbbbc")]
    partition = DarlingScorer(DarlingConfig(), _ByLabel()).score([1.0] * 8, completions=texts)
    assert partition.classes == [0, 0, 0, 1, 1, 1, 1, 2]
    assert partition.classifier_pairs < 28
    pairwise = DarlingScorer(DarlingConfig(diversity="pairwise"), _ByLabel()).score([1.0] * 8, completions=texts)
    assert pairwise.classifier_pairs == 28
    assert pairwise.diversity == pytest.approx([5 / 7] * 3 + [4 / 7] * 4 + [1.0])


def test_augmented_pairs_keep_their_labels_by_construction():
    text = "One. Two! Three? Four. Five."
    variant = paraphrase_like(text, random.Random(0))
    assert len(sentences(variant)) == 4 and set(sentences(variant)) < set(sentences(text))
    assert paraphrase_like("Too short. Two.", random.Random(0)) is None
    assert spliced("a b c d", "w x y z") == "a b y z"
    pairs = [
        LabelledPair(id="s", prompt="p", generation_0=STORY, generation_1=STORY, similar=1),
        LabelledPair(id="d", prompt="p", generation_0=STORY, generation_1=OTHER, similar=0),
    ]
    made = {p.id: p for p in hard_pairs(pairs, rate=1.0)}
    assert sorted(made) == ["d#para", "d#splice", "s#para"]
    assert made["d#splice"].similar == 0 and made["d#splice"].generation_1.endswith("forty minutes.")
    assert made["s#para"].similar == 1


def test_balanced_accuracy_is_the_mean_of_the_two_recalls():
    assert balanced_accuracy([0.9, 0.2, 0.8, 0.1, 0.6], [1, 1, 0, 0, 0], 0.5) == pytest.approx((1 / 2 + 1 / 3) / 2)


def test_training_saves_weights_whose_threshold_is_best_on_the_validation_pairs(tiny_base, tmp_path):
    pairs = [
        LabelledPair(id=str(k), prompt="Say something", generation_0=STORY, generation_1=STORY if k % 3 == 0 else OTHER, similar=int(k % 3 == 0))
        for k in range(24)
    ]
    settings = CrossTrainSettings(epochs=1, batch_pairs=4, validation_fraction=0.25, augment=0.5)
    spec = CrossEncoderSpec(max_tokens=48, prompt_tokens=4)
    assert train_cross_encoder(pairs, [], tmp_path, spec, settings, report=lambda m: None, base_path=tiny_base) is None
    saved = json.loads((tmp_path / SPEC_FILE).read_text())
    stored = load_file(str(tmp_path / WEIGHTS_FILE))
    assert "classifier.weight" in stored and not any(k.startswith(FROZEN_PREFIX) for k in stored)  # frozen table not stored
    assert saved["training"]["pairs_validation"] == 6 and saved["training"]["pairs_augmented"] > 0
    # reloaded, the weights give the validation pairs the probabilities the threshold was chosen on
    from envsdk_darling.pairs import split_pairs

    _, validation = split_pairs(pairs, fraction=0.25, seed=0)
    reloaded = CrossEncoderClassifier(weights=tmp_path, base_path=tiny_base)
    probs = pair_probs(reloaded.model, validation)
    assert reloaded.threshold == pytest.approx(balanced_threshold(probs, [p.similar for p in validation]), abs=1e-3)
    calibration = saved["training"]["calibration"]  # the threshold-free separation is recorded beside the threshold
    assert calibration["prob_range"] == pytest.approx([min(probs), max(probs)], abs=1e-3)
    assert calibration["auc_ci95"][0] <= calibration["auc"] <= calibration["auc_ci95"][1]


def test_rank_auc_counts_ordered_pairs_with_ties_as_half():
    assert rank_auc([0.9, 0.2, 0.8, 0.1, 0.6], [1, 1, 0, 0, 0])[0] == pytest.approx(4 / 6)
    assert rank_auc([0.5, 0.5, 0.5, 0.5], [1, 0, 1, 0])[0] == 0.5  # constant scores carry nothing
    assert rank_auc([0.9, 0.8, 0.1], [1, 1, 0]) == (1.0, 1.0, 1.0)
    a, lo, hi = rank_auc([k / 100 for k in range(100)], [k % 2 for k in range(100)])
    assert a == pytest.approx(0.51) and lo < 0.5 < hi  # noise: the interval reaches 0.5
    assert rank_auc([0.3], [1]) == (0.5, 0.0, 1.0)  # one class only: no information


def test_training_warns_when_its_scores_do_not_separate_the_validation_pairs(tiny_base, tmp_path):
    pairs = [  # the labels do not depend on the texts: nothing to learn, the warning must come
        LabelledPair(id=str(k), prompt="Say something", generation_0=STORY, generation_1=OTHER, similar=k % 2) for k in range(16)
    ]
    lines = []
    settings = CrossTrainSettings(epochs=1, batch_pairs=4, validation_fraction=0.5)
    train_cross_encoder(pairs, [], tmp_path, CrossEncoderSpec(max_tokens=48, prompt_tokens=4), settings, lines.append, tiny_base)
    assert any(line.startswith("warning: the scores barely separate the validation pairs") for line in lines)


@pytest.mark.parametrize(
    "extra, message",
    [(["--validation-fraction", "1.5"], "--validation-fraction must be in [0, 1)"), (["--augment", "-1"], "--augment must be ≥ 0")],
)
def test_train_classifier_rejects_bad_settings_in_one_line(tmp_path, capsys, extra, message):
    from envsdk_darling.cli import main

    data = tmp_path / "pairs.jsonl"
    data.write_text(json.dumps({"generation_0": "a", "generation_1": "b", "similar": 0}) + "\n")
    code = main(["train-classifier", "--model", "cross-encoder", "--input", str(data), "--output", str(tmp_path / "o"), *extra])
    assert code == 2 and capsys.readouterr().err == f"envsdk darling train-classifier: error: {message}\n"


def test_train_classifier_names_a_missing_input(tmp_path, capsys):
    from envsdk_darling.cli import main

    assert main(["train-classifier", "--input", str(tmp_path / "nope.jsonl"), "--output", str(tmp_path)]) == 2
    assert "error: no such file" in capsys.readouterr().err


def test_pairs_connected_by_known_same_pairs_are_not_asked():
    pairs = list(itertools.combinations(range(4), 2))
    asked_pairs = []

    def decide(batch, verdict):
        asked_pairs.extend(batch)
        return [verdict] * len(batch)

    found, asked = transitive_same_pairs(4, pairs, lambda b: decide(b, True), known=[(0, 1), (2, 3)])
    assert (found, asked) == ([(0, 2)], 1)  # one answer joins the two known classes
    asked_pairs.clear()
    assert transitive_same_pairs(4, pairs, lambda b: decide(b, False), known=[(0, 1), (2, 3)]) == ([], 4)
    assert (0, 1) not in asked_pairs and (2, 3) not in asked_pairs
