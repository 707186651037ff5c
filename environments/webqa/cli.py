"""`envsdk webqa serve-corpus`: serve a JSONL corpus with the Search-R1-compatible BM25 service."""

from __future__ import annotations

import argparse
import sys

from .corpus import BUILTIN_CORPUS
from .search_service import serve


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="envsdk webqa", description="Web-QA utilities.")
    commands = parser.add_subparsers(dest="command", required=True)
    srv = commands.add_parser("serve-corpus", help="serve POST /retrieve and /document over a JSONL corpus",
                              description="Serve BM25 search (POST /retrieve, Search-R1's shape) and /document over a JSONL corpus.")
    srv.add_argument("--corpus", default=str(BUILTIN_CORPUS), help="JSONL: {id, url, title, text} or {id, contents}")
    srv.add_argument("--host", default="127.0.0.1", help="bind address (loopback by default)")
    srv.add_argument("--port", type=int, default=8000, help="port (default: 8000; 0 picks a free one)")
    args = parser.parse_args(argv)
    if args.host not in ("127.0.0.1", "localhost", "::1"):
        print(f"warning: serving the corpus on {args.host}, reachable beyond this machine", file=sys.stderr)
    serve(args.corpus, host=args.host, port=args.port)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
