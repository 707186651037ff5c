"""Seconds to classify one group of 8 rollouts of 300–500 words, per classifier, on this CPU, next to a
toy GRPO step (forward + backward of a tiny GPT-2 on 8 × 256 tokens).

Groups are real NoveltyBench responses (../shared/data). Every group is fresh (no cache hits). The
paper's ModernBERT-base is timed with its architecture built from a config (random weights: same
cost, no download) on a few pairs and scaled to 28; Qwen3-Embedding-4B is too large for a CPU and is
given as a FLOP estimate from the ModernBERT timing. Run: python benchmarks/darling_cost.py
"""

from __future__ import annotations

import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

import torch

from envsdk_darling import load_classifier

DATA = Path(__file__).parents[1] / "../shared/data/novelty-bench/classifier_train.jsonl"
GROUPS, N = 3, 8


def rollout_groups() -> list[list[str]]:
    rows = [json.loads(line) for line in DATA.read_text().splitlines()]
    texts = [t for r in rows for t in (r["generation_0"], r["generation_1"]) if 300 <= len(t.split()) <= 500]
    random.Random(0).shuffle(texts)
    return [texts[k * N : (k + 1) * N] for k in range(GROUPS)]


def time_groups(classifier, groups, pairs_per_group: int | None = None) -> float:
    """Median seconds per group (all 28 pairs, or the first `pairs_per_group` scaled up to 28)."""
    all_pairs = [(i, j) for i in range(N) for j in range(i + 1, N)]
    pairs = all_pairs[:pairs_per_group] if pairs_per_group else all_pairs
    seconds = []
    for texts in groups:
        started = time.perf_counter()
        classifier.same_probs("", texts, pairs)
        seconds.append((time.perf_counter() - started) * len(all_pairs) / len(pairs))
    return statistics.median(seconds)


def modernbert_base(directory: Path) -> Path:
    """ModernBERT-base's architecture (random weights) with the MiniLM tokenizer, saved locally."""
    from transformers import AutoModelForSequenceClassification, AutoTokenizer, ModernBertConfig

    from envsdk_darling.cosine import minilm_path

    tokenizer = AutoTokenizer.from_pretrained(minilm_path())
    cls, sep = tokenizer.cls_token_id, tokenizer.sep_token_id
    config = ModernBertConfig(
        vocab_size=len(tokenizer),
        num_labels=2,
        pad_token_id=tokenizer.pad_token_id,
        bos_token_id=cls,
        eos_token_id=sep,
        cls_token_id=cls,
        sep_token_id=sep,
    )
    AutoModelForSequenceClassification.from_config(config).save_pretrained(directory)
    tokenizer.save_pretrained(directory)
    return directory


def toy_grpo_step() -> float:
    """Median seconds of forward + backward + AdamW step of a tiny GPT-2 on 8 × 256 tokens."""
    from transformers import GPT2Config, GPT2LMHeadModel

    model = GPT2LMHeadModel(GPT2Config(vocab_size=512, n_embd=128, n_layer=4, n_head=4, n_positions=256))
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-4)
    ids = torch.randint(0, 512, (8, 256))
    seconds = []
    for _ in range(3):
        started = time.perf_counter()
        loss = model(input_ids=ids, labels=ids).loss
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
        seconds.append(time.perf_counter() - started)
    return statistics.median(seconds)


def main() -> int:
    if not DATA.exists():
        print(f"no data at {DATA}", file=sys.stderr)
        return 1
    groups = rollout_groups()
    words = [len(t.split()) for g in groups for t in g]
    print(f"torch threads {torch.get_num_threads()}; {GROUPS} groups of {N} rollouts, {min(words)}–{max(words)} words")
    step = toy_grpo_step()
    rows = []
    for name, options, sample in [
        ("final-answer", {}, None),
        ("lexical", {}, None),
        ("minilm-pair", {}, None),
        ("cosine", {}, None),
    ]:
        rows.append((name, time_groups(load_classifier(name, **options), groups, sample), ""))
    with tempfile.TemporaryDirectory() as tmp:
        clf = load_classifier("hf-pair", model=str(modernbert_base(Path(tmp))), max_words=1022)
        modern = time_groups(clf, groups[:1], pairs_per_group=4)
    rows.append(("modernbert", modern, "(4 of 28 pairs timed, scaled; random weights, same architecture)"))
    # Qwen3-Embedding-4B ≈ 4.0e9 parameters vs ModernBERT-base ≈ 1.5e8: cost scales with parameters × tokens
    rows.append(("qwen3-math", modern * 4.0e9 / 1.5e8, "(estimate: ModernBERT time × parameter ratio)"))
    print(f"{'toy GRPO step':<14} {step:8.3f} s   (tiny GPT-2 fwd+bwd, 8 × 256 tokens)")
    for name, seconds, note in rows:
        print(f"{name:<14} {seconds:8.3f} s per group of 8   {seconds / step:8.2f}× the toy step  {note}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
