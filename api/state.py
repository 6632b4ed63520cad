"""What the app holds for its lifetime: settings, engine, session factory."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker
from sqlalchemy.ext.asyncio import AsyncSession as DbSession

from rules import LoopThresholds
from store.settings import Settings


@dataclass
class AppState:
    settings: Settings
    engine: AsyncEngine
    sessions: async_sessionmaker[DbSession]

    @property
    def thresholds(self) -> LoopThresholds:
        s = self.settings
        return LoopThresholds(
            identical_streak=s.stuck_identical_streak,
            identical_failing=s.stuck_identical_failing,
            oscillation=s.stuck_oscillation,
        )
