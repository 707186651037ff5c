"""docs/architecture.md's walks of one completion are the code's, so the page cannot rot silently.

Each numbered hop `name` (path) names a function defined in that file; the stated hop and file counts are the
lists' own; and a traced run of each walk (toy-even, scored inline) calls the listed hops in the listed order,
with no other function of ours handing the completion on: any function that calls a hop is itself a hop (or the
walk's entry), which is the page's rule that helpers hand nothing on. A wrapper added between two hops, or a
hop removed, fails here until the page says so. The import graph is the page's drawing: every part of `envsdk`
is named in it, none imports a part of a higher layer, and there is no circle.
"""

from __future__ import annotations

import ast
import inspect
import re
import sys
import threading
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "docs" / "architecture.md"
HOP = re.compile(r"^(\d+)\. `([\w.]+)` \(([\w/.]+)\): ", re.M)
COUNT = re.compile(r"\*\*(\d+) hops over (\d+) files\*\* \(before: (\d+) hops over (\d+) files\)")
WALKS = {"trainer": "### In the built-in trainer", "trl": "### Through TRL's reward path"}
# The import graph's layers as the page draws them, top to bottom: a module imports only from its own layer or
# below, and never in a circle. `envsdk` itself (the lazily loaded public API) is for the faces.
LAYERS = (
    ("faces", {"cli", "server", "adapters", "train", "interop", "envsdk"}),
    ("engines", {"audit", "report"}),
    ("spine", {"scoring"}),
    ("core", {"record", "transforms", "group", "executor", "ray_executor", "registry", "env_group", "environment",
              "rubric", "multiturn", "tools"}),
    ("base and leaves", {"verdict", "messages", "errors", "metrics", "journal", "runmeta", "jsonl", "clients",
                         "loop_thread"}),
)
# what pyproject's import-linter contract lets faces import of each other: the `envsdk` command line's helpers
FACE_TO_FACE = {("server", "cli"), ("train", "cli"), ("interop", "cli")}


def section(title: str) -> str:
    """The text of the `###` section whose heading starts with `title`, up to the next heading."""
    text = PAGE.read_text()
    start = text.index(title)
    ends = [i for i in (text.find("\n### ", start + 1), text.find("\n## ", start + 1)) if i != -1]
    return text[start : min(ends, default=len(text))]


def hops(walk: str) -> list[tuple[str, str]]:
    """(qualified name, path) of each numbered hop of a walk, checked to be numbered 1, 2, 3..."""
    found = HOP.findall(section(WALKS[walk]))
    assert [int(n) for n, _, _ in found] == list(range(1, len(found) + 1))
    return [(name, path) for _, name, path in found]


def definition(path: str, name: str) -> ast.AST | None:
    """The def of `name` (`function` or `Class.method`) at the top of the file at `path`, None if there is none."""
    scope: list[ast.stmt] = ast.parse((ROOT / path).read_text()).body
    *classes, function = name.split(".")
    for cls in classes:
        scope = next((n.body for n in scope if isinstance(n, ast.ClassDef) and n.name == cls), [])
    return next((n for n in scope if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)) and n.name == function),
                None)


@pytest.mark.parametrize("walk", sorted(WALKS))
def test_every_hop_names_a_function_of_the_file_it_names_and_no_property(walk):
    listed = hops(walk)
    assert len(listed) >= 10
    missing = [f"{name} ({path})" for name, path in listed if definition(path, name) is None]
    properties = [name for name, path in listed
                  if any(getattr(d, "id", getattr(d, "attr", None)) == "property"
                         for d in getattr(definition(path, name), "decorator_list", []))]
    assert missing == [] and properties == []


@pytest.mark.parametrize("walk", sorted(WALKS))
def test_the_stated_counts_are_the_lists_own_and_shorter_than_before(walk):
    listed = hops(walk)
    (stated,) = COUNT.findall(section(WALKS[walk]))
    n_hops, n_files, before_hops, _ = map(int, stated)
    assert (n_hops, n_files) == (len(listed), len({path for _, path in listed}))
    assert n_hops < before_hops


