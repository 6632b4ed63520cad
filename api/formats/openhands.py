"""OpenHands event streams and evaluation output rows → canonical sessions.

A document is an event stream (a JSON list of events, e.g. ``tests/runtime/trajs/*.json``)
or an output row (``instance_id`` or resolver ``issue``, ``history[]``, ``metrics``,
``error``, …). Events are ``{id, timestamp, source, action, args, tool_call_metadata}``
actions and ``{cause, observation, content, extras, success}`` observations; older rows
flatten args and extras into the event and have neither ids nor times (an observation then
answers the latest open action); history as ``[action, observation]`` pairs is flattened.

- message actions → user_message (source ``user``, or the first message when there is no
  source) or assistant_message; ``system`` → ``attributes["system_prompt"]``; ``think`` →
  assistant_message; ``condensation`` → context_condensed; ``finish`` → completion (its
  message or final thought; ``task_completed`` in the event's attributes);
- every other action → tool_call: tool = the function the model called
  (``tool_call_metadata.function_name``), else the action name; args without ``None``s and
  the thought (a non-empty thought → assistant_message before the call); files from
  ``path``; the observation it caused → output; failed on an ``error`` observation, a
  non-zero exit code, ``success: false``, an edit the linter refused, or content starting
  ``ERROR:``;
- an ``error`` observation answering no action → error event ``agent_error``;
- one llm_call per distinct model response (``tool_call_metadata.model_response``): model,
  tokens from its usage, latency from the row's ``metrics.response_latencies``; sent at
  the action's time minus the latency. Costs stay in ``attributes["metrics"]``;
- ending: the row's ``error`` saying the agent reached its maximum iterations or budget →
  ``timeout``; any other error → an error event (type: the exception name) and ``error``;
  else a last action ``finish`` → ``completed``; else a final agent state ``error`` →
  ``error``, ``stopped`` → ``user_closed``; else unknown.
- Labels: ``attributes["label"]`` = the row's instance_id, error and resolver success.

Events without a timestamp are synthetic (see :class:`api.formats._common.Clock`).
"""

from __future__ import annotations

from typing import Any

from api.formats._common import Json, as_dict, as_list, build_session, stable_id
from api.formats.openhands_events import EventStream
from rules import Session


def convert(doc: Any, *, name: str) -> list[Session]:
    """One session from an event stream (a list) or an output row (a dict)."""
    row = as_dict(doc)
    history = doc if isinstance(doc, list) else as_list(row.get("history"))
    metadata = as_dict(row.get("metadata"))
    stream = EventStream(_latencies(row.get("metrics")), _provider(metadata))
    for raw in _flatten(history):
        stream.add(raw)
    end_reason = stream.ending(row.get("error"))
    label = {k: row[k] for k in ("instance_id", "error", "success") if k in row}
    rest = {k: v for k, v in row.items() if k not in ("history", "metadata")}
    return [
        build_session(
            session_id=stable_id("openhands", _key(row, name), doc),
            source="openhands",
            events=stream.events,
            clock=stream.clock,
            end_reason=end_reason,
            attributes={
                "label": label,
                **rest,
                "metadata": _scrub(metadata),
                "system_prompt": stream.system,
                "agent_state": stream.state,
                "unmapped": stream.unmapped,
            },
        )
    ]


def _key(row: Json, name: str) -> str:
    issue = as_dict(row.get("issue"))
    if issue:
        return f"{issue.get('owner')}/{issue.get('repo')}#{issue.get('number')}"
    return str(row.get("instance_id") or name)


def _flatten(history: list[Any]) -> list[Json]:
    flat: list[Json] = []
    for item in history:
        flat.extend(map(as_dict, item) if isinstance(item, list) else [as_dict(item)])
    return flat


def _latencies(metrics: Any) -> dict[str, float]:
    found: dict[str, float] = {}
    for item in map(as_dict, as_list(as_dict(metrics).get("response_latencies"))):
        latency = item.get("latency")
        if isinstance(latency, int | float) and latency >= 0 and item.get("response_id"):
            found[str(item["response_id"])] = latency * 1000
    return found


def _provider(metadata: Json) -> str | None:
    """The LiteLLM route of the configured model (``openai/…`` → ``openai``)."""
    model = as_dict(metadata.get("llm_config")).get("model")
    return model.split("/", 1)[0] if isinstance(model, str) and "/" in model else None


def _scrub(metadata: Json) -> Json:
    config = as_dict(metadata.get("llm_config"))
    if not config:
        return metadata
    kept = {k: v for k, v in config.items() if "key" not in k and "secret" not in k}
    return {**metadata, "llm_config": kept}
