"""Both verifiers bridges, against verifiers 0.4's own loader and `Task.score`. Runs only inside the venv
built by tests/interop/verifiers_env_setup.sh (verifiers pins mcp/openai versions openenv cannot share),
via test_verifiers.py."""

import asyncio
import sys
from pathlib import Path

import pytest
from verifiers.v1.utils.loaders import load_taskset

import envsdk
from envsdk.interop.verifiers_taskset import EnvsdkTasksetConfig, score_text

# verifiers imports tasksets by top-level module name, as installed packages are: this folder stands in for
# site-packages, holding a taskset written with verifiers' API (vf_arith) and the envsdk export shim.
sys.path.insert(0, str(Path(__file__).parent))
EXPORT_ID = "vf_envsdk_echo"


def exported(env: str = "toy-echo", **env_args):
    config = EnvsdkTasksetConfig(id=EXPORT_ID, env=env, env_args=env_args)
    return load_taskset(config)  # verifiers' own loader: imports the taskset module by id


def test_verifiers_loader_finds_the_envsdk_taskset_and_its_tasks_are_the_env_rows():
    env = envsdk.load_environment("toy-echo", size=3)
    tasks = list(exported(size=3))
    assert [t.data.prompt for t in tasks] == [r["prompt"] for r in env.rows()]
    assert [t.key for t in tasks] == [f"toy-echo/{r['id']}" for r in env.rows()]
    assert [t.data.idx for t in tasks] == [0, 1, 2]


def test_verifiers_task_score_runs_the_envsdk_rubric():
    task = next(iter(exported(size=1)))
    word = task.data.row["answer"]
    assert score_text(task, word) == 1.0
    assert score_text(task, "wrong") == 0.0


def test_rubric_components_become_verifiers_metrics():
    from envsdk.interop._verifiers_trace import scoring_trace

    task = next(iter(exported(size=1)))
    trace = scoring_trace(task, "river")
    asyncio.run(task.score(trace))
    assert set(trace.metrics) == {"envsdk/exact", "envsdk/length"}
    assert trace.metrics["envsdk/length"] == 5.0
    assert list(trace.rewards) == ["envsdk"]


def test_a_multi_turn_env_is_refused_with_a_reason():
    from tests.interop.envs import load_guess

    envsdk.register_environment("interop-guess", load_guess)
    with pytest.raises(ValueError, match="'interop-guess' is multi-turn"):
        list(exported("interop-guess"))


def test_a_verifiers_taskset_loads_as_an_envsdk_env_scored_by_its_own_rewards():
    env = envsdk.load_environment("verifiers", taskset="vf_arith")
    rows = env.rows()
    assert [(r["id"], r["prompt"]) for r in rows] == [
        ("2+3", "What is 2+3?"), ("10+7", "What is 10+7?"), ("4+4", "What is 4+4?")]
    right = asyncio.run(env.score(rows[1], "17"))
    assert (right.reward, right.details["verifiers_rewards"], right.details["verifiers_metrics"]) == (
        1.0, {"correct": 1.0}, {"reply_length": 2.0})
    assert asyncio.run(env.score(rows[1], "18")).reward == 0.0


def test_an_envsdk_env_round_trips_through_verifiers():
    env = envsdk.load_environment("verifiers", taskset=EXPORT_ID, config={"env": "toy-echo", "env_args": {"size": 2}})
    row = env.rows()[0]
    word = row["info"]["task"]["row"]["answer"]
    assert asyncio.run(env.score(row, word)).reward == 1.0
    assert asyncio.run(env.score(row, "no")).reward == 0.0


def test_a_verifiers_traces_file_is_rescored_by_envsdk_verify_to_the_recorded_rewards(tmp_path):
    import json

    from verifiers.v1 import EnvInfo, Episode
    from verifiers.v1.utils.trace_store import TRACES_FILE, write_episode

    from envsdk.cli.main import main
    from envsdk.interop._verifiers_trace import scoring_trace

    tasks = list(exported(size=2))
    recorded = []
    for task, reply in zip(tasks, [tasks[0].data.row["answer"], "nope"]):
        trace = scoring_trace(task, reply)
        asyncio.run(task.score(trace))
        recorded.append(trace.reward)
        write_episode(tmp_path, Episode(env=EnvInfo(id="toy-echo"), task=trace.task, traces=[trace], ok=True))
    rows, out = tmp_path / "rows.jsonl", tmp_path / "verified.jsonl"
    args = ["-a", '{"size": 2}']
    assert main(["convert-rollouts", "toy-echo", *args, "--from", "verifiers", "--input", str(tmp_path / TRACES_FILE),
                 "--output", str(rows)]) == 0
    assert main(["verify", "toy-echo", *args, "--input", str(rows), "--output", str(out), "--workers", "1"]) == 0
    verdicts = [json.loads(line) for line in out.read_text().splitlines()]
    assert [v["reward"] for v in verdicts] == recorded == [1.0, 0.0]
    assert [v["id"] for v in verdicts] == [t.data.id for t in tasks]


def test_vf_eval_runs_an_envsdk_env_and_its_traces_rescore_to_the_same_rewards(tmp_path):
    # verifiers' own CLI: its null harness runs the model program through `uv` in a subprocess runtime,
    # against a loopback streaming server that echoes the word (toy-echo's right answer).
    import json
    import os
    import subprocess

    from envsdk.cli.main import main
    from tests.interop.streaming_openai import StreamingEcho

    here = Path(__file__).parent
    venv_bin = str(Path(sys.executable).parent)  # vf-eval, and the `uv` its harness launches the program with
    env_vars = {**os.environ, "PYTHONPATH": os.pathsep.join([str(here), str(here.parents[1])]), "ECHO_KEY": "x",
                "PATH": os.pathsep.join([venv_bin, os.environ.get("PATH", "")])}
    with StreamingEcho() as model:
        run = subprocess.run(
            [str(Path(venv_bin) / "vf-eval"), EXPORT_ID, "--env.taskset.env", "toy-echo",
             "--env.taskset.env-args", '{"size": 2}', "--client.base-url", model.base_url,
             "--client.api-key-var", "ECHO_KEY", "-m", "echo", "--no-push", "--env.agent.harness.id", "null",
             "--env.agent.runtime.type", "subprocess", "-o", str(tmp_path / "runs")],
            capture_output=True, text=True, env=env_vars, timeout=300)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    [traces] = list((tmp_path / "runs").glob("*/traces.jsonl"))
    recorded = [t["rewards"]["envsdk"]["score"] for line in traces.read_text().splitlines()
                for t in json.loads(line)["traces"]]
    assert recorded == [1.0, 1.0]
    rows, out = tmp_path / "rows.jsonl", tmp_path / "verified.jsonl"
    args = ["-a", '{"size": 2}']
    assert main(["convert-rollouts", "toy-echo", *args, "--from", "verifiers", "--input", str(traces),
                 "--output", str(rows)]) == 0
    assert main(["verify", "toy-echo", *args, "--input", str(rows), "--output", str(out), "--workers", "1"]) == 0
    assert [json.loads(line)["reward"] for line in out.read_text().splitlines()] == recorded
