"""Pure computations over the canonical session model: no I/O of any kind."""

from rules.metrics import compute_metrics, llm_call_records
from rules.model import KNOWN_EVENT_TYPES, EndReason, Event, EventType, Session
from rules.schemas import (
    LlmCallRecord,
    LoopSignals,
    LoopThresholds,
    SessionMetrics,
    Termination,
    TerminationEvidence,
)

__all__ = [
    "KNOWN_EVENT_TYPES",
    "EndReason",
    "Event",
    "EventType",
    "LlmCallRecord",
    "LoopSignals",
    "LoopThresholds",
    "Session",
    "SessionMetrics",
    "Termination",
    "TerminationEvidence",
    "compute_metrics",
    "llm_call_records",
]
