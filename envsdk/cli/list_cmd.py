"""`envsdk list`: one line per installed environment or transform (CONTRACT §3)."""

from __future__ import annotations

from ..registry import ENV_GROUP, TRANSFORM_GROUP, describe, names
from .main import parser


def main(argv: list[str]) -> int:
    parser("list", "List installed environments and transforms.").parse_args(argv)
    for kind, group in (("env", ENV_GROUP), ("transform", TRANSFORM_GROUP)):
        for name in names(group):
            print(f"{kind} {name}  {describe(group, name)}".rstrip())
    return 0
