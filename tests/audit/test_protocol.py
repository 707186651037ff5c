"""The probe protocol and the command's contract: probes never see the gold, plugins load from the
`envsdk.probes` entry-point group, gold checks stay apart, user mistakes are one error line."""

from __future__ import annotations

import json

import pytest

from envsdk import Environment, EnvsdkError, Rubric, register_environment, reward
from envsdk.audit import Attempt, AuditReport, Probe, ProbeContext, available_probes, run_audit
from envsdk.cli.main import main
from tests.audit import weak_envs  # noqa: F401  (registers weak-substring, weak-judge)
from tests.audit.conftest import statuses

SECRET = "gold-7f3a9c"
SEEN: list[ProbeContext] = []


@reward
def exact(completion, answer) -> bool:
    """1 for the exact gold."""
    return completion.strip() == answer


def secret_env() -> Environment:
    """Rows whose gold and extra fields hold a marker no probe may receive."""
    rows = [{"id": f"r{i}", "prompt": f"Question {i}?", "answer": SECRET, "info": {"hidden": SECRET},
             "tests": [SECRET]} for i in range(3)]
    return Environment(dataset=rows, rubric=Rubric([exact]), required_fields=("answer",))


register_environment("audit-secret", secret_env)


def spy(ctx: ProbeContext) -> list[Attempt]:
    SEEN.append(ctx)
    return [Attempt.text("spy", "nothing")]


def test_probes_see_the_prompt_and_never_the_gold():
    SEEN.clear()
    report = run_audit("audit-secret", probes=[Probe("spy", "records its context", "test", build_fn=spy)], limit=3)
    assert sorted(c.row_id for c in SEEN) == ["r0", "r1", "r2"]
    assert all(SECRET not in repr(c) for c in SEEN)
    assert {c.question for c in SEEN} == {"Question 0?", "Question 1?", "Question 2?"}
    assert report.probes[0].status == "clean"


def test_gold_checks_run_only_when_asked_and_are_reported_apart(run_audit_cli):
    _, plain = run_audit_cli("audit-secret", "--limit", "2", "--probes", "generic")
    assert plain.gold_checks == [] and all(not p.gold_aware for p in plain.probes)
    status, gold = run_audit_cli("audit-secret", "--limit", "2", "--gold-checks")
    assert status == 0
    checks = {p.name: p for p in gold.gold_checks}
    assert checks["gold-plain"].status == "info" and checks["gold-plain"].mean_reward == 1.0
    assert checks["gold-or-wrong"].status == "clean" and checks["gold-or-wrong"].expect == "reject"
    assert all(p.gold_aware for p in gold.gold_checks) and not any(p.gold_aware for p in gold.probes)


def test_a_rewarded_reject_check_fails_the_audit(run_audit_cli):
    status, report = run_audit_cli("weak-substring", "--limit", "3", "--probes", "gold-or-wrong,gold-buried")
    assert status == 1 and set(report.flagged) == {"gold-or-wrong", "gold-buried"}


PLUGIN = '''
from envsdk.audit import Attempt, Probe

def build(ctx):
    return [Attempt.text("forty-two", "42 42 42")]

PROBES = [Probe("lucky-42", "42 everywhere", "third-party", build_fn=build)]
'''


def install_pack(tmp_path, monkeypatch, source: str, module: str, pack: str) -> None:
    """A distribution on sys.path whose `envsdk.probes` entry point PACK is `MODULE:PROBES` (loaded entry points
    are cached per process, so each test uses its own module and pack names)."""
    (tmp_path / f"{module}.py").write_text(source)
    dist = tmp_path / f"{module}-0.1.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {module}\nVersion: 0.1\n")
    (dist / "entry_points.txt").write_text(f"[envsdk.probes]\n{pack} = {module}:PROBES\n")
    monkeypatch.syspath_prepend(str(tmp_path))


def test_a_third_party_probe_pack_loads_from_its_entry_point(tmp_path, monkeypatch, run_audit_cli):
    install_pack(tmp_path, monkeypatch, PLUGIN, "my_probes", "answers")
    assert ("answers", "lucky-42") in {(p.pack, p.name) for p in available_probes()}
    status, report = run_audit_cli("weak-substring", "--limit", "3", "--probes", "answers")
    assert status == 1 and report.flagged == ["lucky-42"] and report.probes[0].pack == "answers"


def test_a_pack_reusing_a_built_in_probe_name_is_one_error_line(tmp_path, monkeypatch, capsys):
    install_pack(tmp_path, monkeypatch, PLUGIN.replace('"lucky-42"', '"empty"'), "clashing_probes", "clashing")
    assert main(["audit", "weak-substring"]) == 2
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert line == "envsdk audit: error: probe 'empty' is defined by packs 'clashing' and 'generic'; rename one"


def test_the_report_is_json_that_round_trips(run_audit_cli, tmp_path):
    _, report = run_audit_cli("weak-substring", "--limit", "2", "--probes", "small-integers,empty")
    data = json.loads((tmp_path / "report.json").read_text())
    assert AuditReport.model_validate(data) == report
    assert data["env"] == "weak-substring" and len(data["row_ids"]) == 2
    assert data["baseline"]["completion"] == "-7319"
    assert statuses(report) == {"empty": "clean", "small-integers": "rewarded"}


def test_long_completions_are_shortened_in_the_report(run_audit_cli):
    _, report = run_audit_cli("weak-substring", "--limit", "1", "--probes", "buried")
    text = report.probes[0].example.completion
    assert len(text) < 1300 and "chars]…" in text


@pytest.mark.parametrize("args, message", [
    (["weak-substring", "--probes", "no-such-probe"], "unknown probe or pack 'no-such-probe'"),
    (["weak-substring", "--limit", "0"], "limit must be at least 1, got 0"),
    (["weak-substring", "--threshold", "-1"], "threshold must be 0 or more, got -1.0"),
    (["no-such-env"], "unknown environment 'no-such-env'"),
    (["weak-substring", "-a", "{not json"], "--env-args is not valid JSON"),
])
def test_a_user_mistake_is_one_error_line_and_exit_2(capsys, args, message):
    assert main(["audit", *args]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("envsdk audit: error: ") and message in err[0], err


def test_the_table_ends_with_the_verdict_and_lists_inapplicable_probes_once(capsys):
    assert main(["audit", "weak-substring", "--limit", "2", "--probes", "empty,small-integers,tool-use"]) == 1
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[-1] == "FAILED: small-integers"
    assert lines[-2] == "not applicable here: submit-repeatedly, hostile-arguments, harvest"
    assert [line.split()[0] for line in lines[2:-2]] == ["empty", "small-integers"]


def broken(ctx: ProbeContext) -> list[Attempt]:
    raise KeyError("tools")


def test_a_probe_that_raises_is_named_in_the_error():
    with pytest.raises(EnvsdkError, match=r"^probe 'broken' \(pack ''\) failed on row 'r\d': KeyError: 'tools'$"):
        run_audit("audit-secret", probes=[Probe("broken", "raises", "test", build_fn=broken)], limit=1)
