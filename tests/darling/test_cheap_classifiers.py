"""Final-answer, lexical and cosine classifiers, and the embed-once-per-group contract."""

import numpy as np
import pytest

from envsdk_darling import EmbeddingClassifier, load_classifier
from envsdk_darling.lexical import final_answer


@pytest.mark.parametrize(
    "text, answer",
    [
        ("so x = \\boxed{\\frac{1}{2}} done", "\\frac{1}{2}"),
        ("first \\boxed{3} then \\boxed{ 4 }", "4"),
        ("The total is 1,234 apples.", "1234"),
        ("no answer here", None),
    ],
)
def test_final_answer_extraction(text, answer):
    assert final_answer(text) == answer


def test_final_answer_classifier_matches_equal_answers_only():
    clf = load_classifier("final-answer")
    texts = ["long reasoning ... \\boxed{42}", "other long reasoning, result 42", "we get \\boxed{41}", "no idea"]
    m = clf.same_matrix("p", texts)
    assert m[0, 1] == 1 and m[0, 2] == 0 and m[3, 3] == 1 and m[3, 0] == 0


def test_lexical_classifier_is_word_jaccard():
    clf = load_classifier("lexical", n=1, threshold=0.5)
    assert clf.same_probs("p", ["a b c d", "a b c e"], [(0, 1)]) == [pytest.approx(3 / 5)]


class CountingEmbedder(EmbeddingClassifier):
    """Embeds a text as its length and counts how many texts it was asked to embed."""

    threshold = 0.5

    def __init__(self):
        super().__init__()
        self.embedded = 0

    def embed(self, texts):
        self.embedded += len(texts)
        return np.array([[len(t)] for t in texts], dtype=float)

    def compare(self, left, right):
        return (left[:, 0] == right[:, 0]).astype(float)


def test_embedding_classifiers_embed_each_rollout_once_per_group_and_cache():
    clf = CountingEmbedder()
    texts = [f"text {k:02d}" for k in range(8)]
    clf.same_matrix("p", texts)
    assert clf.embedded == 8  # 8 passes for 28 pairs
    clf.same_matrix("p", texts)
    assert clf.embedded == 8


def test_cosine_classifier_on_the_offline_minilm_embeds_long_texts_in_windows():
    clf = load_classifier("cosine", window_words=20)
    long_a = "the cat sat on the mat and looked at the birds outside " * 6
    long_b = long_a + " but then it started to talk about quantum physics and tax law " * 6
    m = clf.same_matrix("p", [long_a, long_a, long_b])
    assert m[0, 1] == pytest.approx(1.0, abs=1e-5)
    assert m[0, 2] < m[0, 1]  # the tail past the first window changed the embedding
    assert clf.threshold == 0.89
