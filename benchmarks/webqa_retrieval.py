"""BM25 retrieval on the built-in task set: recall of the first-hop evidence page, next to random ranking.

A question's first hop is the page its wording points at; later hops need a query the model writes after
reading. Run: python benchmarks/webqa_retrieval.py
"""

from __future__ import annotations

import random

from envsdk_env_webqa.corpus import load_corpus
from envsdk_env_webqa.search_service import BM25Index
from envsdk_env_webqa.tasks import builtin_rows

KS = (1, 3, 5)


def main() -> None:
    docs = load_corpus()
    index = BM25Index(docs)
    rows = builtin_rows()
    hits = index.search([r["prompt"] for r in rows], max(KS))
    rng = random.Random(0)
    print(f"{len(rows)} questions, {len(docs)} pages")
    print(f"{'recall@k of first-hop page':<30}{'BM25':>8}{'random':>8}{'ratio':>8}")
    for k in KS:
        bm25 = sum(r["info"]["evidence"][0] in [d.id for d, _ in h[:k]] for r, h in zip(rows, hits)) / len(rows)
        rand = sum(r["info"]["evidence"][0] in [d.id for d in rng.sample(docs, k)] for r in rows for _ in range(200))
        rand /= 200 * len(rows)
        print(f"{'k=' + str(k):<30}{bm25:>8.3f}{rand:>8.3f}{bm25 / rand:>7.1f}x")


if __name__ == "__main__":
    main()
