"""Compiled and other interpreted languages (SandboxFusion's `language` names): the same stdio program in
each, compile errors as results, builds cached by source hash, and the isolation of the run step. Run on
tier 1, tier 1 fast, tier 2 and Docker for every toolchain this host has (CI installs them:
.ci/sandbox-setup)."""

from __future__ import annotations

import os

import pytest

from envsdk_sandbox import Limits, Sandbox
from envsdk_sandbox.languages import supported

from .conftest import make_sandbox, need_language, tier2_python

SUM = {
    "cpp": '#include <iostream>\nint main(){long long a,b; std::cin>>a>>b; std::cout<<a+b<<"\\n";}\n',
    "java": ("import java.util.*;\npublic class Main { public static void main(String[] x) {\n"
             "  Scanner s = new Scanner(System.in); System.out.println(s.nextLong() + s.nextLong()); } }\n"),
    "nodejs": 'const v = require("fs").readFileSync(0, "utf8").trim().split(/\\s+/).map(Number);\nconsole.log(v[0] + v[1]);\n',
    "go": ('package main\nimport "fmt"\nfunc main() { var a, b int64; fmt.Scan(&a, &b); fmt.Println(a + b) }\n'),
    "rust": ("use std::io::Read;\nfn main() { let mut s = String::new(); std::io::stdin().read_to_string(&mut s).unwrap();\n"
             "  let v: Vec<i64> = s.split_whitespace().map(|x| x.parse().unwrap()).collect(); println!(\"{}\", v[0] + v[1]); }\n"),
}
BROKEN = {"cpp": "int main( {", "java": "public class Main {", "nodejs": "function (", "go": "package main\nfunc main() {",
          "rust": "fn main() {"}
# The run step is as contained as Python: no sockets, no host files outside the view.
ESCAPE = {
    "cpp": ('#include <sys/socket.h>\n#include <cstdio>\nint main(){ int s = socket(AF_UNIX, SOCK_STREAM, 0);\n'
            '  FILE* f = fopen("/etc/shadow", "r"); printf("%d %d\\n", s, f == nullptr ? -1 : 0); }\n'),
    "nodejs": ('const net = require("net"), fs = require("fs"); let f = -1;\n'
               'try { fs.readFileSync("/etc/shadow"); f = 0; } catch (e) {}\n'
               'const c = net.connect("/var/run/docker.sock"); c.on("error", () => console.log(-1, f));\n'
               'c.on("connect", () => console.log(0, f));\n'),
}
INSTALLED = [lang for lang in SUM if lang in supported()]
TIERS = ["1", "1-fast", "2", "docker"]


@pytest.fixture(scope="module", params=TIERS)
def sb(request):
    if request.param == "docker":  # the local image, with the host's /usr (and toolchains) shown read-only
        box = make_sandbox("docker")
    else:
        box = Sandbox(tier=request.param, python=tier2_python() if request.param == "2" else None)
    with box:
        yield box


def test_ci_has_the_toolchains():
    if os.environ.get("CI") == "true":
        assert set(INSTALLED) >= {"cpp", "java", "nodejs"}, INSTALLED


@pytest.mark.parametrize("language", INSTALLED)
def test_a_stdio_program_runs_in_each_language(sb, language):
    res = sb.run(SUM[language], stdin="20 22\n", language=language, limits=Limits(timeout_s=20, memory_mb=512))
    assert (res.status, res.stdout) == ("ok", "42\n"), res.stderr[-500:]


@pytest.mark.parametrize("language", [lang for lang in INSTALLED if lang != "nodejs"])
def test_a_compile_error_is_a_result_with_the_compilers_output(sb, language):
    res = sb.run(BROKEN[language], language=language)
    assert res.status == "compile_error" and res.compile_result is not None
    assert res.compile_result.exit_code != 0 and res.stderr.strip() and res.stdout == ""


def test_builds_are_cached_by_source_hash(sb):
    need_language("cpp")
    source = SUM["cpp"] + f"// {sb.tier}\n"
    first = sb.run(source, stdin="1 2", language="cpp")
    again = sb.run(source, stdin="3 4", language="cpp")
    assert first.compile_result is not None and first.compile_result.status == "ok"
    assert again.compile_result is None and again.stdout == "7\n"


@pytest.mark.parametrize("language", [lang for lang in ESCAPE if lang in INSTALLED])
def test_the_run_step_is_contained_like_python(sb, language):
    res = sb.run(ESCAPE[language], language=language, limits=Limits(timeout_s=20, memory_mb=512))
    assert res.stdout.split() == ["-1", "-1"], (res.status, res.stdout, res.stderr[-300:])


def test_an_unknown_language_is_a_clear_error(sb):
    with pytest.raises(ValueError, match="unsupported language 'cobol': expected one of cpp, go, java, nodejs, py, python"):
        sb.run("x", language="cobol")
