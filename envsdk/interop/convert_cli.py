"""`envsdk convert-rollouts ENV --from trl|verifiers --input PATH --output ROWS.jsonl`: another framework's stored
rollouts as rows for `envsdk verify ENV --input ROWS.jsonl` (field mapping: docs/interop.md)."""

from __future__ import annotations

import json
from pathlib import Path

from ..cli.common import add_env_option, load_env
from ..cli.main import parser
from .rollout_logs import FORMATS, attach_rows, read_rollouts


def main(argv: list[str]) -> int:
    p = parser("convert-rollouts", "Turn TRL completion logs or verifiers results into `envsdk verify` rows.")
    add_env_option(p, help="the environment whose rows fill in missing fields (matched by prompt text)")
    p.add_argument("--from", dest="fmt", required=True, choices=FORMATS, help="the framework that wrote the file")
    p.add_argument("--input", required=True, type=Path, help="TRL: a completions parquet or its folder; "
                                                            "verifiers: traces.jsonl or results.jsonl")
    p.add_argument("--output", required=True, type=Path, help="JSONL rows for `envsdk verify`")
    args = p.parse_args(argv)
    env = load_env(args)
    rows = list(attach_rows(read_rollouts(args.fmt, args.input), env))
    args.output.write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows))
    print(f"envsdk convert-rollouts: {len(rows)} rows from {args.input} → {args.output}")
    return 0
