"""`envsdk sandbox run FILE`: the language comes from FILE's extension, an unknown one is a usage error, and the
result never carries the build's artefacts (docs/reference.md, "envsdk sandbox run")."""

from __future__ import annotations

import json

import pytest

from tests.helpers.cli import envsdk

HELLO = {
    "hello.py": 'print("hello")\n',
    "hello.rs": 'fn main() { println!("hello"); }\n',
    "hello.cpp": '#include <cstdio>\nint main() { std::puts("hello"); }\n',
    "hello.cc": '#include <cstdio>\nint main() { std::puts("hello"); }\n',
    "hello.go": 'package main\nimport "fmt"\nfunc main() { fmt.Println("hello") }\n',
    "hello.java": 'public class Main { public static void main(String[] a) { System.out.println("hello"); } }\n',
    "hello.js": 'console.log("hello");\n',
}


@pytest.mark.parametrize("name", HELLO)
def test_the_extension_names_the_language_and_no_artefact_comes_back(tmp_path, name):
    source = tmp_path / name
    source.write_text(HELLO[name])
    result = envsdk("sandbox", "run", str(source), timeout=240)
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert (out["status"], out["stdout"]) == ("ok", "hello\n"), out
    compiled = out.get("compile_result")
    if compiled is not None:  # a compiled language: the step's own output only, never the binary (base64)
        assert compiled["stdout"] == ""
    assert len(result.stdout) < 2048, f"{len(result.stdout)} bytes of JSON for a hello world"


@pytest.mark.parametrize(("argv", "message"), [
    (["--language", "cobol"], "unsupported language 'cobol': expected one of cpp, go, java, nodejs, py, python, "
                              "python3, rust"),
    ([], "cannot tell the language of {file} from '.cob' (known: .py .cpp .cc .cxx .java .js .mjs .go .rs); "
         "give --language"),
])
def test_an_unknown_language_is_a_usage_error(tmp_path, argv, message):
    source = tmp_path / "hello.cob"
    source.write_text("DISPLAY 'HELLO'.\n")
    result = envsdk("sandbox", "run", str(source), *argv)
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.splitlines()[0].startswith("usage: envsdk sandbox run")
    assert result.stderr.strip().splitlines()[-1] == "envsdk sandbox run: error: " + message.format(file=source)


def test_an_explicit_language_wins_over_the_extension(tmp_path):
    source = tmp_path / "prog.txt"
    source.write_text('console.log(6 * 7);\n')
    result = envsdk("sandbox", "run", str(source), "--language", "js")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["stdout"] == "42\n"
