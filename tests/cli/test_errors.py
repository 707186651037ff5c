"""A user's mistake, whatever the command (built in or plugin), is one `envsdk CMD: error: ...` line and
exit 2, never a traceback (docs/reference.md, "Exit codes")."""

from __future__ import annotations

import json

import pytest
from envsdk.cli.main import main

from tests.helpers.cli import envsdk, write_jsonl


@pytest.fixture
def rows(tmp_path):
    return write_jsonl(tmp_path / "in.jsonl", [{"id": "a", "completion": "x", "answer": "x"}])


def error_line(capsys) -> str:
    err = capsys.readouterr().err
    assert "Traceback" not in err and "errors.pydantic.dev" not in err, err
    return err.strip().splitlines()[-1]


CASES = {
    "missing input file": (["verify", "toy-echo", "--input", "{tmp}/nope.jsonl"],
                           "envsdk verify: error: No such file or directory: {tmp}/nope.jsonl"),
    "unknown environment kwarg": (["verify", "toy-echo", "-a", '{"sizes": 3}', "--input", "{rows}"],
                                  "envsdk verify: error: environment 'toy-echo': got an unexpected keyword argument "
                                  "'sizes'; it accepts: size, seed"),
    "env args not JSON": (["verify", "toy-echo", "-a", "{size: 3}", "--input", "{rows}"],
                          "envsdk verify: error: --env-args is not valid JSON: Expecting property name enclosed in "
                          "double quotes: line 1 column 2 (char 1)"),
    "k not a number": (["eval", "toy-echo", "--base-url", "http://127.0.0.1:9/v1", "--model", "m", "--k", "1,x"],
                       "envsdk eval: error: --k expects comma-separated integers, got '1,x'"),
    "k larger than n": (["eval", "toy-echo", "--base-url", "http://127.0.0.1:9/v1", "--model", "m", "-n", "2",
                         "--k", "1,4"],
                        "envsdk eval: error: --k 1,4: each k must be between 1 and -r (2); sample more with -r 4"),
    "unknown classifier": (["darling", "score", "--input", "{groups}", "--classifier", "nope"],
                           "envsdk darling: error: unknown DARLING classifier 'nope'; known: cosine, cross-encoder, final-answer, "
                           "hf-pair, judge, lexical, minilm-pair, modernbert, qwen3-math, vllm"),
    "classifier options not JSON": (["darling", "score", "--input", "{groups}", "--classifier", "lexical",
                                     "--classifier-options", "{threshold: 1}"],
                                    "envsdk darling: error: invalid JSON (Expecting property name enclosed in double "
                                    "quotes at line 1, column 2): '{threshold: 1}'"),
    "unknown DarlingConfig field (pydantic)": (["darling", "score", "--input", "{groups}", "--options", '{"florr": 0.1}'],
                                               "envsdk darling: error: invalid DarlingConfig: florr: Extra inputs are "
                                               "not permitted"),
    "train env kwarg": (["train", "toy-even", "-a", '{"sise": 3}', "--output", "{tmp}/run"],
                        "envsdk train: error: environment 'toy-even': got an unexpected keyword argument 'sise'; it "
                        "accepts: size, eval_size, seed, valid_share, zipf_exponent"),
    "webqa corpus missing": (["webqa", "serve-corpus", "--corpus", "{tmp}/nope.jsonl"],
                             "envsdk webqa: error: No such file or directory: {tmp}/nope.jsonl"),
}


@pytest.mark.parametrize("case", CASES)
def test_a_user_mistake_is_one_error_line_and_exit_2(case, tmp_path, rows, capsys):
    groups = write_jsonl(tmp_path / "groups.jsonl", [{"rewards": [1.0, 0.0], "completions": ["a", "b"]}])
    argv, expected = CASES[case]
    places = {"{tmp}": str(tmp_path), "{rows}": str(rows), "{groups}": str(groups)}

    def fill(text: str) -> str:
        for place, value in places.items():
            text = text.replace(place, value)
        return text

    assert main([fill(arg) for arg in argv]) == 2
    assert error_line(capsys) == fill(expected)


def test_serve_refuses_an_unknown_transform_before_it_listens(capsys):
    assert main(["serve", "toy-echo", "--transform", "nope", "--group-size", "2", "--port", "0"]) == 2
    line = error_line(capsys)
    assert line.startswith("envsdk serve: error: unknown transform 'nope'; installed transforms: ")
    assert "darling" in line.split(": ")[-1].split(", ")


def test_an_option_outside_its_choices_is_argparse_usage_and_exit_2(capsys):
    assert main(["train", "toy-even", "--loss-type", "grpoo"]) == 2
    assert error_line(capsys) == ("envsdk train: error: argument --loss-type: invalid choice: 'grpoo' "
                                  "(choose from 'grpo', 'bnpo', 'dr_grpo', 'dapo')")


def test_a_bad_darling_group_line_names_the_line_without_pydantic_urls(tmp_path, capsys):
    groups = write_jsonl(tmp_path / "g.jsonl", [{"rewards": [1.0], "partition": [0]}, {"rewards": [1.0], "partition": [0, 1]}])
    assert main(["darling", "score", "--input", str(groups)]) == 2
    assert error_line(capsys) == ("envsdk darling score: error: line 2: invalid GroupLine: Value error, 1 rewards but 2 "
                                  "partition labels/completions")


def test_the_installed_command_prints_no_traceback(tmp_path):
    result = envsdk("verify", "toy-echo", "--input", str(tmp_path / "nope.jsonl"))
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == f"envsdk verify: error: No such file or directory: {tmp_path}/nope.jsonl\n"


def test_an_unknown_command_lists_the_commands(capsys):
    assert main(["evall"]) == 2
    line = error_line(capsys)
    assert line.startswith("envsdk evall: error: unknown command 'evall'; installed commands: ")
    assert {"darling", "sandbox", "serve", "train", "webqa"} <= set(line.split(": ")[-1].split(", "))


def test_resume_without_output_is_refused_for_train(capsys):
    assert main(["train", "toy-even", "--resume"]) == 2
    assert error_line(capsys) == "envsdk train: error: --resume needs --output, the run directory to continue"


def test_a_bug_keeps_its_traceback():
    """Only the user's mistakes are turned into one line: an unexpected exception propagates."""
    from envsdk.cli.main import user_error

    assert user_error(KeyError("x")) is None and user_error(TypeError("y")) is None
    assert user_error(json.JSONDecodeError("Expecting value", "{", 1)) == "invalid JSON (Expecting value at line 1, column 2): '{'"
