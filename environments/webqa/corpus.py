"""Corpus documents from JSONL: `{"id", "url", "title", "text"}` or Search-R1's `{"id", "contents"}`."""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import BaseModel

DATA = Path(__file__).parent / "data"
BUILTIN_CORPUS = DATA / "encyclopedia.jsonl"
BUILTIN_QUESTIONS = DATA / "questions.jsonl"


class Document(BaseModel):
    """One page of the corpus."""

    id: str
    url: str
    title: str
    text: str

    @property
    def contents(self) -> str:
        """Search-R1's passage layout: the quoted title on the first line, then the text."""
        return f'"{self.title}"\n{self.text}'


def parse_document(record: dict, line: int) -> Document:
    """A Document from either layout; Search-R1 passages get their title from the first line."""
    if "id" not in record:
        raise ValueError(f"corpus line {line}: missing field 'id'")
    doc_id = str(record["id"])
    if "text" in record:
        title, text = str(record.get("title") or doc_id), str(record["text"])
    elif "contents" in record:
        first, _, rest = str(record["contents"]).partition("\n")
        title, text = first.strip().strip('"') or doc_id, rest or first
    else:
        raise ValueError(f"corpus line {line}: needs 'text' (with 'title') or 'contents'")
    return Document(id=doc_id, url=str(record.get("url") or f"corpus://{doc_id}"), title=title, text=text)


def load_corpus(path: str | Path = BUILTIN_CORPUS) -> list[Document]:
    """Every document of a JSONL corpus; duplicate ids are an error (open by id must be unambiguous)."""
    docs: list[Document] = []
    seen: set[str] = set()
    with Path(path).open(encoding="utf-8") as fh:
        for number, line in enumerate(fh, 1):
            if not line.strip():
                continue
            doc = parse_document(json.loads(line), number)
            if doc.id in seen:
                raise ValueError(f"corpus line {number}: duplicate id {doc.id!r}")
            seen.add(doc.id)
            docs.append(doc)
    if not docs:
        raise ValueError(f"corpus {path} has no documents")
    return docs
