"""The report in a real browser: Debian's chromium, headless, driven by Playwright (no network needed).

The charts must have rendered (every series a drawn SVG path with one vertex per point, or its points' markers
without a line when too few evaluations make no trend), the rollout filters (text and `Verdict.status`) must hide
and count rows, each rollout's transform annotations must be on screen, and a full-page screenshot is kept under
the test's temp dir (a CI artifact).
"""

from __future__ import annotations

import os
import shutil

import pytest

from envsdk.report import load_run, write_report
from envsdk.report.charts import RUN_COLOURS, charts

from envsdk.record import read_records

from .sample_runs import ANNOTATED, BONUS, GENERATIONS, STEPS

# per chart: its series count, each run-coloured data series drawn in the plot (not the legend): the vertices
# and on-screen length of its line (0 when it has none) and its markers; and the SVG's size
_CHART_GEOMETRY = """
() => [...document.querySelectorAll("figure.chart")].map(figure => {
  const svg = figure.querySelector("svg"), box = svg.getBoundingClientRect();
  const coloured = g => COLOURS.some(c => g.innerHTML.includes("stroke: " + c));
  const series = [...svg.querySelectorAll('g[id^="line2d_"]')].filter(g => !g.closest('[id^="legend"]') && coloured(g));
  return {id: figure.id, series: Number(figure.dataset.series), width: box.width, height: box.height,
          lines: series.map(g => {
            const path = g.querySelector(":scope > path[clip-path]");
            return {vertices: path ? (path.getAttribute("d").match(/[ML]/g) || []).length : 0,
                    length: path ? path.getTotalLength() : 0, markers: g.querySelectorAll("g[clip-path] use").length};
          })};
})
"""


@pytest.fixture(scope="module")
def browser():
    chromium = shutil.which("chromium")
    if chromium is None:
        message = "Debian's chromium is not installed (apt-get install -y chromium)"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{message}: the browser test must run in CI")
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium)
        yield browser
        browser.close()


@pytest.fixture
def comparison(comparison_html, browser, tmp_path):
    """The GRPO-vs-DARLING page open in the browser; its screenshot saved on teardown."""
    page = _open(browser, comparison_html)
    yield page
    page.screenshot(path=str(tmp_path / "report.png"), full_page=True)
    print(f"screenshot: {tmp_path / 'report.png'}")
    page.close()


def test_every_chart_rendered_its_series(runs, comparison):
    geometry = comparison.evaluate(_CHART_GEOMETRY.replace("COLOURS", str(list(RUN_COLOURS))))
    expected = charts([load_run(runs.grpo), load_run(runs.darling)])
    assert [g["id"] for g in geometry] == [f"chart-{c.id}" for c in expected]
    for chart, drawn in zip(expected, geometry):
        assert drawn["width"] > 300 and drawn["height"] > 150, drawn
        # a joined series is a line with one vertex per point; an unjoined one (too few evaluations for a
        # trend) is its points' markers and no line at all
        assert [line["vertices"] for line in drawn["lines"]] == [len(s.xs) if s.joined else 0 for s in chart.series], chart.id
        assert [line["markers"] for line in drawn["lines"] if not line["vertices"]] == \
            [len(s.xs) for s in chart.series if not s.joined], chart.id
        assert all(line["length"] > 0 for line in drawn["lines"] if line["vertices"] > 1), chart.id
    reward = next(g for g in geometry if g["id"] == "chart-reward")
    assert reward["lines"][0]["vertices"] == STEPS


def _visible(page, run: int) -> int:
    return page.locator(f".rollout-view[data-run='{run}'] tr.rollout:visible").count()


def _shown(page, run: int) -> int:
    return int(page.locator(f".rollout-view[data-run='{run}'] .shown").inner_text())


def _open(browser, path):
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(path.as_uri())
    return page


