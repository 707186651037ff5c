"""Shared helpers: run `envsdk audit` in-process (ad hoc environments are visible) and read its report."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from envsdk.audit import AuditReport
from envsdk.cli.main import main


@pytest.fixture
def run_audit_cli(tmp_path: Path):
    """`envsdk audit ARGS --output report.json` → (exit status, report or None)."""

    def run(*args: str) -> tuple[int, AuditReport | None]:
        out = tmp_path / "report.json"
        status = main(["audit", *args, "--output", str(out)])
        report = AuditReport.model_validate_json(out.read_text()) if out.exists() else None
        return status, report

    return run


def statuses(report: AuditReport) -> dict[str, str]:
    return {p.name: p.status for p in report.probes + report.gold_checks}


def rewarded_examples(report: AuditReport) -> str:
    """The flagged probes' examples, for assertion messages."""
    return json.dumps([p.example.model_dump() for p in report.probes + report.gold_checks if p.name in report.flagged],
                      indent=1, default=str)[:4000]
