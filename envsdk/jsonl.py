"""Reading JSONL the same way everywhere (rollout records, verify inputs, metrics.jsonl): blank lines are skipped,
and a line that is not a JSON object is an error naming `path:line` (and the column, for bad JSON)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Iterator

from .errors import EnvsdkError


class JsonlError(EnvsdkError, ValueError):
    """A JSONL line that is not a JSON object, or a record line with a field of the wrong type; names the line."""


def json_objects(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line number, object) for each non-blank line; JsonlError at the first line that is not a JSON object."""
    with path.open(encoding="utf-8") as fh:
        for number, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                data = json.loads(line.rstrip("\r\n"))  # with its newline, a cut-off line's error is on the next line
            except json.JSONDecodeError as exc:
                raise JsonlError(f"{path}:{number}: not valid JSON ({exc.msg} at column {exc.colno})") from None
            if not isinstance(data, dict):
                raise JsonlError(f"{path}:{number}: expected a JSON object, got {type(data).__name__}")
            yield number, data
