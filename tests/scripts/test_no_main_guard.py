"""Worker processes never import the caller's `__main__`: scripts without a main guard, stdin, `python -c`
and an interactive session score a batch on a 2-worker pool, and a factory defined in `__main__` still
reaches workers."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import psutil
import pytest

# No `if __name__ == "__main__":` on purpose: a spawn pool that re-imported this would fail or rerun it.
MATH_SCRIPT = textwrap.dedent(
    r"""
    import os
    from envsdk.adapters.trl import reward_funcs

    print("main ran in", os.getpid(), flush=True)
    score = reward_funcs("math", executor={"workers": 2, "mode": "pool", "rows_per_task": 1})[0]
    rewards = score(
        prompts=["1+1?", "2+2?", "3+3?", "4+4?"],
        completions=[r"\boxed{2}", r"\boxed{5}", r"\boxed{6}", "no answer"],
        answer=["2", "4", "6", "8"],
    )
    print("rewards", rewards, flush=True)
    """
)

# An ad hoc environment whose factory and CPU-heavy reward live in `__main__` itself.
ADHOC_SCRIPT = textwrap.dedent(
    """
    import asyncio
    import envsdk
    from envsdk.executor import Executor

    SUFFIX = "!"

    @envsdk.reward(cpu_heavy=True)
    def shout(completion, answer):
        return float(completion == answer.upper() + SUFFIX)

    def load_shout(**_):
        return envsdk.Environment(rubric=envsdk.Rubric([shout]), required_fields=("answer",))

    envsdk.register_environment("scripts-shout", load_shout)
    env = envsdk.load_environment("scripts-shout")

    async def go():
        async with Executor(env, workers=2, rows_per_task=1) as ex:
            return await ex.score_rows([{"answer": "hi"}, {"answer": "yo"}], ["HI!", "yo"])

    print("rewards", [v.reward for v in asyncio.run(go())], flush=True)
    """
)


def _run(args: list[str], *, stdin: str | None = None, cwd: Path) -> subprocess.CompletedProcess:
    proc = subprocess.run(
        [sys.executable, *args], input=stdin, capture_output=True, text=True, timeout=240, cwd=cwd
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc


def _assert_math_batch(proc: subprocess.CompletedProcess) -> None:
    lines = proc.stdout.splitlines()
    assert len([line for line in lines if line.startswith("main ran in")]) == 1  # workers never rerun it
    assert lines[-1] == "rewards [1.0, 0.0, 1.0, 0.0]"


def test_script_without_main_guard_scores_on_two_workers(tmp_path):
    script = tmp_path / "train.py"
    script.write_text(MATH_SCRIPT)
    _assert_math_batch(_run([str(script)], cwd=tmp_path))


def test_script_on_stdin_scores_on_two_workers(tmp_path):
    _assert_math_batch(_run(["-"], stdin=MATH_SCRIPT, cwd=tmp_path))


def test_python_dash_c_scores_on_two_workers(tmp_path):
    _assert_math_batch(_run(["-c", MATH_SCRIPT], cwd=tmp_path))


def test_interactive_session_scores_on_two_workers(tmp_path):
    """The REPL (`python -i`), where `__main__` has no file, as in a notebook kernel."""
    _assert_math_batch(_run(["-i"], stdin=MATH_SCRIPT, cwd=tmp_path))


@pytest.mark.parametrize("how", ["file", "stdin"])
def test_factory_defined_in_main_reaches_workers(tmp_path, how):
    script = tmp_path / "adhoc.py"
    script.write_text(ADHOC_SCRIPT)
    proc = _run([str(script)] if how == "file" else ["-"], stdin=ADHOC_SCRIPT if how == "stdin" else None, cwd=tmp_path)
    assert proc.stdout.splitlines()[-1] == "rewards [1.0, 0.0]"


def test_factory_that_raises_is_one_clear_error(tmp_path):
    script = textwrap.dedent(
        """
        import asyncio, envsdk
        from envsdk.executor import Executor

        @envsdk.reward(cpu_heavy=True)
        def one(completion):
            return 1.0

        calls = []

        def load_broken(**_):
            calls.append(1)
            if len(calls) > 1:  # the parent's build succeeds, a worker's fails
                raise ValueError("no dataset at /nowhere")
            return envsdk.Environment(rubric=envsdk.Rubric([one]))

        envsdk.register_environment("scripts-broken", load_broken)
        env = envsdk.load_environment("scripts-broken")
        try:
            asyncio.run(Executor(env, workers=1).score_rows([{}], ["x"]))
        except RuntimeError as exc:
            print(exc)
        """
    )
    proc = _run(["-c", script], cwd=tmp_path)
    assert proc.stdout.strip() == "verification worker failed to start: ValueError: no dataset at /nowhere"


# A verifier stuck for ten minutes; the worker says its pid once it is inside it.
STUCK_SCRIPT = textwrap.dedent(
    """
    import asyncio, os, time, envsdk
    from envsdk.executor import Executor

    @envsdk.reward(cpu_heavy=True)
    def stuck(completion):
        print("worker", os.getpid(), flush=True)
        time.sleep(600)
        return 0.0

    envsdk.register_environment("scripts-stuck", lambda **_: envsdk.Environment(rubric=envsdk.Rubric([stuck])))
    asyncio.run(Executor(envsdk.load_environment("scripts-stuck"), workers=1, timeout_s=600).score_rows([{}], ["x"]))
    """
)


def _stuck_parent(tmp_path) -> tuple[subprocess.Popen, psutil.Process]:
    """The stuck script in its own process group, and its worker once the worker is busy."""
    parent = subprocess.Popen([sys.executable, "-c", STUCK_SCRIPT], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True, cwd=tmp_path, start_new_session=True)
    line = parent.stdout.readline()
    if not line.startswith("worker "):
        parent.kill()
        raise AssertionError(f"no worker started: {parent.communicate(timeout=30)}")
    return parent, psutil.Process(int(line.split()[1]))


def test_busy_worker_exits_when_its_parent_is_killed(tmp_path):
    parent, worker = _stuck_parent(tmp_path)
    parent.kill()
    parent.wait(10)
    worker.wait(timeout=20)  # raises psutil.TimeoutExpired if the worker outlived its parent


def test_ctrl_c_stops_the_run_with_one_traceback_and_no_worker_left(tmp_path):
    parent, worker = _stuck_parent(tmp_path)
    os.killpg(parent.pid, signal.SIGINT)  # what a terminal's Ctrl-C does: the whole foreground group
    _, stderr = parent.communicate(timeout=30)
    worker.wait(timeout=20)
    assert parent.returncode == -signal.SIGINT  # Python re-raises an unhandled Ctrl-C as death by SIGINT
    assert stderr.splitlines().count("KeyboardInterrupt") == 1, stderr  # the caller's, none from the worker
