"""The HTML page and the `envsdk report` command (no browser: see test_browser.py for the rendered page)."""

from __future__ import annotations

import json
import re
from importlib.metadata import version

from envsdk.cli.main import main
from envsdk.record import RolloutRecord, summarize, write_records
from envsdk.report import load_run, render_report
from envsdk.report.charts import charts
from envsdk.verdict import Verdict

from .sample_runs import ANNOTATED, GENERATIONS, STEPS


def test_trainer_charts_cover_reward_loss_kl_pass_at_k_and_each_transform_metric(runs):
    grpo, darling = load_run(runs.grpo), load_run(runs.darling)
    ids = [c.id for c in charts([grpo, darling])]
    for wanted in ("reward", "loss", "kl-to-the-reference", "correct-rate", "pass-k-over-steps",
                   "coverage-k-over-steps", "darling-num-classes", "darling-diversity-mean", "darling-classifier-s",
                   "final-pass-k", "final-coverage-k"):
        assert wanted in ids
    kl = next(c for c in charts([grpo, darling]) if c.id == "kl-to-the-reference")
    assert [s.label for s in kl.series] == ["grpo"]  # only the run with beta > 0 logs a KL
    assert kl.series[0].xs == list(range(1, STEPS + 1))
    classes = next(c for c in charts([grpo, darling]) if c.id == "darling-num-classes")
    assert [s.label for s in classes.series] == ["darling"]
    assert classes.series[0].ys == [line["transform/darling/num_classes"] for line in darling.steps]


def test_final_pass_at_k_chart_plots_the_last_evaluation_against_k(runs):
    run = load_run(runs.grpo)
    (chart,) = [c for c in charts([run]) if c.id == "final-pass-k"]
    assert chart.series[0].xs == [1.0, 2.0, 4.0, 8.0, 16.0]
    assert chart.series[0].ys == [run.summary[f"pass@{k}"] for k in (1, 2, 4, 8, 16)]


def test_eval_output_gets_a_pass_at_k_chart_and_no_step_curves(runs):
    assert [c.id for c in charts([load_run(runs.eval)])] == ["final-pass-k"]


def test_page_is_self_contained(runs, comparison_html):
    page = comparison_html.read_text()
    assert not re.search(r"""(src|href)\s*=\s*["'](https?:)?//""", page)
    assert "<link" not in page and "@import" not in page
    assert page.count("<svg") == len(charts([load_run(runs.grpo), load_run(runs.darling)]))


def test_page_lists_every_rollout_of_both_runs(comparison_html):
    page = comparison_html.read_text()
    assert page.count('<tr class="rollout"') == 2 * STEPS * GENERATIONS
    assert page.count('<tr class="group">') == 2 * STEPS  # one prompt per step in these runs


def test_report_command_writes_one_page_for_two_runs(runs, tmp_path, capsys):
    out = tmp_path / "cmp.html"
    assert main(["report", str(runs.eval), str(runs.verify), "--output", str(out)]) == 0
    assert capsys.readouterr().out == f"wrote {out} (loopback-model · toy-echo vs verify · toy-even)\n"
    page = out.read_text()
    assert "<title>envsdk report: loopback-model · toy-echo vs verify · toy-even</title>" in page
    assert page.count('<section class="rollout-view"') == 2 and page.count('<tr class="rollout"') == 24 + 4


def test_report_command_on_a_missing_run_is_one_line_and_exit_2(tmp_path, capsys):
    assert main(["report", str(tmp_path / "nope")]) == 2
    assert capsys.readouterr().err == f"envsdk report: error: {tmp_path}/nope does not exist\n"


def test_report_command_on_a_bad_record_line_names_it_in_one_line_and_exit_2(runs, tmp_path, capsys):
    (tmp_path / "vf.jsonl").write_text('{"id": "a", "reward": 1.0}\n{"id": "b", "passed": "maybe"}\n')
    (tmp_path / "vf.meta.json").write_text((runs.root / "vf.meta.json").read_text())
    assert main(["report", str(tmp_path / "vf.jsonl"), "--output", str(tmp_path / "r.html")]) == 2
    assert capsys.readouterr().err == (f"envsdk report: error: {tmp_path}/vf.jsonl:2: invalid Verdict: passed: "
                                       "Input should be a valid boolean, unable to interpret input\n")
    assert not (tmp_path / "r.html").exists()


