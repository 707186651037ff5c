"""Ray on loopback with 2 CPUs gives the same verdicts as the local process pool."""

import asyncio

import envsdk
import pytest
from envsdk.executor import Executor
from envsdk.scoring import BatchScorer

ray = pytest.importorskip("ray")
from envsdk.adapters.ray_backend import RayExecutor  # noqa: E402

ROWS = [{"id": "a", "answer": "4"}, {"id": "b", "answer": "\\frac{1}{2}"}, {"id": "c", "answer": "10"}]
COMPLETIONS = ["so \\boxed{4}", "it is \\boxed{0.5}", "\\boxed{11}"]


@pytest.fixture(scope="module")
def ray_local():
    ray.init(_node_ip_address="127.0.0.1", include_dashboard=False, num_cpus=2, log_to_driver=False)
    yield
    ray.shutdown()


def _comparable(verdicts):
    return [v.model_dump(exclude={"duration_s"}) for v in verdicts]


async def _both(env_name, rows, completions):
    env = envsdk.load_environment(env_name)
    async with Executor(env, workers=2, mode="pool") as local, RayExecutor(env, workers=2) as remote:
        return await local.score_rows(rows, completions), await remote.score_rows(rows, completions)


def test_ray_pool_gives_the_local_pool_verdicts_for_math(ray_local):
    local, remote = asyncio.run(_both("math", ROWS, COMPLETIONS))
    assert [v.reward for v in remote] == [1.0, 1.0, 0.0]
    assert _comparable(remote) == _comparable(local)


def test_ray_pool_flags_a_raising_verifier_like_the_local_pool(ray_local):
    local, remote = asyncio.run(_both("adapters-flaky", [{"answer": "apple"}] * 2, ["apple", "raise"]))
    assert remote[1].error is not None and remote[1].reward == 0.0
    assert _comparable(remote) == _comparable(local)


def test_ray_flags_a_row_without_its_answer(ray_local):
    local, remote = asyncio.run(_both("adapters-flaky", [{"answer": "apple"}, {"answer": ""}], ["apple", "apple"]))
    assert remote[1].error == "bad row: field 'answer' is empty"
    assert _comparable(remote) == _comparable(local)


def test_a_batch_scorer_on_ray_gives_the_local_scorer_results(ray_local):
    env = envsdk.load_environment("adapters-flaky")
    rows = [{"id": "a", "answer": "apple"}] * 2 + [{"id": "b", "answer": "river"}] * 2
    completions = ["apple", "pear", "raise", "river"]

    async def both():
        local = BatchScorer(env, transforms=["rank"], group_size=2, scale="none")
        remote = BatchScorer(env, transforms=["rank"], group_size=2, scale="none", executor=RayExecutor(env, workers=2))
        try:
            return [await s.score(rows, [None] * 4, completions) for s in (local, remote)]
        finally:
            await local.aclose()
            await remote.executor.aclose()

    local, remote = asyncio.run(both())
    assert remote.rewards == local.rewards and remote.advantages == local.advantages
    assert remote.rewards[2] is None and remote.advantages[2] == 0.0


def test_a_hung_row_on_ray_is_flagged_by_its_deadline_and_the_actor_keeps_scoring(ray_local):
    from envsdk.registry import register_environment

    from tests.core.sample_envs import load_misbehaving

    register_environment("ray-misbehaving", load_misbehaving)
    env = envsdk.load_environment("ray-misbehaving")

    async def run():
        async with RayExecutor(env, num_actors=1, timeout_s=1.0) as remote:
            hung = await remote.score_group([{"answer": "x"}], ["hang"])
            after = await remote.score_group([{"answer": "x"}], ["x"])
            return hung, after

    (hung,), (after,) = asyncio.run(run())
    assert (hung.timed_out, hung.reward, hung.passed) == (True, 0.0, None)
    assert hung.error.startswith("verification timed out after 1")
    assert (after.reward, after.error, after.timed_out) == (1.0, None, False)
