"""Equivalence classes and diversity scores inside one group (DARLING §1 of the spec).

Pure functions over indices and texts: no classifier, no torch. The transform feeds them the
"same" pairs that the short-answer rule and a classifier decided.
"""

from __future__ import annotations

from collections import Counter
from typing import Callable, Hashable, Iterable, Sequence

Pair = tuple[int, int]


def words(text: str) -> list[str]:
    """Lower-cased whitespace words, the unit of the short-answer rule and the n-gram ablation."""
    return text.lower().split()


def short_answer_same(a: str, b: str, max_words: int = 5) -> bool | None:
    """The paper's shortcut: when both responses have at most `max_words` words, they are the same
    iff 2·|shared word set| ≥ the larger word count (two empty strings are the same). None when the
    rule does not apply and a classifier must decide."""
    wa, wb = words(a), words(b)
    m = max(len(wa), len(wb))
    if m > max_words:
        return None
    return 2 * len(set(wa) & set(wb)) >= m


def number_by_first_appearance(labels: Sequence[Hashable]) -> list[int]:
    """Relabel classes 0, 1, 2... in the order they first appear."""
    seen: dict[Hashable, int] = {}
    return [seen.setdefault(label, len(seen)) for label in labels]


class UnionFind:
    """Disjoint sets over 0..n−1; each set is named by its smallest member."""

    def __init__(self, n: int):
        self.parent = list(range(n))

    def root(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def union(self, i: int, j: int) -> None:
        ri, rj = self.root(i), self.root(j)
        if ri != rj:
            self.parent[max(ri, rj)] = min(ri, rj)


def union_find_classes(n: int, same_pairs: Iterable[Pair]) -> list[int]:
    """Connected components of the "same" graph (transitive closure), numbered by first appearance."""
    sets = UnionFind(n)
    for i, j in same_pairs:
        sets.union(i, j)
    return number_by_first_appearance([sets.root(i) for i in range(n)])


def transitive_same_pairs(
    n: int, pairs: Sequence[Pair], decide: Callable[[list[Pair]], list[bool]], known: Iterable[Pair] = ()
) -> tuple[list[Pair], int]:
    """The "same" pairs that decide the connected components, asking `decide` (a batch of pairs →
    same or not) about as few pairs as the answers allow. Returns (same pairs found, pairs asked).

    Rounds: each round asks a spanning forest of the pairs still open (no pair in a round would be
    implied if the round's earlier pairs all came back "same"); after it, every open pair whose ends
    are now connected is dropped, because its answer cannot change the components. A group that is one
    class costs n − 1 pairs instead of n(n−1)/2; a group of all-different responses still asks every
    pair. The components equal `union_find_classes` over every pair's answer (per-pair counts do not:
    use every pair for pairwise diversity). `known` pairs are the same already (e.g. by the short-answer
    rule): pairs they connect are not asked."""
    connected, same, asked = UnionFind(n), [], 0
    for i, j in known:
        connected.union(i, j)
    open_pairs = list(pairs)
    while open_pairs:
        planned, batch, rest = UnionFind(n), [], []
        for i, j in open_pairs:
            if connected.root(i) == connected.root(j):
                continue
            if planned.root(connected.root(i)) != planned.root(connected.root(j)):
                planned.union(connected.root(i), connected.root(j))
                batch.append((i, j))
            else:
                rest.append((i, j))
        if not batch:
            break
        asked += len(batch)
        for pair, verdict in zip(batch, decide(batch)):
            if verdict:
                connected.union(*pair)
                same.append(pair)
        open_pairs = rest
    return same, asked


def partition_diversity(classes: Sequence[int], active: Sequence[bool] | None = None) -> list[float]:
    """Div_i = (n − |C(i)|)/(n − 1) over the active rollouts (all by default); inactive ones get 0.

    With one active rollout (n = 1) the paper's code divides by zero; we give it 0 (no one to differ from).
    """
    active = list(active) if active is not None else [True] * len(classes)
    n = sum(active)
    sizes = Counter(c for c, a in zip(classes, active) if a)
    if n <= 1:
        return [0.0] * len(classes)
    return [(n - sizes[c]) / (n - 1) if a else 0.0 for c, a in zip(classes, active)]


def pairwise_diversity(same_pairs: Iterable[Pair], active: Sequence[bool]) -> list[float]:
    """The fraction of the other active rollouts judged different, without transitive closure: a, b, c
    that are only linked to each other through d keep their diversity from one another."""
    n = sum(active)
    same_count = Counter()
    for i, j in same_pairs:
        same_count[i] += 1
        same_count[j] += 1
    if n <= 1:
        return [0.0] * len(active)
    return [(n - 1 - same_count[i]) / (n - 1) if a else 0.0 for i, a in enumerate(active)]


def ngram_diversity(texts: Sequence[str], active: Sequence[bool], n: int = 4) -> list[float]:
    """The lexical ablation (§6.2): the share of a rollout's word n-grams found in no other active
    rollout. A rollout shorter than n words has no n-grams and gets 0."""
    grams = [_ngrams(t, n) if a else set() for t, a in zip(texts, active)]
    counts = Counter(g for gs in grams for g in gs)
    return [
        sum(1 for g in gs if counts[g] == 1) / len(gs) if a and gs else 0.0
        for gs, a in zip(grams, active)
    ]


def _ngrams(text: str, n: int) -> set[tuple[str, ...]]:
    w = text.split()
    return {tuple(w[i : i + n]) for i in range(len(w) - n + 1)}
