"""Episodes per second of one-step echo episodes, three ways, in one run:

1. in-process: `toy-echo`'s own rollout (a scripted model that answers at once) and its rubric, no network;
2. through the OpenEnv bridge: the same environment behind `envsdk serve-openenv` (OpenEnv's create_app),
   played by OpenEnv's own GenericEnvClient over WebSocket sessions on loopback;
3. OpenEnv's reference echo environment (from `openenv init`), served by the openenv package itself and
   played by the same client: what the protocol costs without envsdk.
Each episode is reset + one step (+ the rubric for envsdk). Sessions run concurrently (`--sessions`), each
playing `--episodes / sessions` episodes back to back on its own connection.
Run: python benchmarks/interop_openenv.py [--episodes 400] [--sessions 8]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import envsdk  # noqa: E402
from envsdk.clients.chat import ChatReply  # noqa: E402
from envsdk.interop.openenv_server import create_openenv_app  # noqa: E402
from tests.helpers.asgi import serve_app  # noqa: E402
from tests.interop.servers import serve_reference_env  # noqa: E402


class EchoModel:
    """A chat client that repeats the prompt's last word at once (no model cost in any of the three)."""

    async def chat(self, messages, **_):
        return ChatReply(message={"role": "assistant", "content": messages[-1]["content"].split()[-1]})


async def in_process(env, episodes: int, sessions: int) -> tuple[float, float]:
    rows, model = env.rows(), EchoModel()

    async def play(start: int) -> float:
        total = 0.0
        for i in range(start, episodes, sessions):
            row = rows[i % len(rows)]
            result = await env.rollout(model, row)
            total += (await env.score(row, result.completion, result.state)).reward
        return total

    began = time.perf_counter()
    rewards = await asyncio.gather(*(play(s) for s in range(sessions)))
    return episodes / (time.perf_counter() - began), sum(rewards) / episodes


async def over_openenv(url: str, episodes: int, sessions: int, action) -> tuple[float, float]:
    from openenv.core.generic_client import GenericEnvClient

    async def play(start: int) -> float:
        total = 0.0
        async with GenericEnvClient(base_url=url) as client:
            for i in range(start, episodes, sessions):
                first = await client.reset(index=i)
                total += (await client.step(action(first.observation))).reward or 0.0
        return total

    began = time.perf_counter()
    rewards = await asyncio.gather(*(play(s) for s in range(sessions)))
    return episodes / (time.perf_counter() - began), sum(rewards) / episodes


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--episodes", type=int, default=400)
    p.add_argument("--sessions", type=int, default=8)
    args = p.parse_args()
    env = envsdk.load_environment("toy-echo", size=64)
    results = {}
    rate, mean = asyncio.run(in_process(env, args.episodes, args.sessions))
    results["in_process"] = {"episodes_per_s": round(rate, 1), "reward_mean": mean}
    with serve_app(create_openenv_app(env, max_sessions=args.sessions)) as url:
        echo_word = lambda obs: {"content": obs["messages"][-1]["content"].split()[-1]}  # noqa: E731
        rate, mean = asyncio.run(over_openenv(url, args.episodes, args.sessions, echo_word))
    results["envsdk_over_openenv"] = {"episodes_per_s": round(rate, 1), "reward_mean": mean}
    with tempfile.TemporaryDirectory() as tmp, serve_reference_env(Path(tmp), max_sessions=args.sessions) as url:
        rate, mean = asyncio.run(over_openenv(url, args.episodes, args.sessions, lambda obs: {"message": "hello world"}))
    results["openenv_reference_echo"] = {"episodes_per_s": round(rate, 1), "reward_mean": mean}
    results["bridge_vs_in_process"] = round(results["envsdk_over_openenv"]["episodes_per_s"]
                                            / results["in_process"]["episodes_per_s"], 4)
    results["bridge_vs_reference"] = round(results["envsdk_over_openenv"]["episodes_per_s"]
                                           / results["openenv_reference_echo"]["episodes_per_s"], 3)
    print(json.dumps({"episodes": args.episodes, "sessions": args.sessions, **results}, indent=2))


if __name__ == "__main__":
    main()
