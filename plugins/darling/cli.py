"""`envsdk darling score` (docs/reference.md, "DARLING groups") and `envsdk darling train-classifier`."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any, TextIO

from envsdk.cli.common import add_progress_option
from envsdk.errors import validation_message
from pydantic import BaseModel, ConfigDict, ValidationError, model_validator

from .classifier import Classifier
from .scoring import DarlingConfig, DarlingScorer


class GroupLine(BaseModel):
    """One input line of `darling score`: quality rewards plus an explicit partition or the texts."""

    model_config = ConfigDict(extra="ignore")

    rewards: list[float]
    partition: list[Any] | None = None
    completions: list[str] | None = None
    prompt: str = ""

    @model_validator(mode="after")
    def _one_source(self) -> GroupLine:
        source = self.partition if self.partition is not None else self.completions
        if source is None:
            raise ValueError("needs 'partition' or 'completions'")
        if len(source) != len(self.rewards):
            raise ValueError(f"{len(self.rewards)} rewards but {len(source)} partition labels/completions")
        return self


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="envsdk darling", description="DARLING diversity-aware rewards")
    sub = parser.add_subparsers(dest="command", required=True)
    score = sub.add_parser("score", help="DARLING rewards and advantages for groups (one JSON group per line)",
                           description="DARLING rewards and advantages for groups given as JSON lines.")
    score.add_argument("--input", required=True, help="GROUPS.jsonl ('-' for stdin)")
    score.add_argument("--output", help="write here instead of stdout")
    score.add_argument("--classifier", default="minilm-pair", help="classifier name (default: minilm-pair)")
    score.add_argument("--classifier-options", default="{}", help="JSON object of classifier constructor options")
    score.add_argument("--options", default="{}", help="JSON object of DarlingConfig fields, e.g. '{\"shift_quality\": true}'")
    add_progress_option(score)
    train = sub.add_parser("train-classifier", help="train a pair classifier (minilm-pair or cross-encoder) on labelled pairs",
                           description="Train the MiniLM pair classifier or the pair cross-encoder on labelled pairs; "
                           "report held-out accuracy.")
    train.add_argument("--input", required=True, help="JSONL with generation_0, generation_1, similar (0/1), optional id/prompt")
    train.add_argument("--output", required=True, help="directory for the weights (.safetensors) and spec (.json)")
    train.add_argument("--model", choices=["minilm-pair", "cross-encoder"], default="minilm-pair",
                       help="minilm-pair: bi-encoder + cosine head; cross-encoder: [CLS] prompt [SEP] a [SEP] b (default: minilm-pair)")
    train.add_argument("--heldout-ids", help="JSON file with 'heldout_ids' (a fixed split); else a seeded fraction")
    train.add_argument("--heldout-fraction", type=float, default=0.25, help="held-out share without --heldout-ids (default: 0.25)")
    train.add_argument("--seed", type=int, default=0, help="seed of the split and the training (default: 0)")
    train.add_argument("--epochs", type=int, default=None, help="epochs (default: 3 for minilm-pair, 1 for cross-encoder: every pair in both orders once)")
    train.add_argument("--layers", type=int, default=0, help="minilm-pair: top encoder layers to fine-tune (0 = head only)")
    train.add_argument("--chunk-tokens", type=int, default=256, help="minilm-pair: tokens per window a response is read in (default: 256)")
    train.add_argument("--max-windows", type=int, default=0, help="minilm-pair: windows per response seen in training (0 = all)")
    train.add_argument("--max-tokens", type=int, default=0,
                       help="minilm-pair: tokens per training window (0 = the chunk size); cross-encoder: tokens per input (0 = 128)")
    train.add_argument("--threads", type=int, default=None, help="torch CPU threads")
    add_progress_option(train)
    train.add_argument("--balanced", action="store_true",
                       help="minilm-pair: class-weighted loss and a threshold for balanced accuracy on the training pairs "
                       "(the cross-encoder always trains so)")
    train.add_argument("--validation-fraction", type=float, default=0.2,
                       help="cross-encoder: share of the training pairs kept out of fitting to choose the threshold (default: 0.2)")
    train.add_argument("--augment", type=float, default=0.0,
                       help="cross-encoder: hard pairs (paraphrase-like same, spliced different) from this share of the fitting pairs")
    return parser


def _score(args: argparse.Namespace, out: TextIO) -> int:
    config = DarlingConfig(**json.loads(args.options))
    source = sys.stdin if args.input == "-" else open(args.input)
    classifier: Classifier | None = None
    with source:
        for number, raw in enumerate(source, start=1):
            if not raw.strip():
                continue
            try:
                line = GroupLine.model_validate_json(raw)
            except ValidationError as exc:
                print(f"envsdk darling score: error: line {number}: {validation_message(exc)}", file=sys.stderr)
                return 2
            if line.partition is None and classifier is None and config.diversity != "ngram":
                from .classifiers import load_classifier

                classifier = load_classifier(args.classifier, **json.loads(args.classifier_options))
            scorer = DarlingScorer(config, classifier)
            s = scorer.score(line.rewards, completions=line.completions, prompt=line.prompt, partition=line.partition)
            record = {
                "classes": s.classes,
                "diversity": s.diversity,
                "rewards": s.rewards,
                "advantages": s.advantages,
                "classifier_s": s.classifier_s,
            }
            out.write(json.dumps(record) + "\n")
            out.flush()
    return 0


def _train(args: argparse.Namespace) -> int:
    import torch

    from .pairs import load_pairs, split_pairs
    from .train import training_log

    problem = (
        f"no such file: {args.input}" if not Path(args.input).is_file()
        else "--validation-fraction must be in [0, 1)" if not 0 <= args.validation_fraction < 1
        else "--augment must be ≥ 0" if args.augment < 0
        else None
    )
    if problem:
        print(f"envsdk darling train-classifier: error: {problem}", file=sys.stderr)
        return 2
    if args.threads:
        torch.set_num_threads(args.threads)
    pairs = load_pairs(args.input)
    held_ids = json.loads(Path(args.heldout_ids).read_text())["heldout_ids"] if args.heldout_ids else None
    train, heldout = split_pairs(pairs, held_ids, args.heldout_fraction, args.seed)
    output = Path(args.output)
    output.mkdir(parents=True, exist_ok=True)
    with training_log(output / "train.log") as report:
        if args.model == "cross-encoder":
            from .cross_encoder import CrossEncoderSpec
            from .cross_train import CrossTrainSettings, train_cross_encoder

            settings = CrossTrainSettings(
                epochs=args.epochs or 1, seed=args.seed, validation_fraction=args.validation_fraction, augment=args.augment
            )
            train_cross_encoder(train, heldout, output, CrossEncoderSpec(max_tokens=args.max_tokens or 128), settings, report)
            return 0
        from .minilm_pair import PairModelSpec
        from .train import TrainSettings, train_classifier

        spec = PairModelSpec(trainable_layers=args.layers, chunk_tokens=args.chunk_tokens)
        settings = TrainSettings(
            epochs=args.epochs or 3, seed=args.seed, max_windows=args.max_windows or None,
            max_tokens=args.max_tokens or None, balanced=args.balanced,
        )
        train_classifier(train, heldout, output, spec, settings, report)
    return 0


def main(argv: list[str] | None = None) -> int:
    """Entry point of `envsdk darling ...` (argv excludes the word `darling`)."""
    args = _parser().parse_args(argv)
    if args.command == "score":
        if args.output:
            with open(args.output, "w") as out:
                return _score(args, out)
        return _score(args, sys.stdout)
    return _train(args)


if __name__ == "__main__":
    sys.exit(main())
