"""`envsdk init NAME`: scaffold a third-party environment package that installs and shows in `list`."""

from __future__ import annotations

import re
from pathlib import Path
from string import Template

from ..errors import EnvsdkError
from ..registry import ENV_GROUP, names
from .main import parser

PYPROJECT = Template('''[build-system]
requires = ["setuptools>=68"]
build-backend = "setuptools.build_meta"

[project]
name = "$dist"
version = "0.1.0"
description = "$name: an envsdk environment"
requires-python = ">=3.11"
dependencies = ["envsdk"]

[project.entry-points."envsdk.environments"]
$name = "$module:load_environment"

[tool.setuptools]
packages = ["$module"]
''')

MODULE = Template('''"""$name: an envsdk environment (edit the rows, the reward function and the warm start)."""

from __future__ import annotations

import random

from envsdk import Environment, Rubric, reward
from envsdk.messages import completion_text


def make_rows(size: int) -> list[dict]:
    """Deterministic example rows: each carries what is needed to score it again later."""
    return [{"id": f"$name-{i}", "prompt": f"What is {i} + {i}?", "answer": str(2 * i)} for i in range(size)]


@reward
def correct(completion, answer) -> bool:
    """1 when the reply is exactly the answer."""
    return completion_text(completion).strip() == answer


def warm_start(rng: random.Random) -> tuple[str, str]:
    """One (prompt, reply) example. `envsdk train` fits its default tiny model, which knows no language yet, on
    such pairs before RL, so that some replies earn a reward; a pretrained `--model` does not need it. Half the
    replies are off by one, leaving RL something to learn."""
    i = rng.randrange(10)
    return f"What is {i} + {i}?", str(2 * i + rng.choice((0, 0, 1, -1)))


def load_environment(size: int = 10) -> Environment:
    """$name: add two equal numbers (template environment)."""
    env = Environment(dataset=lambda: make_rows(size), rubric=Rubric([correct]), required_fields=("answer",),
                      sampling_args={"max_tokens": 8})  # a reply is a number: longer completions are wasted
    env.warm_start = warm_start  # the trainer's optional hook (envsdk.environment.SupportsWarmStart)
    return env
''')

TEST = Template('''import asyncio

import envsdk


def test_scores_a_correct_and_a_wrong_reply():
    env = envsdk.load_environment("$name", size=2)
    row = env.rows()[1]
    assert asyncio.run(env.score(row, row["answer"])).reward == 1.0
    assert asyncio.run(env.score(row, "nope")).reward == 0.0
''')


def scaffold(name: str, dest: Path) -> Path:
    """Write the package into dest/NAME and return its folder."""
    if not re.fullmatch(r"[a-z][a-z0-9-]*", name):
        raise EnvsdkError(f"environment name {name!r} must be lower-case letters, digits and dashes")
    if name in names(ENV_GROUP):
        raise EnvsdkError(f"an environment named {name!r} is already installed (`envsdk list`): a second one would "
                          "be ignored; choose another name")
    root = dest / name
    if root.exists():
        raise EnvsdkError(f"{root} already exists")
    module = "envsdk_env_" + name.replace("-", "_")
    values = {"name": name, "module": module, "dist": f"envsdk-env-{name}"}
    (root / module).mkdir(parents=True)
    (root / "tests").mkdir()
    (root / "pyproject.toml").write_text(PYPROJECT.substitute(values))
    (root / module / "__init__.py").write_text(MODULE.substitute(values))
    (root / "tests" / f"test_{module}.py").write_text(TEST.substitute(values))
    (root / "README.md").write_text(f"# {name}\n\nAn envsdk environment. `pip install -e .` then `envsdk list`.\n")
    return root


def main(argv: list[str]) -> int:
    p = parser("init", "Scaffold a third-party environment package (pyproject, entry point, load_environment, test).")
    p.add_argument("name")
    p.add_argument("--dir", type=Path, default=Path.cwd(), help="where to create the package folder")
    args = p.parse_args(argv)
    root = scaffold(args.name, args.dir)
    print(f"created {root}; install it with: pip install -e {root}; then train it: envsdk train {args.name}")
    return 0
