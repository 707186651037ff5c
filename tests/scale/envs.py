"""An environment whose rows wait at a gate: the tests see where each row started, then act (kill a
node, a server) while rows are in flight, then open the gate."""

from __future__ import annotations

import os
import time
from pathlib import Path

from envsdk import Environment, Rubric, reward

GATE_WAIT_S = 120.0


def _node() -> str:
    try:
        import ray

        if ray.is_initialized():
            return ray.get_runtime_context().get_node_id()
    except ImportError:
        pass
    return "local"


@reward
def gated_match(completion: str, answer: str, info: dict) -> float:
    """Mark `started-<row id>-<node id>` in the gate dir, wait until the file `open` exists there, then
    score an exact match."""
    gate = Path(info["gate_dir"])
    (gate / f"started-{info['row']}-{_node()}").touch()
    deadline = time.monotonic() + GATE_WAIT_S
    while not (gate / "open").exists() and time.monotonic() < deadline:
        time.sleep(0.02)
    return float(completion == answer)


def load_gated(**_: object) -> Environment:
    """Rows carry `answer` and `info` = {"gate_dir": DIR, "row": N}."""
    return Environment(rubric=Rubric([gated_match]), required_fields=("answer",))


def rows(gate_dir: Path, n: int) -> tuple[list[dict], list[str]]:
    """n rows, every third completion wrong."""
    data = [{"id": str(i), "answer": f"a{i}", "info": {"gate_dir": str(gate_dir), "row": i}} for i in range(n)]
    return data, [f"a{i}" if i % 3 else "wrong" for i in range(n)]


def started(gate_dir: Path) -> dict[str, str]:
    """Row id -> node id of every row that has started."""
    out = {}
    for path in gate_dir.glob("started-*"):
        _, row, node = path.name.split("-", 2)
        out[row] = node
    return out


def wait_for(predicate, timeout_s: float, what: str):
    """Poll `predicate` until it returns something truthy; fail naming `what` after `timeout_s`."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out after {timeout_s:g}s waiting for {what}")


def open_gate(gate_dir: Path) -> None:
    (gate_dir / "open").touch()
    os.sync()
