"""The LLM judge: any OpenAI-compatible endpoint through ``openai`` and ``instructor``.

Two kinds of retry, kept apart:

- *validation* retries (``max_retries``) are instructor's: an answer that breaks the
  ``Verdict`` schema, cites an event the transcript does not show, or is not JSON goes
  back to the model with the error, in the same conversation;
- *fault* retries (``fault_retries``) are ours: a 429 (after its ``Retry-After``, capped),
  a 5xx, a timeout, a dropped connection, an unreadable body or an empty ``choices``
  list starts the call again after an exponential, jittered backoff.

The openai client's own retries are off (``max_retries=0``) so that every request is
counted in ``attempts`` and ``Retry-After`` is honoured by one policy we can test.
Anything else (a 4xx other than 408/409/429, answers still invalid after the validation
retries, an answer cut at ``max_output_tokens``) fails at once. Every failure surfaces
as one ``JudgeFailed`` with the reason and the number of requests sent.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import openai
from instructor import Mode, from_openai
from instructor.core import HookName, Hooks, IncompleteOutputException, InstructorRetryException
from instructor.v2.core.function_calls import response_schema
from pydantic import BaseModel

from judge._faults import Fault, classify
from judge.prompts import Prompt
from judge.transcript import RenderedTranscript
from judge.verdict import Verdict, citable

# Prices in USD per million tokens (input, output); callers pass their own table.
DEFAULT_PRICES: dict[str, tuple[float, float]] = {
    "gpt-4o": (2.50, 10.00),
    "gpt-4o-mini": (0.15, 0.60),
    "gpt-4.1": (2.00, 8.00),
    "gpt-4.1-mini": (0.40, 1.60),
    "gpt-4.1-nano": (0.10, 0.40),
}


# instructor wraps a plain model on every call (a new class, a new JSON schema: ms of CPU);
# a model already wrapped is used as it is. It subclasses Verdict.
_RESPONSE_MODEL = response_schema(Verdict)


class JudgeFailed(Exception):
    """The judge gave no verdict; ``reason`` says why, ``attempts`` counts requests sent."""

    def __init__(self, reason: str, attempts: int) -> None:
        super().__init__(f"{reason} (after {attempts} attempts)")
        self.reason = reason
        self.attempts = attempts


@dataclass(frozen=True, slots=True)
class JudgeResult:
    verdict: Verdict
    input_tokens: int
    output_tokens: int
    latency_ms: float
    """Wall time of the whole call, retries and backoff included."""
    attempts: int
    raw: str | None
    """The model's own text of the accepted answer (tool arguments or content)."""


def estimate_cost(
    model: str,
    input_tokens: int,
    output_tokens: int,
    prices: Mapping[str, tuple[float, float]] = DEFAULT_PRICES,
) -> float:
    """USD for the tokens at the model's price per million; 0.0 for an unpriced model."""
    price_in, price_out = prices.get(model, (0.0, 0.0))
    return (input_tokens * price_in + output_tokens * price_out) / 1_000_000


class _Tally:
    """Requests sent and tokens used across every attempt of one judgement."""

    def __init__(self) -> None:
        self.attempts = 0
        self.input_tokens = 0
        self.output_tokens = 0
        self.hooks = Hooks()
        self.hooks.on(HookName.COMPLETION_KWARGS, self._sent)
        self.hooks.on(HookName.COMPLETION_RESPONSE, self._received)

    def _sent(self, *args: Any, **kwargs: Any) -> None:
        self.attempts += 1

    def _received(self, response: Any) -> None:
        usage = getattr(response, "usage", None)
        self.input_tokens += getattr(usage, "prompt_tokens", 0) or 0
        self.output_tokens += getattr(usage, "completion_tokens", 0) or 0


class LlmJudge:
    """Verdicts from one model behind an OpenAI-compatible endpoint."""

    def __init__(
        self,
        *,
        base_url: str,
        api_key: str,
        model: str,
        timeout: float = 60.0,
        max_retries: int = 2,
        fault_retries: int = 3,
        mode: Mode = Mode.TOOLS,
        backoff: float = 0.5,
        max_backoff: float = 8.0,
        max_retry_after: float = 30.0,
    ) -> None:
        self.model = model
        self._openai = openai.AsyncOpenAI(
            base_url=base_url, api_key=api_key, timeout=timeout, max_retries=0
        )
        self._instructor = from_openai(self._openai, mode=mode)
        self._max_retries = max_retries
        self._fault_retries = fault_retries
        self._backoff = backoff
        self._max_backoff = max_backoff
        self._max_retry_after = max_retry_after

    async def close(self) -> None:
        await self._openai.close()

    async def judge(
        self,
        prompt: Prompt,
        rendered: RenderedTranscript,
        metrics: BaseModel | Mapping[str, Any],
        evidence: BaseModel | Mapping[str, Any],
    ) -> JudgeResult:
        """A verdict on the transcript, or ``JudgeFailed`` once retries are spent."""
        # No validation context goes to instructor (it would template the messages with
        # Jinja); cited evidence is checked through ``citable`` instead.
        messages = prompt.render(rendered.text, _as_dict(metrics), _as_dict(evidence))
        tally, started, faults = _Tally(), time.perf_counter(), 0
        while True:
            try:
                verdict, completion = await self._ask(prompt, messages, rendered, tally)
            except (InstructorRetryException, openai.APIError) as exc:
                fault = classify(exc)
                if not fault.retryable or faults == self._fault_retries:
                    raise JudgeFailed(fault.reason, tally.attempts) from exc
                await asyncio.sleep(self._delay(fault, faults))
                faults += 1
                continue
            latency_ms = (time.perf_counter() - started) * 1000
            return JudgeResult(
                verdict=verdict,
                input_tokens=tally.input_tokens,
                output_tokens=tally.output_tokens,
                latency_ms=latency_ms,
                attempts=tally.attempts,
                raw=_raw_text(completion),
            )

    async def _ask(
        self,
        prompt: Prompt,
        messages: list[dict[str, str]],
        rendered: RenderedTranscript,
        tally: _Tally,
    ) -> tuple[Verdict, Any]:
        """One call through instructor, with its validation retries."""
        try:
            with citable(rendered.event_indices):
                return await self._instructor.create_with_completion(
                    messages=messages,  # type: ignore[arg-type]
                    response_model=_RESPONSE_MODEL,
                    max_retries=self._max_retries,
                    strict=False,
                    hooks=tally.hooks,
                    model=self.model,
                    temperature=prompt.temperature,
                    max_tokens=prompt.max_output_tokens,
                )
        except IncompleteOutputException as exc:
            reason = f"answer cut at max_output_tokens={prompt.max_output_tokens}"
            raise JudgeFailed(reason, tally.attempts) from exc

    def _delay(self, fault: Fault, fault_number: int) -> float:
        if fault.retry_after is not None:
            return min(fault.retry_after, self._max_retry_after)
        backoff = min(self._max_backoff, self._backoff * 2.0**fault_number)
        return backoff * random.uniform(0.5, 1.0)  # jitter spreads out retrying workers


def _as_dict(value: BaseModel | Mapping[str, Any]) -> dict[str, Any]:
    return value.model_dump(mode="json") if isinstance(value, BaseModel) else dict(value)


def _raw_text(completion: Any) -> str | None:
    """The accepted answer as the model wrote it: tool-call arguments, else content."""
    choices = getattr(completion, "choices", None)
    if not choices:
        return None
    message = choices[0].message
    if message.tool_calls:
        return str(message.tool_calls[0].function.arguments)
    return message.content if isinstance(message.content, str) else None
