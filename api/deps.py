"""Request dependencies: the database session (committed at the boundary) and the caller."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Coroutine
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.ext.asyncio import AsyncSession as DbSession

from api.errors import Forbidden, Unauthorized
from api.state import AppState
from store.keys import Principal, authenticate

_bearer = HTTPBearer(auto_error=False, description="An API key: `Authorization: Bearer sj_…`")


def app_state(request: Request) -> AppState:
    state: AppState = request.app.state.sj
    return state


async def db_session(state: Annotated[AppState, Depends(app_state)]) -> AsyncIterator[DbSession]:
    """One transaction per request: committed here if the handler returns, else rolled back."""
    async with state.sessions() as db:
        try:
            yield db
            await db.commit()
        except BaseException:
            await db.rollback()
            raise


Db = Annotated[DbSession, Depends(db_session)]


async def _principal(
    state: Annotated[AppState, Depends(app_state)],
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Unauthorized("missing bearer API key", headers={"WWW-Authenticate": "Bearer"})
    principal = state.principals.get(credentials.credentials)
    if principal is None:
        async with state.sessions() as db:
            principal = await authenticate(db, credentials.credentials)
        if principal is not None:
            state.principals[credentials.credentials] = principal
    if principal is None:
        raise Unauthorized("unknown or revoked API key", headers={"WWW-Authenticate": "Bearer"})
    return principal


def require(scope: str) -> Callable[..., Coroutine[Any, Any, Principal]]:
    """A dependency that answers the caller when its key carries ``scope``."""

    async def check(principal: Annotated[Principal, Depends(_principal)]) -> Principal:
        if scope not in principal.scopes and "admin" not in principal.scopes:
            raise Forbidden(f"this key lacks the {scope!r} scope")
        return principal

    return check


Ingest = Annotated[Principal, Depends(require("ingest"))]
Reader = Annotated[Principal, Depends(require("read"))]
Admin = Annotated[Principal, Depends(require("admin"))]
