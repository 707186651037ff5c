"""`envsdk audit`: what would a reward-hacking policy earn here? Probes play gold-blind cheats (empty
replies, enumerations, hedges, judge instructions, tool abuse...) through an environment's own rollout and
scoring, and the report compares each with a plain wrong answer. Guide: docs/audit.md.
"""

from .probe import Attempt, GoldCheck, GoldContext, Policy, Probe, ProbeContext
from .report import AuditReport, Baseline, Example, ProbeResult
from .runner import PROBE_GROUP, ScriptedClient, audit, available_probes, run_audit, select_probes

__all__ = [
    "PROBE_GROUP",
    "Attempt",
    "AuditReport",
    "Baseline",
    "Example",
    "GoldCheck",
    "GoldContext",
    "Policy",
    "Probe",
    "ProbeContext",
    "ProbeResult",
    "ScriptedClient",
    "audit",
    "available_probes",
    "run_audit",
    "select_probes",
]
