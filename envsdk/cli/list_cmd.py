"""`envsdk list`: one line per installed environment or transform (docs/reference.md, "envsdk list").

A factory with a `variants()` attribute (name → description, e.g. reasoning-gym's task families) shows
their count on its line; `envsdk list NAME` lists them one per line."""

from __future__ import annotations

from ..registry import ENV_GROUP, TRANSFORM_GROUP, describe, names, resolve
from .main import parser


def _variants(name: str) -> dict[str, str] | None:
    try:
        variants = getattr(resolve(ENV_GROUP, name, "environment"), "variants", None)
    except Exception:  # a broken plugin already says why in its description
        return None
    return variants() if callable(variants) else None


def main(argv: list[str]) -> int:
    p = parser("list", "List installed environments and transforms.")
    p.add_argument("env", nargs="?", help="list the variants of this environment (e.g. reasoning-gym's task families)")
    args = p.parse_args(argv)
    if args.env is not None:
        resolve(ENV_GROUP, args.env, "environment")  # an unknown name is one clear error line
        variants = _variants(args.env)
        if variants is None:
            print(f"env {args.env}  {describe(ENV_GROUP, args.env)}  (no variants)".rstrip())
            return 0
        for variant, summary in variants.items():
            print(f"{args.env} {variant}  {summary}".rstrip())
        print(f"{len(variants)} variants of {args.env}")
        return 0
    for kind, group in (("env", ENV_GROUP), ("transform", TRANSFORM_GROUP)):
        for name in names(group):
            variants = _variants(name) if group == ENV_GROUP else None
            count = f"  [{len(variants)} variants: envsdk list {name}]" if variants else ""
            print(f"{kind} {name}  {describe(group, name)}{count}".rstrip())
    return 0
