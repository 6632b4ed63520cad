"""The FastAPI application: ``create_app(settings)``; nothing connects at import time."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from pydantic import BaseModel

from api import errors, ui
from api.routes import agreement, incremental, labels, otlp, review, runs, sessions, verdicts
from api.routes import alerts as alert_routes
from api.routes import feedback as feedback_routes
from api.routes import metrics as metric_routes
from api.routes import trends as trend_routes
from api.state import app_state
from rules import Session
from store.settings import Settings


class Batch(BaseModel):
    sessions: list[Session]


def _openapi_with_bodies(app: FastAPI) -> dict[str, Any]:
    """Routes read their bodies by hand (limits first); publish the body schemas anyway."""
    if app.openapi_schema is None:
        from fastapi.openapi.utils import get_openapi

        schema = get_openapi(title=app.title, version=app.version, routes=app.routes)
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        for model in (Session, Batch):
            body = model.model_json_schema(ref_template="#/components/schemas/{model}")
            components.update(body.pop("$defs", {}))
            components[model.__name__] = body
        app.openapi_schema = schema
    return app.openapi_schema


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with app_state(settings) as state:
            app.state.sj = state
            yield

    app = FastAPI(
        title="session-judge",
        version="0.1.0",
        lifespan=lifespan,
    )
    errors.install(app)
    app.include_router(sessions.router)
    app.include_router(incremental.router)
    app.include_router(otlp.router)
    app.include_router(verdicts.router)
    app.include_router(runs.router)
    app.include_router(review.router)
    app.include_router(labels.router)
    app.include_router(agreement.router)
    app.include_router(feedback_routes.router)
    app.include_router(trend_routes.router)
    app.include_router(alert_routes.router)
    app.include_router(metric_routes.router)
    ui.mount(app)

    @app.get("/healthz", tags=["ops"])
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    app.openapi = lambda: _openapi_with_bodies(app)  # type: ignore[method-assign]
    return app
