"""What an alert looks like outside: the document of ``GET /v1/alerts`` and of the
generic webhook, and the Slack message (``{"text", "blocks"}``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from store.models import Alert

Event = Literal["fired", "escalated", "resolved"]
_HEADLINES = {
    "fired": ":rotating_light: {severity} fired",
    "escalated": ":rotating_light: escalated to page",
    "resolved": ":white_check_mark: resolved",
}


class AlertDoc(BaseModel):
    id: int
    project: str
    objective: str
    provider: str | None
    model: str | None
    tool: str | None
    gateway: bool | None = Field(description="None: a tool-level group (tool_error_rate).")
    severity: Literal["page", "ticket"]
    status: Literal["firing", "resolved"]
    burn_rates: dict[str, float] = Field(
        description="Highest burn rate seen per window while the alert fired."
    )
    budget_remaining: float = Field(
        description="Share of the period's error budget left when the alert fired, "
        "and when it resolved (negative: overspent)."
    )
    fired_at: datetime
    resolved_at: datetime | None
    evaluated_at: datetime

    @classmethod
    def of(cls, alert: Alert, project: str) -> AlertDoc:
        fields = {name: getattr(alert, name) for name in cls.model_fields if name != "project"}
        return cls.model_validate(fields | {"project": project})


def group_text(doc: AlertDoc) -> str:
    """``anthropic/claude-sonnet-4 · tool chat · gateway`` (the parts a group has)."""
    parts = []
    if doc.provider or doc.model:
        parts.append(f"{doc.provider or '?'}/{doc.model or '?'}")
    parts.append(f"tool {doc.tool}" if doc.tool else "no tool")
    if doc.gateway is not None:
        parts.append("gateway" if doc.gateway else "direct")
    return " · ".join(parts)


def summary(event: Event, doc: AlertDoc) -> str:
    headline = _HEADLINES[event].format(severity=doc.severity.upper())
    burns = ", ".join(f"{w} {rate:.1f}×" for w, rate in doc.burn_rates.items())
    return (
        f"{headline}: {doc.objective} for {group_text(doc)} in project {doc.project}. "
        f"Burn rates {burns}; budget left {doc.budget_remaining:.0%}."
    )


def json_body(delivery_id: int, event: Event, doc: AlertDoc) -> dict[str, Any]:
    return {"event": event, "delivery_id": delivery_id, "alert": doc.model_dump(mode="json")}


def slack_body(event: Event, doc: AlertDoc) -> dict[str, Any]:
    text = summary(event, doc)
    fields = [
        f"*severity* {doc.severity}",
        f"*fired* {doc.fired_at:%Y-%m-%d %H:%M} UTC",
        f"*alert* #{doc.id}",
    ]
    if doc.resolved_at is not None:
        fields.append(f"*resolved* {doc.resolved_at:%Y-%m-%d %H:%M} UTC")
    return {
        "text": text,
        "blocks": [
            {"type": "section", "text": {"type": "mrkdwn", "text": text}},
            {"type": "context", "elements": [{"type": "mrkdwn", "text": f} for f in fields]},
        ],
    }
