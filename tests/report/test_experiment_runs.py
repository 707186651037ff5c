"""`envsdk report` on runs shaped like the experiment's: GRPO evaluated at the start and at the end (two
points), DARLING at the end only (one point). Neither is dropped from "pass@k over steps", neither is drawn
as a trend, and the base policy has its column in the summary."""

from __future__ import annotations

import re

import pytest

from envsdk.report import load_run
from envsdk.report.charts import charts
from tests.helpers.cli import envsdk

TINY = ["toy-even", "--num-generations", "4", "--eval-samples", "4", "--eval-limit", "1", "--warm-start-steps", "2",
        "--verify-workers", "1", "--no-progress"]


@pytest.fixture(scope="module")
def experiment_like(tmp_path_factory):
    root = tmp_path_factory.mktemp("exp")
    assert envsdk("train", *TINY, "--max-steps", "1", "--eval-at-start", "--output", str(root / "grpo")).returncode == 0
    assert envsdk("train", *TINY, "--max-steps", "1", "--transform", "darling",
                  "--output", str(root / "darling")).returncode == 0
    return root


def test_a_run_with_one_or_two_evaluations_is_drawn_as_points(experiment_like):
    grpo, darling = load_run(experiment_like / "grpo"), load_run(experiment_like / "darling")
    (chart,) = [c for c in charts([grpo, darling]) if c.id == "pass-k-over-steps"]
    drawn = {s.label: (s.xs, s.joined) for s in chart.series}
    assert drawn == {"grpo: pass@1 (2 evals)": ([0, 1], False), "grpo: pass@4 (2 evals)": ([0, 1], False),
                     "darling: pass@1 (1 eval)": ([1], False), "darling: pass@4 (1 eval)": ([1], False)}


def test_three_evaluations_make_a_line(tmp_path):
    out = tmp_path / "run"
    assert envsdk("train", *TINY, "--max-steps", "2", "--eval-at-start", "--eval-every", "1",
                  "--output", str(out)).returncode == 0
    (chart,) = [c for c in charts([load_run(out)]) if c.id == "pass-k-over-steps"]
    assert [(s.xs, s.joined) for s in chart.series] == [([0, 1, 2], True), ([0, 1, 2], True)]


def test_the_summary_has_the_base_policy_beside_the_trained_runs(experiment_like, tmp_path):
    page = tmp_path / "report.html"
    result = envsdk("report", str(experiment_like / "grpo"), str(experiment_like / "darling"), "--output", str(page))
    assert result.returncode == 0, result.stderr
    html = page.read_text()
    summary = html[html.index('<table id="summary">'):]
    summary = summary[:summary.index("</table>")]
    headings = re.findall(r"<th style=\"color: [^\"]+\">([^<]+)</th>", summary)
    assert headings == ["base policy (step 0 of grpo)", "grpo", "darling"]
    grpo = load_run(experiment_like / "grpo")
    first_row = re.search(r"<tr><td>pass@1</td>(.*?)</tr>", summary).group(1)
    assert re.findall(r'<td class="num">([^<]+)</td>', first_row)[0] == f"{grpo.base['pass@1']:.4g}"
