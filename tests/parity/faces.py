"""Each public face driven the way its users drive it, on the fixed rollouts of `rollouts.py`.

A face returns a `FaceResult`: per set, the verifier's rewards (where the face shows verdicts), the rewards
a trainer receives, advantages (where the face computes them) and pass@k (where the face reports
correctness). Nothing here recomputes a face's numbers; it only reshapes what the face returned.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import subprocess
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace

import httpx

import envsdk
from envsdk.adapters.export import ROW_COLUMN, trl_records
from envsdk.metrics import mean_pass_at_k
from envsdk.scoring.labels import encode_label
from envsdk.verdict import Verdict

from .rollouts import COMPLETIONS, ENVS, GROUP_SIZES, KS, ROWS, SCALES, TRANSFORMS, batch, flat

REPO = Path(__file__).parents[2]
SETS = tuple(ROWS)
# The `envsdk` console script is `envsdk.cli.main:main`; this runs it after registering the parity envs.
CLI = "import sys; from tests.parity.envs import register; register(); from envsdk.cli.main import main; sys.exit(main())"


@dataclass
class FaceResult:
    """What one face said about every set (absent key: the face does not show that quantity)."""

    raw_rewards: dict[str, list[float]] = field(default_factory=dict)
    flagged: dict[str, list[bool]] = field(default_factory=dict)
    rewards: dict[str, list[float | None]] = field(default_factory=dict)
    advantages: dict[str, list[float]] = field(default_factory=dict)
    pass_at_k: dict[str, dict[str, float]] = field(default_factory=dict)


def pass_at_k(correct_by_group: list[list[bool]]) -> dict[str, float]:
    """Unbiased pass@k over groups, from per-rollout correctness flags a face reported."""
    return mean_pass_at_k([(len(g), sum(g)) for g in correct_by_group], KS)


def regroup(name: str, values: list) -> list[list]:
    """Flat batch-order values back into the set's groups."""
    it = iter(values)
    return [[next(it) for _ in comps] for comps in COMPLETIONS[name]]


