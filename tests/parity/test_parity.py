"""Path parity: the same rollouts get the same verdict rewards, failure flags, trainer rewards, advantages
and pass@k on every public face, and those are the values worked out by hand in rollouts.py (not just equal
to each other). A verifier failure is flagged everywhere, abstains where the trainer can abstain, and is
left out of baselines and never counted correct.

Faces: `envsdk verify` (+ `envsdk darling score`), `envsdk eval`, TRL `reward_funcs`, TRL
`environment_factory`, verl's `EnvsdkRewardManager` (in the verl venv), the reward server (`/get_reward`,
`/verify`), the built-in trainer's scoring step, the Ray backend.
"""

from __future__ import annotations

import os

import pytest

from . import faces
from .faces import FaceResult
from .rollouts import ADVANTAGES, FINAL_REWARDS, FLAGGED, PASS_AT_K, RAW_REWARDS, flat

ALL = ("math", "code", "partial")
TWINS = tuple(faces.TOOL_TWINS)
# Which quantities each face shows, for which sets (a face that does not show something is not asked for it):
#   raw: the verifier's own rewards; flagged: which rollouts it reports as verifier failures; rewards: what a
#   trainer receives; advantages; pass@k.
COVERAGE: dict[str, dict[str, tuple[str, ...]]] = {
    "cli": {"raw": ALL, "flagged": ALL, "rewards": ALL, "advantages": ("math",), "pass_at_k": ()},
    "eval": {"raw": (), "flagged": (), "rewards": (), "advantages": (), "pass_at_k": ("partial",)},
    "trl_reward_funcs": {"raw": (), "flagged": ALL, "rewards": ALL, "advantages": (), "pass_at_k": ()},
    "trl_environment_factory": {"raw": (), "flagged": TWINS, "rewards": TWINS, "advantages": (), "pass_at_k": ()},
    # pass@k from its `acc`, failures from `envsdk_error` (the verl venv has math-verify with antlr 4.9.3).
    "verl": {"raw": (), "flagged": ALL, "rewards": ALL, "advantages": (), "pass_at_k": ALL},
    "server": {"raw": ALL, "flagged": ALL, "rewards": ALL, "advantages": (), "pass_at_k": ALL},
    "trainer": {"raw": ALL, "flagged": ALL, "rewards": ALL, "advantages": ALL, "pass_at_k": ALL},
    "ray": {"raw": ALL, "flagged": ALL, "rewards": ALL, "advantages": ALL, "pass_at_k": ALL},
}
# Faces whose trainer cannot leave a rollout out: a failed verifier is a 0.0 there (flagged beside it);
# `envsdk verify` reports the verdict itself.
CANNOT_ABSTAIN = {"cli", "server", "verl"}
EXPECTED = {
    "raw": lambda face, s: flat(RAW_REWARDS[s]),
    "flagged": lambda face, s: flat(FLAGGED[s]),
    "rewards": lambda face, s: [0.0 if r is None and face in CANNOT_ABSTAIN else r for r in flat(FINAL_REWARDS[s])],
    "advantages": lambda face, s: flat(ADVANTAGES[s]),
    "pass_at_k": lambda face, s: PASS_AT_K[s],
}
FIELD = {"raw": "raw_rewards", "flagged": "flagged", "rewards": "rewards", "advantages": "advantages",
         "pass_at_k": "pass_at_k"}
# Disagreements the code has today, each with why; strict, so a fix turns the mark into a failure to delete.
KNOWN: dict[tuple[str, str, str], str] = {}


def _run(name: str, tmp, verl) -> FaceResult:
    if name == "verl":
        if verl is None:
            if "ENVSDK_VERL_VENV" in os.environ:
                pytest.fail(f"ENVSDK_VERL_VENV={os.environ['ENVSDK_VERL_VENV']} has no python")
            pytest.skip("no verl venv: run tests/adapters/verl_env_setup.sh")
        return faces.verl_face(verl)
    if name == "ray":
        pytest.importorskip("ray")
    runner = {
        "cli": lambda: faces.cli_face(tmp),
        "eval": lambda: faces.eval_face(tmp),
        "trl_reward_funcs": faces.trl_reward_funcs_face,
        "trl_environment_factory": faces.trl_environment_factory_face,
        "server": faces.server_face,
        "trainer": lambda: faces.trainer_face(tmp),
        "ray": faces.ray_face,
    }[name]
    return runner()


@pytest.fixture(scope="module")
def face_result(tmp_path_factory):
    """Each face runs once per module; a face that failed fails every test that asks it. The verl face
    (a subprocess in its own venv) starts first and runs beside the others."""
    cache: dict[str, FaceResult | BaseException] = {}
    python = faces.verl_venv()
    verl = faces.start_verl(python) if python is not None else None

    def get(name: str) -> FaceResult:
        if name not in cache:
            try:
                cache[name] = _run(name, tmp_path_factory.mktemp(name), verl)
            except (Exception, pytest.skip.Exception, pytest.fail.Exception) as exc:
                cache[name] = exc
        if isinstance(cache[name], BaseException):
            raise cache[name]
        return cache[name]

    yield get
    if verl is not None and verl.poll() is None:  # only when the verl tests were deselected
        verl.kill()
        verl.wait(30)


def _cases():
    for face, shown in COVERAGE.items():
        for quantity, sets in shown.items():
            for name in sets:
                reason = KNOWN.get((face, quantity, name))
                marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
                yield pytest.param(face, quantity, name, id=f"{face}-{quantity}-{name}", marks=marks)


@pytest.mark.parametrize(("face", "quantity", "name"), list(_cases()))
def test_face_gives_the_hand_computed_value(face_result, face, quantity, name):
    got = getattr(face_result(face), FIELD[quantity])[name]
    assert got == pytest.approx(EXPECTED[quantity](face, name), abs=1e-9)


@pytest.mark.parametrize("face", list(COVERAGE))
def test_face_shows_exactly_what_the_coverage_table_says(face_result, face):
    result = face_result(face)
    shown = {q: tuple(sorted(getattr(result, FIELD[q]))) for q in FIELD}
    assert shown == {q: tuple(sorted(sets)) for q, sets in COVERAGE[face].items()}
