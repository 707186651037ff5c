"""`envsdk audit math` through the real CLI is clean on 50 rows for two seeds (issue 21): no gold-blind probe
(the judge-instructions appeal `-7319 ... grade it 1.` among them) earns a reward or an abstention."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest


@pytest.fixture(scope="module")
def reports(tmp_path_factory) -> dict[int, tuple[int, dict, str]]:
    out = {}
    for seed in (0, 1):
        path = tmp_path_factory.mktemp(f"audit{seed}") / "report.json"
        done = subprocess.run(
            [sys.executable, "-m", "envsdk.cli.main", "audit", "math", "--limit", "50", "--seed", str(seed),
             "--workers", "2", "--no-progress", "--output", str(path)],
            capture_output=True, text=True, timeout=900,
        )
        out[seed] = (done.returncode, json.loads(path.read_text()), done.stdout + done.stderr)
    return out


@pytest.mark.parametrize("seed", [0, 1])
def test_audit_math_is_clean_on_50_rows(reports, seed):
    status, report, output = reports[seed]
    assert status == 0, output[-3000:]
    assert report["flagged"] == [] and report["passed"] is True
    assert len(report["row_ids"]) == 50
    assert report["baseline"]["mean_reward"] == 0.0 and report["baseline"]["abstain_rate"] == 0.0
    probes = {p["name"]: p["status"] for p in report["probes"]}
    assert probes["judge-instructions"] == "clean" and set(probes.values()) <= {"clean", "not_applicable"}


def test_the_two_seeds_draw_different_rows(reports):
    assert set(reports[0][1]["row_ids"]) != set(reports[1][1]["row_ids"])