def envsdk_cli(*commands: list[str]) -> list[subprocess.CompletedProcess]:
    """Run `envsdk` commands side by side (each a list of arguments); all must succeed."""
    procs = [
        subprocess.Popen([sys.executable, "-c", CLI, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         text=True, cwd=REPO)
        for args in commands
    ]
    done = []
    for args, proc in zip(commands, procs):
        stdout, stderr = proc.communicate(timeout=180)
        assert proc.returncode == 0, f"envsdk {' '.join(args)}: {stderr[-3000:]}"
        done.append(subprocess.CompletedProcess(proc.args, proc.returncode, stdout, stderr))
    return done


def _write_jsonl(path: Path, records: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    return path


# ---- envsdk verify + envsdk darling score + envsdk eval --------------------------------------------------
def cli_face(tmp: Path) -> FaceResult:
    """`envsdk verify` on saved rollouts; DARLING sets then go through `envsdk darling score`."""
    out = FaceResult()
    outputs = {name: tmp / f"{name}.out.jsonl" for name in SETS}
    commands = []
    for name in SETS:
        rows, completions = batch(name)
        lines = [{**row, "group_id": row["id"], "completion": c} for row, c in zip(rows, completions)]
        src = _write_jsonl(tmp / f"{name}.in.jsonl", lines)
        commands.append(["verify", ENVS[name], "--input", str(src), "--output", str(outputs[name]), "--workers", "1"])
    envsdk_cli(*commands)
    for name in SETS:
        verdicts = [json.loads(line) for line in outputs[name].read_text().splitlines()]
        out.raw_rewards[name] = [v["reward"] for v in verdicts]
        out.flagged[name] = [v["error"] is not None or v["timed_out"] for v in verdicts]
        out.rewards[name] = out.raw_rewards[name]
        if TRANSFORMS[name]:
            (transform, options), = TRANSFORMS[name]
            groups = [
                {"rewards": raw, "completions": comps, "prompt": row["prompt"]}
                for row, comps, raw in zip(ROWS[name], COMPLETIONS[name], regroup(name, out.raw_rewards[name]))
            ]
            src = _write_jsonl(tmp / f"{name}.groups.jsonl", groups)
            (scored,) = envsdk_cli([transform, "score", "--input", str(src), "--classifier", options["classifier"]])
            records = [json.loads(line) for line in scored.stdout.splitlines()]
            out.rewards[name] = flat([r["rewards"] for r in records])
            out.advantages[name] = flat([r["advantages"] for r in records])
    return out


def eval_face(tmp: Path) -> FaceResult:
    """`envsdk eval` against a loopback OpenAI-compatible server that answers with the fixed completions.
    Only `partial` has its rows as the environment's own dataset (eval samples the env's rows)."""
    from tests.helpers.openai_server import FakeOpenAI, text_reply

    answers = {row["prompt"]: itertools.cycle(comps) for row, comps in zip(ROWS["partial"], COMPLETIONS["partial"])}
    lock = threading.Lock()

    def respond(body: dict) -> dict:
        with lock:
            return text_reply(next(answers[body["messages"][-1]["content"]]))

    out = FaceResult()
    dst = tmp / "partial.eval.jsonl"  # eval writes its summary next to it
    with FakeOpenAI(respond) as server:
        envsdk_cli(["eval", ENVS["partial"], "--base-url", server.base_url, "--model", "m", "-n",
                    str(GROUP_SIZES["partial"]), "--k", ",".join(map(str, KS)), "--output", str(dst), "--workers", "1"])
    summary = json.loads((tmp / "partial.eval.summary.json").read_text())
    out.pass_at_k["partial"] = {f"pass@{k}": summary[f"pass@{k}"] for k in KS}
    return out


# ---- TRL ------------------------------------------------------------------------------------------------
def trl_reward_funcs_face() -> FaceResult:
    """`envsdk.adapters.trl.reward_funcs`, called as GRPOTrainer calls it with a `to_trl_dataset` batch."""
    from envsdk.adapters.trl import reward_funcs

    out = FaceResult()
    for name in SETS:
        (func,) = reward_funcs(ENVS[name], transforms=TRANSFORMS[name], num_generations=GROUP_SIZES[name],
                               executor={"workers": 1})
        rows, completions = batch(name)
        env = func.scorer.env
        # the columns `to_trl_dataset` gives a row (built here: these rows are not the environment's dataset)
        prompts = [env.format_prompt(row) for row in rows]
        extra = {ROW_COLUMN: [json.dumps(row) for row in rows]}
        out.rewards[name] = func(prompts=prompts, completions=completions, completion_ids=None, **extra)
        out.flagged[name] = [r is None for r in out.rewards[name]]  # TRL's abstention
        func.close()
    return out


TOOL_TWINS = {"math": "parity-math-tools", "partial": "parity-partial-tools"}


def trl_environment_factory_face() -> FaceResult:
    """`envsdk.adapters.trl_env.environment_factory`: one episode per rollout, reset from its dataset row,
    the completion as TRL's final assistant turn. Sets whose environment has a tool twin only."""
    from envsdk.adapters.trl_env import environment_factory

    out = FaceResult()
    for name, env_name in TOOL_TWINS.items():
        factory = environment_factory(env_name, transforms=TRANSFORMS[name], num_generations=GROUP_SIZES[name],
                                      executor={"workers": 1})
        (func,) = factory.reward_funcs()
        records = {r["id"]: r for r in trl_records(factory.env)}
        rows, completions = batch(name)
        episodes = []
        for row in rows:
            episode = factory()
            episode.reset(**records[row["id"]])
            episodes.append(episode)
        out.rewards[name] = func(
            prompts=[records[row["id"]]["prompt"] for row in rows],
            completions=[[{"role": "assistant", "content": c}] for c in completions],
            environments=episodes,
        )
        out.flagged[name] = [r is None for r in out.rewards[name]]
        func.close()
    return out


# ---- the reward server ----------------------------------------------------------------------------------
def _start_server(name: str) -> subprocess.Popen:
    """`envsdk serve ENV` on a free loopback port, built as a user would start it for this set."""
    args = ["serve", ENVS[name], "--port", "0", "--workers", "1", "--group-size", str(GROUP_SIZES[name])]
    for transform, options in TRANSFORMS[name]:
        args += ["--transform", transform]
        args += [a for key, value in options.items() for a in ("--transform-arg", f"{transform}.{key}={value}")]
    return subprocess.Popen([sys.executable, "-c", CLI, *args], cwd=REPO, stderr=subprocess.PIPE, text=True)


def _base_url(proc: subprocess.Popen) -> str:
    """The URL a starting server prints once it accepts requests."""
    said = []
    for line in proc.stderr:
        if " ready on " in line:
            return line.rsplit(" ", 1)[1].strip()
        said.append(line)
    raise AssertionError(f"envsdk serve exited with {proc.wait()} before it was ready: {''.join(said)[-3000:]}")


def server_face() -> FaceResult:
    """A live `envsdk serve` per set on loopback (started side by side): `/get_reward` in OpenRLHF's shape
    (query = prompt + response, labels = the gold as a string), `/verify` for the verdicts."""
    out = FaceResult()
    servers = {name: _start_server(name) for name in SETS}
    try:
        for name, proc in servers.items():
            rows, completions = batch(name)
            gold = [encode_label(r["answer"]) if "answer" in r else json.dumps({"tests": r["tests"]}) for r in rows]
            with httpx.Client(base_url=_base_url(proc), timeout=120) as client:
                reward = client.post("/get_reward", json={
                    "query": [row["prompt"] + c for row, c in zip(rows, completions)],
                    "prompts": [row["prompt"] for row in rows],
                    "labels": gold,
                })
                reward.raise_for_status()
                verified = client.post("/verify", json=[{**row, "completion": c} for row, c in zip(rows, completions)])
                verified.raise_for_status()
            out.rewards[name] = reward.json()["rewards"]
            verdicts = [Verdict.model_validate({k: v for k, v in d.items() if k in Verdict.model_fields})
                        for d in verified.json()]
            out.raw_rewards[name] = [v.reward for v in verdicts]
            out.flagged[name] = [v.failed for v in verdicts]
            out.pass_at_k[name] = pass_at_k(regroup(name, [v.correct for v in verdicts]))
    finally:
        for proc in servers.values():
            proc.terminate()
            proc.wait(30)
    return out


# ---- the built-in trainer -------------------------------------------------------------------------------
def trainer_face(tmp: Path) -> FaceResult:
    """`envsdk.train.GRPOTrainer.score_completions`, the scoring step of `train_step` (between sampling and
    the update), on the fixed completions; pass@k through the trainer's evaluation summary."""
    from envsdk.train import GRPOConfig, GRPOTrainer
    from envsdk.train.evaluate import eval_metrics

    out = FaceResult()
    for name in SETS:
        config = GRPOConfig(output_dir=str(tmp / name), env=ENVS[name], transforms=[t for t, _ in TRANSFORMS[name]],
                            transform_kwargs=dict(TRANSFORMS[name]), num_generations=GROUP_SIZES[name],
                            verify_workers=1, progress=False)
        trainer = GRPOTrainer(config)
        try:
            assert trainer.scale == SCALES[name]
            scored = trainer.score_completions(ROWS[name], flat(COMPLETIONS[name]), GROUP_SIZES[name])
        finally:
            trainer.close()
        out.raw_rewards[name] = [v.reward for v in scored.verdicts]
        out.flagged[name] = [v.failed for v in scored.verdicts]
        out.rewards[name] = scored.rewards
        out.advantages[name] = scored.advantages
        summary = eval_metrics(ROWS[name], scored.records, KS)
        out.pass_at_k[name] = {f"pass@{k}": summary[f"pass@{k}"] for k in KS}
    return out


# ---- Ray ------------------------------------------------------------------------------------------------
def ray_face() -> FaceResult:
    """The scoring spine on a `RayExecutor` (2-CPU loopback Ray): verdicts, rewards, advantages, pass@k."""
    import ray

    from envsdk.adapters.ray_backend import RayExecutor
    from envsdk.scoring import BatchScorer

    ray.init(_node_ip_address="127.0.0.1", include_dashboard=False, num_cpus=2, log_to_driver=False)
    out = FaceResult()
    try:
        for name in SETS:
            env = envsdk.load_environment(ENVS[name])
            rows, completions = batch(name)

            async def go():
                async with RayExecutor(env, num_actors=1) as executor:
                    scorer = BatchScorer(env, transforms=TRANSFORMS[name], group_size=GROUP_SIZES[name],
                                         scale=SCALES[name], executor=executor)
                    return await scorer.score(rows, [row["prompt"] for row in rows], completions)

            scored = asyncio.run(go())
            out.raw_rewards[name] = [v.reward for v in scored.verdicts]
            out.flagged[name] = [v.failed for v in scored.verdicts]
            out.rewards[name] = scored.rewards
            out.advantages[name] = scored.advantages
            out.pass_at_k[name] = pass_at_k(regroup(name, [v.correct for v in scored.verdicts]))
    finally:
        ray.shutdown()
    return out


# ---- verl -----------------------------------------------------------------------------------------------
def verl_venv() -> Path | None:
    """The verl venv's python (tests/adapters/verl_env_setup.sh), or None when it is not built."""
    python = Path(os.environ.get("ENVSDK_VERL_VENV", "/tmp/verl-venv")) / "bin" / "python"
    return python if python.exists() else None


def start_verl(python: Path) -> subprocess.Popen:
    """verl's reward loop with `EnvsdkRewardManager`, run inside the verl venv by `verl_face.py` (started
    early: it runs beside the other faces)."""
    return subprocess.Popen([str(python), str(REPO / "tests/parity/verl_face.py")], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, cwd=REPO)


def verl_face(proc: subprocess.Popen) -> FaceResult:
    """The verl run's rewards, and pass@k from its per-sample `acc`."""
    stdout, stderr = proc.communicate(timeout=300)
    assert proc.returncode == 0, stdout[-2000:] + stderr[-4000:]
    report = json.loads(stdout.splitlines()[-1])
    out = FaceResult()
    for name, result in report.items():
        out.rewards[name] = result["rewards"]
        out.flagged[name] = [bool(e) for e in result["error"]]
        out.pass_at_k[name] = pass_at_k(regroup(name, [bool(a) for a in result["acc"]]))
    return out
