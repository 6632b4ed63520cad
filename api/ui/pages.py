"""Server-rendered page shells under ``/ui``; their scripts call the JSON API with the key
the user signs in with (kept in the tab's sessionStorage), so the pages themselves need no
authentication and hold no data. Every asset is served from ``static/``: no build step,
no CDN. The content security policy allows scripts and styles from here only, so even a
missed escape could not run a transcript's ``<script>``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, get_args

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader

from api.deps import app_state
from api.state import AppState
from judge import Helpfulness
from rules import Termination

HERE = Path(__file__).parent
TEMPLATES = Jinja2Templates(
    env=Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=True)
)
HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}
TERMINATION_KEYS = dict(zip("1234", get_args(Termination), strict=True))
HELPFULNESS_KEYS = dict(zip("qwer", get_args(Helpfulness), strict=True))

router = APIRouter(prefix="/ui", include_in_schema=False)
State = Annotated[AppState, Depends(app_state)]


def _page(request: Request, page: str, **context: Any) -> HTMLResponse:
    response = TEMPLATES.TemplateResponse(request, f"{page}.html", {"page": page, **context})
    response.headers.update(HEADERS)
    return response


@router.get("")
@router.get("/")
async def home() -> RedirectResponse:
    return RedirectResponse("/ui/queue")


@router.get("/queue")
async def queue_page(request: Request) -> HTMLResponse:
    return _page(request, "queue", terminations=TERMINATION_KEYS, helpfulness=HELPFULNESS_KEYS)


@router.get("/outcomes")
async def outcomes_page(request: Request) -> HTMLResponse:
    return _page(request, "outcomes", terminations=list(TERMINATION_KEYS.values()))


@router.get("/agreement")
async def agreement_page(request: Request, state: State) -> HTMLResponse:
    prompts = [prompt.key for prompt in state.jobs.registry.all()]
    return _page(request, "agreement", prompts=prompts)


def mount(app: FastAPI) -> None:
    app.include_router(router)
    app.mount("/ui/static", StaticFiles(directory=HERE / "static"), name="ui-static")
