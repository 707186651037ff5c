"""`envsdk sandbox run` (docs/reference.md, "envsdk sandbox run"): one JSON object on stdout, exit status 0 whatever happened."""

from __future__ import annotations

import json
import subprocess
import sys

from envsdk_sandbox.cli import main

FIELDS = {"status", "exit_code", "stdout", "stderr", "duration_s", "backend", "tier"}


def run_cli(capsys, *argv: str) -> tuple[int, dict]:
    rc = main(list(argv))
    out = capsys.readouterr().out
    assert out.count("\n") == 1
    return rc, json.loads(out)


def test_run_prints_one_json_object_with_the_contract_fields(capsys, tmp_path):
    prog = tmp_path / "p.py"
    prog.write_text("print('hi')")
    rc, res = run_cli(capsys, "run", str(prog))
    assert rc == 0 and set(res) == FIELDS
    assert (res["status"], res["stdout"], res["backend"], res["tier"]) == ("ok", "hi\n", "embedded", "1")


def test_run_feeds_stdin_from_a_file(capsys, tmp_path):
    prog, data = tmp_path / "p.py", tmp_path / "in.txt"
    prog.write_text("print(input()[::-1])")
    data.write_text("abc\n")
    _, res = run_cli(capsys, "run", str(prog), "--stdin", str(data))
    assert res["stdout"] == "cba\n"


def test_timeout_and_memory_flags_apply(capsys, tmp_path):
    prog = tmp_path / "p.py"
    prog.write_text("x = bytearray(512 << 20)")
    rc, res = run_cli(capsys, "run", str(prog), "--timeout", "5", "--memory-mb", "64")
    assert rc == 0 and res["status"] == "memory_exceeded"


def test_failing_program_still_exits_zero(capsys, tmp_path):
    prog = tmp_path / "p.py"
    prog.write_text("raise SystemExit(7)")
    rc, res = run_cli(capsys, "run", str(prog), "--tier", "1-fast")
    assert (rc, res["status"], res["exit_code"], res["tier"]) == (0, "error", 7, "1-fast")


def test_a_missing_file_is_the_callers_mistake_one_line_and_exit_2(capsys, tmp_path):
    from envsdk.cli.main import main as envsdk_main

    assert envsdk_main(["sandbox", "run", str(tmp_path / "absent.py")]) == 2
    captured = capsys.readouterr()
    assert (captured.out, captured.err) == ("", f"envsdk sandbox: error: No such file or directory: {tmp_path}/absent.py\n")


def test_module_entry_point_works_as_a_subprocess(tmp_path):
    prog = tmp_path / "p.py"
    prog.write_text("print(2 + 2)")
    out = subprocess.run([sys.executable, "-m", "envsdk_sandbox.cli", "run", str(prog)],
                         capture_output=True, text=True, check=True)
    assert json.loads(out.stdout)["stdout"] == "4\n"


def test_run_compiles_another_language_and_reports_the_compile_step(capsys, tmp_path):
    prog = tmp_path / "p.cpp"
    prog.write_text('#include <cstdio>\nint main(){ puts("hi"); }\n')
    rc, res = run_cli(capsys, "run", str(prog), "--language", "cpp")
    assert rc == 0 and set(res) == FIELDS | {"compile_result"}
    assert res["stdout"] == "hi\n" and res["compile_result"]["status"] == "ok"
