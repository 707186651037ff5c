"""Per-language compile and run overhead in the sandbox, next to the same toolchain run directly.

For each installed language (SandboxFusion's names), the same stdin-sum program: a cold compile (a
fresh source each time, so the build cache misses), then runs of the cached build. Prints p50 wall ms
of compile and run, sandboxed (tier 1 fast by default) and on the host, and their ratio.

    python benchmarks/sandbox_languages.py [--n 5] [--tier 1-fast]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator

from envsdk_sandbox import Limits, Sandbox
from envsdk_sandbox.languages import LANGUAGES, _fill, _tools, supported

PROGRAMS = {
    "python": "a, b = map(int, input().split())\nprint(a + b)\n",
    "cpp": '#include <iostream>\nint main(){long long a,b; std::cin>>a>>b; std::cout<<a+b<<"\\n";}\n',
    "java": ("import java.util.*;\npublic class Main { public static void main(String[] x) {\n"
             "  Scanner s = new Scanner(System.in); System.out.println(s.nextLong() + s.nextLong()); } }\n"),
    "nodejs": 'const v = require("fs").readFileSync(0, "utf8").trim().split(/\\s+/).map(Number);\nconsole.log(v[0] + v[1]);\n',
    "go": 'package main\nimport "fmt"\nfunc main() { var a, b int64; fmt.Scan(&a, &b); fmt.Println(a + b) }\n',
    "rust": ("use std::io::Read;\nfn main() { let mut s = String::new(); std::io::stdin().read_to_string(&mut s).unwrap();\n"
             "  let v: Vec<i64> = s.split_whitespace().map(|x| x.parse().unwrap()).collect(); println!(\"{}\", v[0] + v[1]); }\n"),
}
COMMENT = {"python": "#", "nodejs": "//", "cpp": "//", "java": "//", "go": "//", "rust": "//"}


def _ms(samples: list[float]) -> float:
    return round(statistics.median(samples) * 1000, 1)


def sandboxed(sb: Sandbox, language: str, n: int) -> tuple[float | None, float]:
    compiles, runs = [], []
    for _ in range(n):
        source = PROGRAMS[language] + f"{COMMENT[language]} {uuid.uuid4().hex}\n"
        first = sb.run(source, stdin="20 22\n", language=language, limits=Limits(timeout_s=30))
        assert first.stdout == "42\n", first
        if first.compile_result is not None:
            compiles.append(first.compile_result.duration_s)
        start = time.perf_counter()
        again = sb.run(source, stdin="20 22\n", language=language, limits=Limits(timeout_s=30))
        runs.append(time.perf_counter() - start)
        assert again.stdout == "42\n"
    return (_ms(compiles) if compiles else None), _ms(runs)


def on_host(language: str, n: int) -> tuple[float | None, float]:
    """The toolchain run directly in a temp dir (no sandbox), same commands."""
    lang = LANGUAGES.get(language)
    compiles, runs = [], []
    for _ in range(n):
        with tempfile.TemporaryDirectory() as work:
            if lang is None:
                source, run = "main.py", [sys.executable, "main.py"]  # the sandbox's default
            else:
                tools = _tools(lang)
                source, run = lang.source, _fill(lang.run, tools)
            with open(os.path.join(work, source), "w") as fh:
                fh.write(PROGRAMS[language])
            if lang is not None and lang.compile:
                start = time.perf_counter()
                subprocess.run(_fill(lang.compile, tools), cwd=work, check=True, capture_output=True)
                compiles.append(time.perf_counter() - start)
            start = time.perf_counter()
            out = subprocess.run(run, cwd=work, input=b"20 22\n", capture_output=True, check=True)
            runs.append(time.perf_counter() - start)
            assert out.stdout == b"42\n"
    return (_ms(compiles) if compiles else None), _ms(runs)


def language_table(n: int, tier: str) -> Iterator[str]:
    """Markdown lines, one row per installed language: p50 compile and run ms, sandboxed and on the host."""
    yield f"# {n} samples per cell, tier {tier}, load {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
    yield "| language | compile ms sandbox / host | run ms sandbox / host | run ratio |"
    yield "|---|---|---|---|"
    with Sandbox(tier=tier) as sb:
        for language in supported():
            (sc, sr), (hc, hr) = sandboxed(sb, language, n), on_host(language, n)
            compile_cell = "—" if sc is None else f"{sc} / {hc}"
            yield f"| {language} | {compile_cell} | {sr} / {hr} | {sr / hr:.2f} |"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=5)
    parser.add_argument("--tier", default="1-fast")
    args = parser.parse_args()
    for line in language_table(args.n, args.tier):
        print(line, flush=True)


if __name__ == "__main__":
    main()
