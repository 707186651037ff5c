"""Forked pool workers (`ExecutorConfig(start="fork")`, the CLI's choice): the same verdicts and the same
failure handling as fresh interpreters, and a fresh interpreter whenever forking is not safe."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import threading
from pathlib import Path

import pytest

import envsdk
from envsdk.executor import Executor, ExecutorConfig
from tests.core.sample_envs import load_misbehaving

REPO = Path(__file__).parents[2]


@pytest.fixture(scope="module")
def misbehaving():
    envsdk.register_environment("test-misbehaving", load_misbehaving)
    return envsdk.load_environment("test-misbehaving")


def score(env, completions, **config):
    """Verdicts of one group and the kind of process each worker of the pool was."""

    async def go():
        async with Executor(env, ExecutorConfig(**config)) as ex:
            verdicts = await ex.score_group([{"answer": "ok"} for _ in completions], completions)
            return verdicts, [type(w.proc).__name__ for w in ex._pool.started]

    return asyncio.run(go())


def _comparable(verdicts):
    return [v.model_dump(exclude={"duration_s"}) for v in verdicts]


def test_forked_workers_give_the_verdicts_of_fresh_ones(misbehaving):
    completions = ["ok", "no", "raise", "crash", "ok"]
    forked, _ = score(misbehaving, completions, workers=1, start="fork", timeout_s=10)
    fresh, _ = score(misbehaving, completions, workers=1, start="fresh", timeout_s=10)
    assert _comparable(forked) == _comparable(fresh)
    assert [v.reward for v in forked] == [1.0, 0.0, 0.0, 0.0, 1.0]
    assert "verification crashed" in forked[3].error


def test_a_hung_row_in_a_forked_worker_is_flagged_and_the_rest_score(misbehaving):
    verdicts, _ = score(misbehaving, ["ok", "hang", "ok"], workers=1, start="fork", timeout_s=1.0)
    assert [v.timed_out for v in verdicts] == [False, True, False]
    assert [v.reward for v in verdicts] == [1.0, 0.0, 1.0]


def test_with_another_thread_running_workers_start_as_fresh_interpreters(misbehaving):
    release = threading.Event()
    thread = threading.Thread(target=release.wait)
    thread.start()
    try:
        verdicts, kinds = score(misbehaving, ["ok"], workers=1, start="fork")
    finally:
        release.set()
        thread.join()
    assert verdicts[0].reward == 1.0 and kinds == ["Popen"]


def test_a_single_threaded_process_forks_its_workers():
    script = (
        "import asyncio, envsdk; from envsdk.executor import Executor, ExecutorConfig\n"
        "from tests.core.sample_envs import load_misbehaving\n"
        "envsdk.register_environment('m', load_misbehaving)\n"
        "async def go():\n"
        "    async with Executor(envsdk.load_environment('m'), ExecutorConfig(workers=2, start='fork')) as ex:\n"
        "        verdicts = await ex.score_rows([{'answer': 'ok'}] * 16, ['ok', 'no'] * 8)\n"
        "        print(sum(v.reward for v in verdicts), sorted(type(w.proc).__name__ for w in ex._pool.started))\n"
        "asyncio.run(go())\n"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=REPO, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "8.0 ['_Forked', '_Forked']"  # two chunks of eight rows, one per worker