def test_summary_rows_are_summarize_in_order(runs):
    run = load_run(runs.verify)
    page = render_report([run])
    table = page[page.index('<table id="summary">'):]
    rows = re.findall(r"<tr><td>([^<]+)</td>", table[:table.index("</table>")])
    assert rows[:6] == ["rollouts", "groups", "reward_mean", "reward_std", "correct_rate", "distinct_correct"]
    assert set(rows) == {k for k, v in summarize(run.rollouts).items() if isinstance(v, (int, float))}


def test_annotations_column_only_where_a_transform_annotated(runs):
    annotated, plain = render_report([load_run(runs.annotated)]), render_report([load_run(runs.verify)])
    assert annotated.count("<th>annotations</th>") == 1 and "<th>annotations</th>" not in plain
    assert annotated.count('<div class="note" data-transform="darling">') == len(ANNOTATED)
    assert '<b>darling</b> class 1 · diversity 0.75</div><div class="note" data-transform="outcome-ucb">' \
           '<b>outcome-ucb</b> bonus 0.4</div>' in annotated
    # final reward and advantage: only a table whose rollouts have advantages
    assert "<th>advantage</th>" in annotated and "<th>advantage</th>" not in plain


def test_an_abstained_rollouts_note_reads_as_text_and_its_final_reward_as_a_dash(tmp_path):
    record = RolloutRecord.of(Verdict.from_error("verifier crashed"), source="serve", env="toy-even", id="x",
                              group_id="g", advantage=0.0, annotations={"darling": {"note": "abstained: took no part",
                                                                                   "kept": False}})
    with (tmp_path / "served.jsonl").open("w") as fh:
        write_records(fh, [record])
    page = render_report([load_run(tmp_path / "served.jsonl")])
    assert '<b>darling</b> note abstained: took no part · kept false</div>' in page
    assert """<td class="num" title="left out of its group's baseline">–</td>""" in page
    assert '<td class="v-error">error</td>' in page


def test_a_chat_completion_reads_as_a_transcript_with_its_tool_calls(tmp_path):
    call = {"type": "function", "function": {"name": "search", "arguments": '{"q": "rivers"}'}}
    completion = [{"role": "assistant", "content": "", "tool_calls": [call]},
                  {"role": "tool", "name": "search", "content": "Nile"}, {"role": "assistant", "content": "Nile"}]
    record = RolloutRecord.of(Verdict(reward=1.0), source="serve", env="toy-echo", id="x", completion=completion,
                              prompt=[{"role": "user", "content": "Longest river?"}])
    with (tmp_path / "served.jsonl").open("w") as fh:
        write_records(fh, [record])
    page = render_report([load_run(tmp_path / "served.jsonl")])
    assert '<pre>assistant: \n  -&gt; search({&#34;q&#34;: &#34;rivers&#34;})\ntool search: Nile\nassistant: Nile</pre>' in page
    assert re.search(r'<span class="prompt">x</span>\s+· Longest river\?', page)


def test_report_command_on_an_unknown_layout_is_one_line_and_exit_2(tmp_path, capsys):
    (tmp_path / "notes.txt").write_text("hello")
    assert main(["report", str(tmp_path / "notes.txt")]) == 2
    err = capsys.readouterr().err
    assert err == (f"envsdk report: error: {tmp_path}/notes.txt: "
                   "expected a trainer run directory or an eval/verify .jsonl output\n")
    assert not (tmp_path / "report.html").exists()


def test_version_flag_prints_the_installed_version(capsys):
    assert main(["--version"]) == 0
    assert capsys.readouterr().out == f"envsdk {version('envsdk')}\n"


def test_completions_are_escaped_not_interpreted(tmp_path):
    (tmp_path / "in.jsonl").write_text(json.dumps({"id": "x", "completion": "<b>42</b><script>alert(1)</script>"}) + "\n")
    assert main(["verify", "toy-even", "--input", str(tmp_path / "in.jsonl"), "--output", str(tmp_path / "vf.jsonl"),
                 "--workers", "1"]) == 0
    page = render_report([load_run(tmp_path / "vf.jsonl")])
    assert "&lt;b&gt;42&lt;/b&gt;&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<b>42</b>" not in page and "alert(1)</script>" not in page
