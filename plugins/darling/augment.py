"""Hard training pairs made from labelled pairs, with labels that hold by construction.

- **Paraphrase-like** ("same"): a response against itself with two adjacent sentences swapped and one
  inner sentence dropped: the wording shifts, the substance stays.
- **Same template, different ending** ("different"): from a pair humans called different, the first
  response's opening spliced onto the second one's ending, against the first: they start alike and
  end apart, so a classifier cannot decide by openings alone.

Made from the training pairs only, never from held-out ones.
"""

from __future__ import annotations

import random
import re
from typing import Sequence

from .pairs import LabelledPair

SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


def sentences(text: str) -> list[str]:
    """The text cut after each '.', '!' or '?' that is followed by white space."""
    return [s for s in SENTENCE_END.split(text.strip()) if s]


def paraphrase_like(text: str, rng: random.Random) -> str | None:
    """Two adjacent sentences swapped and one inner sentence dropped; None below four sentences."""
    parts = sentences(text)
    if len(parts) < 4:
        return None
    k = rng.randrange(len(parts) - 1)
    parts[k], parts[k + 1] = parts[k + 1], parts[k]
    del parts[rng.randrange(1, len(parts) - 1)]
    return " ".join(parts)


def spliced(opening_of: str, ending_of: str) -> str:
    """The first half of one text's words followed by the second half of another's."""
    head, tail = opening_of.split(), ending_of.split()
    return " ".join(head[: len(head) // 2] + tail[len(tail) // 2 :])


def hard_pairs(pairs: Sequence[LabelledPair], rate: float, seed: int = 0) -> list[LabelledPair]:
    """About `rate` × len(pairs) source pairs, each giving a paraphrase-like "same" pair and, when
    humans called it different, a same-template "different" pair."""
    rng = random.Random(seed)
    sources = rng.sample(list(pairs), min(len(pairs), round(rate * len(pairs))))
    out = []
    for p in sources:
        variant = paraphrase_like(p.generation_0, rng)
        if variant is not None:
            out.append(LabelledPair(id=f"{p.id}#para", prompt=p.prompt, generation_0=p.generation_0, generation_1=variant, similar=1))
        if not p.similar:
            mixed = spliced(p.generation_0, p.generation_1)
            out.append(LabelledPair(id=f"{p.id}#splice", prompt=p.prompt, generation_0=p.generation_0, generation_1=mixed, similar=0))
    return out