def test_rollout_table_filters_by_text_and_status(runs, comparison):
    page, records = comparison, read_records(runs.grpo / "completions.jsonl")
    assert _visible(page, 0) == _shown(page, 0) == STEPS * GENERATIONS
    page.fill(".rollout-view[data-run='0'] .filter-text", "step 2 ·")
    assert _visible(page, 0) == _shown(page, 0) == GENERATIONS
    assert page.locator(".rollout-view[data-run='0'] tr.group:visible").count() == 1
    page.select_option(".rollout-view[data-run='0'] .filter-status", "correct")
    correct_at_2 = sum(r.verdict.status == "correct" for r in records if r.step == 2)
    assert _visible(page, 0) == _shown(page, 0) == correct_at_2
    page.fill(".rollout-view[data-run='0'] .filter-text", "")
    assert _visible(page, 0) == _shown(page, 0) == sum(r.verdict.status == "correct" for r in records)
    page.select_option(".rollout-view[data-run='0'] .filter-status", "wrong")
    assert _visible(page, 0) == _shown(page, 0) == sum(r.verdict.status == "wrong" for r in records)
    assert _visible(page, 1) == _shown(page, 1) == STEPS * GENERATIONS  # the other run's table is untouched


def test_the_darling_runs_rollouts_show_their_class(runs, comparison):
    """The trainer's own DARLING run beside GRPO: each DARLING rollout's note is on screen; GRPO has none."""
    records = read_records(runs.darling / "completions.jsonl")
    notes = comparison.locator(".rollout-view[data-run='1'] td.annotations .note[data-transform='darling']")
    assert notes.count() == len(records) == STEPS * GENERATIONS
    first = records[0].annotations["darling"]
    assert notes.first.is_visible() and notes.first.inner_text().startswith(f"darling quality {first['quality']:.4g}")
    assert f"class {first['class']} · " in notes.first.inner_text()
    assert comparison.locator(".rollout-view[data-run='0'] td.annotations").count() == 0


def test_verify_report_filters_the_error_rows(runs, browser, tmp_path):
    page = _open(browser, write_report([load_run(runs.verify)], tmp_path / "verify.html"))
    page.fill(".filter-text", "missing field")
    rows = page.locator("tr.rollout:visible")
    assert rows.count() == 1 and "bad row: missing field 'completion'" in rows.inner_text()
    page.fill(".filter-text", "")
    page.select_option(".filter-status", "error")
    assert page.locator("tr.rollout:visible td.v-error").all_inner_texts() == ["error"]
    page.select_option(".filter-status", "wrong")
    assert page.locator("tr.rollout:visible td pre").first.inner_text() == "43"
    page.close()


def test_reward_only_rubric_rows_read_correct_and_wrong(runs, browser, tmp_path):
    page = _open(browser, write_report([load_run(runs.reward_only)], tmp_path / "reward-only.html"))
    statuses = page.locator("tr.rollout td[class^='v-']")
    assert statuses.all_inner_texts() == ["correct", "wrong", "wrong", "correct"]
    page.select_option(".filter-status", "correct")
    assert page.locator("tr.rollout:visible td pre").all_inner_texts()[::2] == ["7", "3"]  # completion, details
    assert _shown(page, 0) == 2
    page.select_option(".filter-status", "wrong")
    assert _shown(page, 0) == 2 and page.locator("tr.rollout:visible td.v-wrong").count() == 2
    page.close()


def test_each_rollouts_transform_annotations_are_shown_and_filterable(runs, browser, tmp_path):
    page = _open(browser, write_report([load_run(runs.annotated)], tmp_path / "annotated.html"))
    assert page.locator("th", has_text="annotations").is_visible()
    darling = page.locator("tr.rollout td.annotations .note[data-transform='darling']")
    assert darling.all_inner_texts() == [f"darling class {c} · diversity {d:.4g}" for _, c, d in ANNOTATED]
    assert all(darling.nth(i).is_visible() for i in range(len(ANNOTATED)))
    bonus = page.locator("tr.rollout td.annotations .note[data-transform='outcome-ucb']")
    assert bonus.all_inner_texts() == [f"outcome-ucb bonus {b:.4g}" for b in BONUS]
    page.fill(".filter-text", "class 1")  # the text box reads the annotations too
    assert _shown(page, 0) == 1 and page.locator("tr.rollout:visible td pre").first.inner_text() == "14"
    page.screenshot(path=str(tmp_path / "annotated.png"), full_page=True)
    page.close()
