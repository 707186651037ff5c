"""`LoopThread`, the one sync->async bridge of the synchronous faces (trainer, TRL, verl, OpenRLHF, Gymnasium)."""

import asyncio
import gc
import os
import pickle
import signal
import threading

import pytest

from envsdk.loop_thread import LoopThread


async def _loop_and_thread():
    return asyncio.get_running_loop(), threading.current_thread()


async def _wait_forever(started: threading.Event, cancelled: threading.Event) -> None:
    """Say it started, then wait until cancelled, and say so."""
    started.set()
    try:
        await asyncio.Event().wait()
    except asyncio.CancelledError:
        cancelled.set()
        raise


@pytest.fixture
def bridge():
    loop_thread = LoopThread("test-bridge")
    yield loop_thread
    loop_thread.close()


def test_calls_share_one_loop_on_a_thread_of_its_own(bridge):
    first_loop, first_thread = bridge.run(_loop_and_thread())
    second_loop, second_thread = bridge.run(_loop_and_thread())
    assert first_loop is second_loop
    assert first_thread is second_thread is not threading.current_thread()
    assert first_thread.name == "test-bridge"


def test_runs_where_the_calling_thread_already_runs_a_loop(bridge):
    async def notebook_cell():  # e.g. Jupyter: a running loop, and sync code called from it
        outer = asyncio.get_running_loop()
        inner, _ = bridge.run(_loop_and_thread())
        return outer, inner

    outer, inner = asyncio.run(notebook_cell())
    assert outer is not inner


def test_coroutines_from_many_threads_run_concurrently(bridge):
    n = 4

    async def make_barrier():
        return asyncio.Barrier(n)

    barrier = bridge.run(make_barrier())
    results: list[int] = []

    def caller(i: int) -> None:  # every caller waits for all the others: only concurrent coroutines pass
        bridge.run(asyncio.wait_for(barrier.wait(), 60))
        results.append(i)

    threads = [threading.Thread(target=caller, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == list(range(n))


def test_exceptions_reach_the_caller(bridge):
    async def fail():
        raise ValueError("boom")

    with pytest.raises(ValueError, match="boom"):
        bridge.run(fail())


def test_run_on_its_own_loop_raises_instead_of_waiting_forever(bridge):
    async def nested():
        inner = _loop_and_thread()
        with pytest.raises(RuntimeError, match="its own loop"):
            bridge.run(inner)
        return "raised"

    assert bridge.run(nested()) == "raised"


def test_ctrl_c_while_waiting_cancels_the_coroutine(bridge):
    started, cancelled = threading.Event(), threading.Event()

    def press_ctrl_c():
        started.wait()
        os.kill(os.getpid(), signal.SIGINT)

    threading.Thread(target=press_ctrl_c).start()
    with pytest.raises(KeyboardInterrupt):
        bridge.run(_wait_forever(started, cancelled))
    assert cancelled.wait(30)


def test_close_cancels_pending_work_joins_the_thread_and_a_later_run_starts_afresh(bridge):
    started, cancelled = threading.Event(), threading.Event()
    old_loop, old_thread = bridge.run(_loop_and_thread())
    bridge.submit(_wait_forever(started, cancelled))
    started.wait()
    bridge.close()
    assert cancelled.is_set() and not old_thread.is_alive() and old_loop.is_closed()
    new_loop, new_thread = bridge.run(_loop_and_thread())
    assert new_loop is not old_loop and new_thread.is_alive()


def test_an_owner_dropped_without_close_stops_its_loop():
    owner = LoopThread("dropped")
    _, thread = owner.run(_loop_and_thread())
    del owner
    gc.collect()
    thread.join(30)
    assert not thread.is_alive()


def test_a_pickled_copy_starts_its_own_loop(bridge):
    loop, _ = bridge.run(_loop_and_thread())
    copy = pickle.loads(pickle.dumps(bridge))
    try:
        copied_loop, _ = copy.run(_loop_and_thread())
        assert copy.name == "test-bridge" and copied_loop is not loop
    finally:
        copy.close()


def test_a_forked_child_starts_its_own_loop(bridge):
    bridge.run(_loop_and_thread())  # the parent's loop thread exists; a fork copies only the calling thread

    async def answer():
        return 42

    pid = os.fork()
    if pid == 0:
        code = 1
        signal.alarm(30)  # a child waiting on the parent's (absent) loop thread dies instead of hanging
        try:
            code = 0 if bridge.run(answer()) == 42 else 1
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
