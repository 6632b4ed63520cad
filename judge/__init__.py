"""The judge: verdict schema, transcript rendering, prompts, the LLM client, the offline judge.

Pure apart from the LLM client's own HTTP calls: nothing here knows about servers, SQL
or Redis. It imports ``rules`` only.
"""

from judge.client import DEFAULT_PRICES, JudgeFailed, JudgeResult, LlmJudge, estimate_cost
from judge.offline import offline_helpfulness_score, offline_verdict
from judge.prompts import Prompt, PromptError, PromptRegistry
from judge.redact import redact
from judge.transcript import RenderedTranscript, count_tokens, raw_tokens, render_transcript
from judge.verdict import Helpfulness, Sentiment, Verdict

__all__ = [
    "DEFAULT_PRICES",
    "Helpfulness",
    "JudgeFailed",
    "JudgeResult",
    "LlmJudge",
    "Prompt",
    "PromptError",
    "PromptRegistry",
    "RenderedTranscript",
    "Sentiment",
    "Verdict",
    "count_tokens",
    "estimate_cost",
    "offline_helpfulness_score",
    "offline_verdict",
    "raw_tokens",
    "redact",
    "render_transcript",
]
