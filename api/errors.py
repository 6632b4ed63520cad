"""One error base, one JSON shape: ``{"error": "SessionNotFound", "detail": ...}``."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException


class ErrorBody(BaseModel):
    error: str
    detail: Any = None


class ServiceError(Exception):
    status_code = 400
    error = "BadRequest"

    def __init__(self, detail: Any = None, *, headers: dict[str, str] | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.headers = headers


class Unauthorized(ServiceError):
    status_code, error = 401, "Unauthorized"


class Forbidden(ServiceError):
    status_code, error = 403, "Forbidden"


class NotFound(ServiceError):
    status_code, error = 404, "NotFound"


class Conflict(ServiceError):
    status_code, error = 409, "Conflict"


class PayloadTooLarge(ServiceError):
    status_code, error = 413, "PayloadTooLarge"


class InvalidInput(ServiceError):
    """422 with pydantic-style entries: ``[{"loc": [...], "msg": ..., "type": ...}]``."""

    status_code, error = 422, "ValidationError"


def field_error(loc: list[str | int], msg: str, kind: str) -> InvalidInput:
    return InvalidInput([{"loc": loc, "msg": msg, "type": kind}])


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorBody} for code in (401, 403, 404, 409, 413, 422)
}


def install(app: FastAPI) -> None:
    @app.exception_handler(ServiceError)
    async def _service(_: Request, exc: ServiceError) -> JSONResponse:
        return JSONResponse(
            {"error": exc.error, "detail": exc.detail}, exc.status_code, headers=exc.headers
        )

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        detail = [{k: e[k] for k in ("loc", "msg", "type") if k in e} for e in exc.errors()]
        return JSONResponse({"error": "ValidationError", "detail": detail}, 422)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        return JSONResponse(
            {"error": "HTTPError", "detail": exc.detail}, exc.status_code, headers=exc.headers
        )
