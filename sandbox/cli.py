"""`envsdk sandbox run FILE.py ...` (docs/reference.md, "envsdk sandbox run") and `envsdk sandbox serve ...`."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from . import languages
from .backend import backend_names
from .models import Limits, RunResult

# FILE's extension → its language when --language is not given (a file without an extension is Python)
EXTENSIONS = {".py": "python", ".cpp": "cpp", ".cc": "cpp", ".cxx": "cpp", ".java": "java", ".js": "nodejs",
              ".mjs": "nodejs", ".go": "go", ".rs": "rust"}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="envsdk sandbox", description="Run untrusted programs in isolation.")
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="run one program and print one JSON result",
                         description="Run one untrusted program and print one JSON result (exit 0 whatever it did).")
    run.add_argument("file", type=Path, help="the program's source; its extension names the language "
                                             f"({' '.join(EXTENSIONS)})")
    run.add_argument("--timeout", type=float, default=Limits().timeout_s, help="wall clock seconds")
    run.add_argument("--memory-mb", type=int, default=Limits().memory_mb, help=f"memory cap (default: {Limits().memory_mb})")
    run.add_argument("--stdin", type=Path, help="file fed to the program's stdin")
    run.add_argument("--backend", default="embedded", choices=backend_names(), help="isolation backend (default: embedded)")
    run.add_argument("--language", default=None,
                     help="SandboxFusion's name: python, cpp, java, nodejs, go, rust (compiled first); default: "
                          "from FILE's extension")
    run.set_defaults(usage_error=run.error)  # a bad language is reported with `sandbox run`'s usage
    run.add_argument("--tier", default=None, help="1, 2, 3, 1-fast or 2-fast (default: strongest available)")
    run.add_argument("--python", default=None, help="interpreter to run the program with (default: this one)")
    run.add_argument("--package", action="append", default=[], dest="packages",
                     help="an installed package the program may import (repeatable; default: stdlib only)")
    serve = sub.add_parser("serve", help="HTTP server (SandboxFusion-compatible /run_code)",
                           description="A SandboxFusion-compatible HTTP server (/run_code).")
    serve.add_argument("--host", default="127.0.0.1", help="bind address (default: 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8080, help="port (default: 8080)")
    serve.add_argument("--token-env", default="ENVSDK_SANDBOX_TOKEN",
                       help="environment variable holding the bearer token (required off loopback)")
    serve.add_argument("--max-concurrency", type=int, default=None, help="programs run at once (default: CPU count)")
    serve.add_argument("--max-queue", type=int, default=None, help="requests waiting for a slot (default 4x concurrency)")
    serve.add_argument("--backend", default="embedded", choices=backend_names(), help="isolation backend (default: embedded)")
    serve.add_argument("--tier", default=None, help="1, 2, 3, 1-fast or 2-fast (default: strongest available)")
    serve.add_argument("--package", action="append", default=[], dest="packages",
                       help="an installed package programs may import (repeatable; default: stdlib only)")
    return parser


def run_file(args: argparse.Namespace) -> RunResult:
    """Run the file; any failure of the sandbox itself becomes a sandbox_error result, not a crash. A FILE or
    --stdin that cannot be read is the caller's mistake: the OSError reaches `envsdk`'s one-line error (exit 2)."""
    code = args.file.read_text()
    stdin = args.stdin.read_bytes() if args.stdin else b""
    start = time.monotonic()
    try:
        from .sandbox import Sandbox

        with Sandbox(backend=args.backend, tier=args.tier, python=args.python, packages=args.packages) as sb:
            return sb.run(code, stdin=stdin, limits=Limits(timeout_s=args.timeout, memory_mb=args.memory_mb),
                          language=args.language)
    except Exception as exc:  # noqa: BLE001 - docs/reference.md promises one JSON object and exit 0
        return RunResult(status="sandbox_error", exit_code=None, stdout="", stderr=f"{type(exc).__name__}: {exc}",
                         duration_s=round(time.monotonic() - start, 6), backend=args.backend,
                         tier=str(args.tier or "none"))


def _language(args: argparse.Namespace) -> str:
    """--language, else FILE's extension; an unknown language or extension is a usage error (exit 2)."""
    if args.language is None:
        suffix = args.file.suffix.lower()
        if suffix and suffix not in EXTENSIONS:
            args.usage_error(f"cannot tell the language of {args.file} from {suffix!r} (known: {' '.join(EXTENSIONS)}); "
                         "give --language")
        return EXTENSIONS.get(suffix, "python")
    try:
        languages.language(args.language)
    except ValueError as exc:
        args.usage_error(str(exc))
    return args.language


def main(argv: list[str]) -> int:
    args = _parser().parse_args(argv)
    if args.command == "run":
        args.language = _language(args)
        result = run_file(args)  # compile_result only for a compiled language (the Python contract is unchanged)
        print(result.model_dump_json(exclude={"compile_result"} if result.compile_result is None else None))
        return 0
    from .server import serve

    return serve(host=args.host, port=args.port, token_env=args.token_env, backend=args.backend,
                 tier=args.tier, max_concurrency=args.max_concurrency, max_queue=args.max_queue,
                 packages=args.packages)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
