"""An append-only JSONL journal so interrupted runs resume without redoing finished work."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any


def row_hash(row: Any) -> str:
    """A short content hash of a row (so an edited input line is not mistaken for a finished one)."""
    return hashlib.sha1(json.dumps(row, sort_keys=True, ensure_ascii=False, default=str).encode()).hexdigest()[:16]


class Journal:
    """Records finished results keyed by a string; each record is flushed as soon as it is written."""

    def __init__(self, path: Path, *, resume: bool):
        self.path = path
        self.done: dict[str, Any] = {}
        if resume and path.exists():
            for line in path.read_text().splitlines():
                try:
                    record = json.loads(line)
                except json.JSONDecodeError:
                    continue  # a line cut off by a crash; its work is simply redone
                self.done[record["key"]] = record["value"]
        self._fh = path.open("a" if resume else "w")

    def add(self, key: str, value: Any) -> None:
        self.done[key] = value
        self._fh.write(json.dumps({"key": key, "value": value}, ensure_ascii=False, default=str) + "\n")
        self._fh.flush()

    def close(self, *, remove: bool = False) -> None:
        self._fh.close()
        if remove:
            self.path.unlink(missing_ok=True)