def test_the_rule_finds_a_wrapper_between_two_hops():
    """The check the traced walks rely on: a function that calls a hop and is not one itself is reported."""
    calls = {("w.py", "wrapper"): {("w.py", "hop_b")}, ("w.py", "hop_a"): {("w.py", "wrapper")},
             ("w.py", "helper"): set()}
    assert unlisted_callers_of_hops(calls, {("w.py", "hop_a"), ("w.py", "hop_b")}, entry=("w.py", "hop_a")) == [
        "wrapper (w.py)"]


def _part(name: list[str]) -> str:
    """The top-level part of `envsdk` a dotted name (as a list) is in: a module or sub-package, else `envsdk`."""
    if len(name) > 1 and ((ROOT / "envsdk" / name[1]).is_dir() or (ROOT / "envsdk" / f"{name[1]}.py").exists()):
        return name[1]
    return "envsdk"


def package_imports() -> dict[str, set[str]]:
    """Which top-level parts of `envsdk` (modules, sub-packages, `envsdk` for the package itself) each part
    imports, at module level or inside functions; `TYPE_CHECKING` imports left out."""
    out: dict[str, set[str]] = {}
    for file in (ROOT / "envsdk").rglob("*.py"):
        module = list(file.relative_to(ROOT).with_suffix("").parts)
        package = module[:-1]  # what a relative import starts from, for a module and for an __init__ alike
        source = _part(module if file.name != "__init__.py" else package)
        tree = ast.parse(file.read_text())
        typing_only = {id(n) for node in ast.walk(tree)
                       if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test) for n in ast.walk(node)}
        for node in ast.walk(tree):
            if id(node) in typing_only:
                continue
            if isinstance(node, ast.ImportFrom) and node.level:
                base = package[: len(package) - node.level + 1] + (node.module.split(".") if node.module else [])
                names = [base] if node.module else [base + [a.name] for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module.split(".")] if (node.module or "").split(".")[0] == "envsdk" else []
            elif isinstance(node, ast.Import):
                names = [a.name.split(".") for a in node.names if a.name.split(".")[0] == "envsdk"]
            else:
                continue
            out.setdefault(source, set()).update(t for t in map(_part, names) if t != source)
    return {part: targets for part, targets in out.items() if targets}


def test_the_import_graph_is_the_drawing_no_upward_arrow_and_no_circle():
    graph = package_imports()
    layer = {part: i for i, (_, parts) in enumerate(LAYERS) for part in parts}
    text = section("## The import graph")
    assert set(graph) <= set(layer) and all(part in text for part in set(layer) - {"envsdk"})
    upward = sorted(f"{a} -> {b}" for a, targets in graph.items() for b in targets
                    if layer[b] < layer[a] or (layer[a] == layer[b] == 0 and b != "envsdk" and (a, b) not in FACE_TO_FACE))
    assert upward == []

    def circle_from(part: str, path: tuple[str, ...]) -> tuple[str, ...] | None:
        for target in sorted(graph.get(part, ())):
            if target in path:
                return path[path.index(target):] + (target,)
            if (found := circle_from(target, path + (target,))) is not None:
                return found
        return None

    assert [c for part in sorted(graph) if (c := circle_from(part, (part,))) is not None] == []


