"""What every job needs: settings, the database, the prompt registry, the judge, a queue."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from instructor import Mode
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker
from sqlalchemy.ext.asyncio import AsyncSession as DbSession

from judge import LlmJudge, PromptRegistry
from rules import LoopThresholds
from store.engine import create_engine, session_factory
from store.prompt_pins import pin_prompts
from store.settings import Settings

if TYPE_CHECKING:
    from workers.queue import JobQueue

OFFLINE_MODEL = "offline"


@dataclass
class JobContext:
    settings: Settings
    engine: AsyncEngine
    sessions: async_sessionmaker[DbSession]
    registry: PromptRegistry
    llm: LlmJudge | None
    queue: JobQueue | None = field(default=None)
    marked_used: set[str] = field(default_factory=set)
    """Prompt versions whose first use this process has already recorded."""

    @property
    def judge_model(self) -> str:
        return self.llm.model if self.llm else OFFLINE_MODEL

    @property
    def thresholds(self) -> LoopThresholds:
        s = self.settings
        return LoopThresholds(
            identical_streak=s.stuck_identical_streak,
            identical_failing=s.stuck_identical_failing,
            oscillation=s.stuck_oscillation,
        )

    async def close(self) -> None:
        if self.llm is not None:
            await self.llm.close()
        await self.engine.dispose()


def build_llm(settings: Settings) -> LlmJudge | None:
    """The configured OpenAI-compatible judge, or None for the offline judge."""
    if not settings.llm_base_url:
        return None
    return LlmJudge(
        base_url=settings.llm_base_url,
        api_key=settings.llm_api_key,
        model=settings.llm_model,
        timeout=settings.llm_timeout,
        max_retries=settings.llm_max_retries,
        fault_retries=settings.llm_fault_retries,
        backoff=settings.llm_backoff,
        mode=Mode.JSON if settings.llm_mode == "json" else Mode.TOOLS,
    )


async def build_context(settings: Settings, engine: AsyncEngine | None = None) -> JobContext:
    """Load and pin the prompts (refusing edited versions), connect, build the judge."""
    registry = PromptRegistry.load(settings.prompts_dir)
    registry.get(settings.prompt)  # the configured version must exist
    engine = engine or create_engine(settings)
    sessions = session_factory(engine)
    async with sessions() as db:
        await pin_prompts(db, registry.all())
        await db.commit()
    return JobContext(settings, engine, sessions, registry, build_llm(settings))
