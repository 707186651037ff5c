"""Cross-encoder checkpoints (the paper's released classifiers) load by id and score pairs in batches."""

import pytest

from envsdk_darling import load_classifier
from envsdk_darling.pair_model import HFPairClassifier

from .conftest import build_tiny_classifier

LONG = "the quick brown fox jumps over the lazy dog " * 3


def test_tiny_local_checkpoint_loads_and_gives_symmetric_shape_probabilities(tiny_bert_classifier):
    clf = load_classifier("hf-pair", model=str(tiny_bert_classifier))
    matrix = clf.same_matrix("p", [LONG, LONG + "again", "something else entirely here now"])
    assert matrix.shape == (3, 3) and ((0 <= matrix) & (matrix <= 1)).all()


def test_modernbert_preset_keeps_the_paper_threshold(tmp_path):
    path = build_tiny_classifier(tmp_path, "modernbert")
    clf = load_classifier("modernbert", model=str(path))
    assert clf.threshold == 0.32 and clf.max_words == 1022
    assert 0 <= clf.same_probs("p", [LONG, LONG], [(0, 1)])[0] <= 1


def test_qwen_template_wraps_pairs_in_im_start_and_im_end(tmp_path):
    path = build_tiny_classifier(tmp_path, "bert", extra_tokens=["<|im_start|>", "<|im_end|>"])
    clf = load_classifier("qwen3-math", model=str(path))
    ids = clf._encode([("a b", "c")])["input_ids"][0].tolist()
    tok = clf.tokenizer
    start, end = tok.convert_tokens_to_ids("<|im_start|>"), tok.convert_tokens_to_ids("<|im_end|>")
    assert ids[0] == start and ids.count(end) == 2 and ids[-1] == end
    assert clf.threshold == 0.5


def test_qwen_template_without_its_tokens_says_so(tiny_bert_classifier):
    clf = HFPairClassifier(str(tiny_bert_classifier), template="qwen")
    with pytest.raises(ValueError, match="im_start"):
        clf.same_probs("p", [LONG, LONG], [(0, 1)])


def test_responses_are_cut_to_max_words_as_served_by_the_paper(tiny_bert_classifier):
    clf = HFPairClassifier(str(tiny_bert_classifier), max_words=3)
    ids = clf._encode([("one two three four five", "six seven eight nine")])["input_ids"][0]
    assert len(ids) == 3 + 3 + 3  # CLS a SEP b SEP


def test_pair_scores_are_cached(tiny_bert_classifier):
    clf = HFPairClassifier(str(tiny_bert_classifier))
    first = clf.same_probs("p", [LONG, LONG + "x"], [(0, 1)])
    clf.model = None  # a second call must not touch the model
    assert clf.same_probs("p", [LONG, LONG + "x"], [(0, 1)]) == first