# ---- the traced run ----------------------------------------------------------------------------------
class Trace:
    """Our functions' first calls, in order, and who called whom (a frame's caller is the nearest frame of our
    code below it in the same task; a task's first frame has none). Property getters are left out. Threads
    started while it records (a `LoopThread`) are recorded too."""

    def __init__(self):
        self.order: list[tuple[str, str]] = []
        self.calls: dict[tuple[str, str], set[tuple[str, str]]] = {}
        self.recording = False

    def _ours(self, frame) -> tuple[str, str] | None:
        code = frame.f_code
        if code.co_name.startswith("<") or not code.co_filename.startswith(str(ROOT)):
            return None
        path = str(Path(code.co_filename).relative_to(ROOT))
        if not path.startswith(("envsdk/", "environments/")) or _is_property(frame):
            return None
        return path, code.co_qualname

    def _profile(self, frame, event, arg):
        if not self.recording:
            sys.setprofile(None)
            return
        if event != "call" or (key := self._ours(frame)) is None:
            return
        if key not in self.calls:
            self.calls[key] = set()
            self.order.append(key)
        caller = frame.f_back
        while caller is not None and "asyncio" not in caller.f_code.co_filename:
            if (parent := self._ours(caller)) is not None:
                self.calls.setdefault(parent, set()).add(key)
                break
            caller = caller.f_back

    def run(self, fn):
        self.recording = True
        threading.setprofile(self._profile)
        sys.setprofile(self._profile)
        try:
            return fn()
        finally:
            self.recording = False
            sys.setprofile(None)
            threading.setprofile(None)


def _is_property(frame) -> bool:
    owner, _, name = frame.f_code.co_qualname.rpartition(".")
    cls = frame.f_globals.get(owner)
    return inspect.isclass(cls) and isinstance(inspect.getattr_static(cls, name, None), property)


def unlisted_callers_of_hops(calls, listed: set, entry) -> list[str]:
    """Functions that call a hop without being one (or the walk's entry): wrappers the page does not list."""
    return sorted(f"{name} ({path})" for (path, name), callees in calls.items()
                  if (path, name) not in listed | {entry} and callees & listed)


def check_walk(walk: str, trace: Trace, entry: tuple[str, str]) -> None:
    listed = [(path, name) for name, path in hops(walk)]
    called_hops = [key for key in trace.order if key in set(listed)]
    assert called_hops == listed
    assert unlisted_callers_of_hops(trace.calls, set(listed), entry) == []


def test_the_trl_walk_is_what_a_reward_call_runs():
    from envsdk.adapters.export import trl_records
    from envsdk.adapters.trl import reward_funcs

    class Args:
        scale_rewards = True

    class Trainer:  # what the reward function reads from the GRPOTrainer that calls it
        args, num_generations, num_generations_eval = Args(), 2, 2
        model = None

        def log_metric(self, name, value):
            self.logged[name] = value

    trainer = Trainer()
    trainer.logged = {}
    rows = trl_records("toy-even")[:2]
    (reward,) = reward_funcs("toy-even", num_generations=2)
    columns = {"envsdk_row": [r["envsdk_row"] for r in rows for _ in range(2)], "log_metric": trainer.log_metric}
    prompts = [r["prompt"] for r in rows for _ in range(2)]
    trace = Trace()
    rewards = trace.run(lambda: reward(prompts, ["12", "13", "44", "x"], None, **columns))
    reward.close()
    assert rewards == [1.0, 0.0, 1.0, 0.0] and trainer.logged["envsdk/correct_rate"] == 0.5
    check_walk("trl", trace, entry=("envsdk/adapters/trl.py", "RewardFunc.__call__"))


def test_the_trainer_walk_is_what_a_training_step_runs(tmp_path):
    from envsdk.train import GRPOConfig, GRPOTrainer, TinyConfig

    config = GRPOConfig(output_dir=str(tmp_path), env="toy-even", max_steps=1, num_generations=4, threads=1,
                        progress=False, tiny=TinyConfig(n_layer=1, warm_start_steps=5, warm_start_batch=16))
    trainer = GRPOTrainer(config)
    trace = Trace()
    try:
        line = trace.run(trainer.train_step)
    finally:
        trainer.close()
    assert line["step"] == 1 and line["rollouts"] == 4
    check_walk("trainer", trace, entry=("envsdk/train/trainer.py", "GRPOTrainer.train_step"))
