"""Verification on a real two-node Ray cluster started with `ray start` on loopback (token auth on, as
Ray 2.60 wants it for a second node): `--ray-address` gives the local pool's verdicts, a node lost
mid-run costs retries, not rows, and a cluster that cannot be joined is one `error:` line, exit 2.

One cluster for the module (Ray's start-up is the cost): a head with 2 CPUs and a node with 1; the test
that kills the node runs last."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys

import pytest

import envsdk
from envsdk.executor import Executor
from envsdk.registry import register_environment
from tests.scale.cluster import ENVSDK, LoopbackRay, free_port
from tests.scale.envs import load_gated, open_gate, rows, started, wait_for


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    ray = LoopbackRay(tmp_path_factory.mktemp("ray-cluster"), head_cpus=2).start()
    try:
        node = ray.add_node(cpus=1)
        yield ray, node
    finally:
        ray.close()


def _cli(args: list[str], env: dict, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run([ENVSDK, *args], capture_output=True, text=True, timeout=timeout, env=env,
                          stdin=subprocess.DEVNULL)


def _one_error_line(done: subprocess.CompletedProcess, *words: str) -> str:
    assert done.returncode == 2, (done.returncode, done.stderr[-1500:])
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "error:" in lines[0] and "Traceback" not in done.stderr, done.stderr[-1500:]
    for word in words:
        assert word in lines[0], lines[0]
    return lines[0]


@pytest.fixture(scope="module")
def toy_rows(tmp_path_factory):
    path = tmp_path_factory.mktemp("rows") / "rows.jsonl"
    answers = ["42", "43", "10", "abc", "98", "100", "64", "7"]
    path.write_text("".join(json.dumps({"id": str(i), "prompt": "p", "completion": a}) + "\n"
                            for i, a in enumerate(answers)))
    return path


def test_an_unreachable_cluster_is_one_error_line_for_each_command(cluster, toy_rows):
    ray, _ = cluster
    closed = f"127.0.0.1:{free_port()}"
    commands = [["verify", "toy-even", "--input", str(toy_rows)],
                ["eval", "toy-even", "--base-url", "http://127.0.0.1:9/v1", "--model", "m", "--limit", "1",
                 "--output", str(toy_rows.with_name("eval.jsonl"))],
                ["serve", "toy-even", "--port", "0"]]
    for command in commands:
        _one_error_line(_cli([*command, "--ray-address", closed], ray.env, timeout=60), "cannot reach", closed)
    _one_error_line(_cli(["verify", "toy-even", "--input", str(toy_rows), "--ray-address", "no-port"], ray.env),
                    "HOST:PORT")


def test_a_refused_token_is_one_error_line(cluster, toy_rows):
    ray, _ = cluster
    env = {**ray.env, "RAY_AUTH_TOKEN": "0" * 64}
    _one_error_line(_cli(["verify", "toy-even", "--input", str(toy_rows), "--ray-address", ray.address], env),
                    "refused our token", "RAY_AUTH_TOKEN")


def test_another_ray_version_on_the_cluster_is_one_error_line(cluster, toy_rows):
    """The cluster's recorded version is rewritten to one we do not run, as a head of another release
    would record it; the original is put back afterwards."""
    ray, _ = cluster
    edit = ("import json, sys\nfrom ray._raylet import GcsClient\nfrom ray._common.usage import usage_constants as c\n"
            "from ray._private import ray_constants as r\n"
            "g = GcsClient(address=sys.argv[1])\n"
            "meta = json.loads(g.internal_kv_get(c.CLUSTER_METADATA_KEY, namespace=r.KV_NAMESPACE_CLUSTER))\n"
            "print(json.dumps(meta))\nmeta['ray_version'] = sys.argv[2] or meta['ray_version']\n"
            "g.internal_kv_put(c.CLUSTER_METADATA_KEY, json.dumps(meta).encode(), overwrite=True, "
            "namespace=r.KV_NAMESPACE_CLUSTER)\n")
    before = subprocess.run([sys.executable, "-c", edit, ray.address, "1.0.0"], capture_output=True, text=True,
                            env=ray.env, timeout=60)
    assert before.returncode == 0, before.stderr[-1000:]
    original = json.loads(before.stdout.splitlines()[-1])["ray_version"]
    try:
        line = _one_error_line(_cli(["verify", "toy-even", "--input", str(toy_rows), "--ray-address", ray.address],
                                    ray.env), "another Ray or Python version")
        assert "1.0.0" in line and original in line
    finally:
        subprocess.run([sys.executable, "-c", edit, ray.address, original], env=ray.env, timeout=60, check=True,
                       capture_output=True)


def test_verify_on_the_cluster_gives_the_local_pool_verdicts(cluster, toy_rows):
    ray, _ = cluster
    outputs = []
    for extra in ([], ["--ray-address", ray.address]):
        done = _cli(["verify", "toy-even", "--input", str(toy_rows), "--workers", "2", "--no-progress", *extra],
                    ray.env)
        assert done.returncode == 0, done.stderr[-1500:]
        outputs.append([{k: v for k, v in json.loads(line).items() if k != "duration_s"}
                        for line in done.stdout.splitlines() if line.startswith("{")])
    local, remote = outputs
    assert len(remote) == 8 and remote == local
    assert [v["reward"] for v in remote] == [1.0, 0.0, 1.0, 0.0, 1.0, 0.0, 1.0, 0.0]


def test_a_node_lost_mid_run_costs_retries_not_rows(cluster, tmp_path):
    """Rows wait at a gate until one has started on each node; then the second node's raylet and its
    workers are killed and the gate opens. Runs last: the cluster is left with its head only."""
    ray, node = cluster
    doomed = ray.node_ids()[node.node_manager_port]
    gate = tmp_path / "gate"
    gate.mkdir()
    driver = subprocess.Popen([sys.executable, "-m", "tests.scale.ray_driver", ray.address, str(gate), "8", "2"],
                              env=ray.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        wait_for(lambda: doomed in started(gate).values() and len(set(started(gate).values())) == 2, 240,
                 "a row started on each node")
        on_doomed = sorted(row for row, where in started(gate).items() if where == doomed)
        ray.kill_node(node)
        open_gate(gate)
        out, err = driver.communicate(timeout=300)
    finally:
        driver.kill()
    assert driver.returncode == 0, err[-2000:]
    result = json.loads(next(line for line in out.splitlines() if line.startswith('{"verdicts"')))
    assert result["retried"] >= 1 and on_doomed

    register_environment("scale-gated", load_gated)
    env = envsdk.load_environment("scale-gated")
    data, completions = rows(gate, 8)  # the gate is open now

    async def local_pool():
        async with Executor(env, workers=2, mode="pool") as executor:
            return await executor.score_rows(data, completions)

    expected = [v.model_dump(exclude={"duration_s"}) for v in asyncio.run(local_pool())]
    assert len(result["verdicts"]) == 8 and result["verdicts"] == expected
    assert [v["reward"] for v in expected] == [0.0, 1.0, 1.0, 0.0, 1.0, 1.0, 0.0, 1.0]
