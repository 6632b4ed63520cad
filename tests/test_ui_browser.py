"""The review page in a real browser: Debian's chromium driven headless by Playwright,
against the app served by uvicorn on loopback. Screenshots of each page are kept under
docs/screenshots/ for the README."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from itertools import product
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Dialog, Page, async_playwright, expect

from store.settings import Settings
from tests.conftest import Api
from tests.review_seed import Judged, Seeded, project_name, seed_many
from tests.server import serve
from tests.sessions import session_doc

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip
SHOTS = Path(__file__).resolve().parents[1] / "docs" / "screenshots"
SCRIPT = "<script>alert(1)</script>"
MODELS = ("claude-sonnet-4", "gpt-5", "qwen3-coder")
V1, V2 = "outcome/v1", "outcome/v2"
PER_DAY = 4  # sessions per model and day

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason="needs Debian's chromium at /usr/bin/chromium (apt-get install -y chromium)",
)


@pytest.fixture(scope="module")
def live(pg_url: str) -> Iterator[str]:
    with serve(Settings(database_url=pg_url, sweep_interval_seconds=3600)) as url:
        yield url


def _events(model: str, start: datetime, text: str) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = session_doc(start=start)["events"]
    events[0]["text"] = text
    for event in events:
        if event["type"] == "llm_call":
            event["model"] = model
    return events


def _agreeing_thumbs(judged: Judged, rng: random.Random) -> tuple[str, ...]:
    """Thumbs that agree with the verdict, so only the script session is a disagreement."""
    if judged[1] == "helpful":
        return ("up",) if rng.random() < 0.7 else ()
    if judged[0] in ("abandoned", "errored"):
        return ("down",) if rng.random() < 0.6 else ()
    return ()


async def _seed_week(api: Api, key: str) -> None:
    """A week of sessions over three models, judged by both versions, some with thumbs;
    first in the queue: a thumbs down on a session judged helpful whose transcript holds
    a script tag."""
    now = datetime.now(UTC).replace(hour=9, minute=0, second=0, microsecond=0)
    rng = random.Random(7)
    outcomes: list[Judged] = [
        ("completed", "helpful", 0.9), ("completed", "partially_helpful", 0.8),
        ("abandoned", "unhelpful", 0.7), ("errored", "unhelpful", 0.85),
        ("timed_out", "unknown", 0.65),
    ]  # fmt: skip
    specs = []
    for day, (n, model), k in product(range(7), enumerate(MODELS), range(PER_DAY)):
        judged = rng.choices(outcomes, weights=(6 - 2 * n, 2, 2 + n, 1 + n, 1))[0]
        other = judged if rng.random() < 0.8 else rng.choice(outcomes)
        start = now - timedelta(days=day, minutes=10 * n + k)
        suffix = "" if k == 0 else f"-{k}"
        specs.append(Seeded(
            f"{model}-d{day}{suffix}", {V1: judged, V2: other}, _agreeing_thumbs(judged, rng),
            fields={"start": start, "events": _events(model, start, "Add a retry")},
        ))  # fmt: skip
    specs.append(Seeded(
        "xss-1", {V1: ("completed", "helpful", 0.9), V2: ("completed", "helpful", 0.8)},
        thumbs=("down",), evidence=(0, 7),
        fields={"start": now, "events": _events("gpt-5", now, f"Render as text: {SCRIPT}")},
    ))  # fmt: skip
    await seed_many(api, key, specs)


EARLIER = {
    "claude-sonnet-4-d1": ("completed", "helpful"),
    "claude-sonnet-4-d2": ("abandoned", "unhelpful"),
    "claude-sonnet-4-d3": ("completed", "partially_helpful"),
    "gpt-5-d1": ("errored", "unhelpful"),
    "gpt-5-d2": ("completed", "helpful"),
    "gpt-5-d3": ("timed_out", "unknown"),
    "qwen3-coder-d1": ("completed", "unhelpful"),
    "qwen3-coder-d2": ("errored", "unhelpful"),
}  # fmt: skip
"""Labels other reviewers gave before the test's own: b labels every one, c the first
four (two of them differently), so the reviewers' agreement has something to show."""


async def _label_earlier(api: Api, key: str) -> None:
    project = await project_name(api, key)
    b = await api.new_key("review", project=project, name="reviewer-b")
    c = await api.new_key("review", project=project, name="reviewer-c")
    for i, (session_id, (termination, helpfulness)) in enumerate(EARLIER.items()):
        body = {"termination": termination, "helpfulness": helpfulness}
        await api.client.post(f"/v1/sessions/{session_id}/labels", json=body, headers=api.auth(b))
        if i < 4:
            body |= {"termination": "abandoned"} if i % 2 else {}
            await api.client.post(
                f"/v1/sessions/{session_id}/labels", json=body, headers=api.auth(c)
            )


async def _agreement(api: Api, key: str) -> dict[str, Any]:
    r = await api.client.get("/v1/agreement", headers=api.auth(key))
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


async def _sign_in(page: Page, live: str, key: str) -> None:
    await page.goto(f"{live}/ui/agreement")
    await page.fill("#api-key", key)
    await page.click("#sign-in-form button")
    await expect(page.locator("#main")).to_be_visible()


async def test_label_a_session_with_the_keyboard_and_see_agreement_change(
    pg_api: Api, live: str
) -> None:
    key = await pg_api.new_key("ingest", "read", "review", "admin", name="reviewer-ui")
    await _seed_week(pg_api, key)
    await _label_earlier(pg_api, key)
    SHOTS.mkdir(parents=True, exist_ok=True)
    dialogs: list[str] = []
    errors: list[str] = []

    async def on_dialog(dialog: Dialog) -> None:
        dialogs.append(dialog.message)
        await dialog.dismiss()

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        page = await browser.new_page(viewport={"width": 1440, "height": 1000})
        page.on("dialog", on_dialog)
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        await _sign_in(page, live, key)
        labelled = page.locator('[data-figure="labelled sessions"]')
        await expect(labelled).to_have_text(str(len(EARLIER)))

        await page.goto(f"{live}/ui/queue")
        await expect(page.locator("#session-id")).to_have_text("xss-1")
        transcript = page.locator("#transcript")
        await expect(transcript).to_contain_text(f"[0] user: Render as text: {SCRIPT}")
        await expect(page.locator("#ev-0.evidence")).to_be_visible()
        await expect(page.locator("#reasons")).to_contain_text("judge and user disagree")
        await page.keyboard.press("1")
        await page.keyboard.press("q")
        await expect(page.locator('.choice.chosen[data-value="completed"]')).to_have_count(1)
        await expect(page.locator('.choice.chosen[data-value="helpful"]')).to_have_count(1)
        await page.screenshot(path=SHOTS / "queue.png", full_page=True)
        await page.keyboard.press("Enter")
        await expect(page.locator("#session-id")).not_to_have_text("xss-1")
        await expect(page.locator("#label-status")).to_have_text("Saved your label of xss-1.")

        await page.goto(f"{live}/ui/agreement")
        await expect(labelled).to_have_text(str(len(EARLIER) + 1))
        figures = await _agreement(pg_api, key)
        accuracy = f"{100 * figures['termination']['accuracy']:.1f} %"
        await expect(page.locator('[data-figure="termination accuracy"]')).to_have_text(accuracy)
        await expect(page.locator("#reviewers")).to_contain_text("reviewer-b · reviewer-c")
        await page.screenshot(path=SHOTS / "agreement.png", full_page=True)

        await page.goto(f"{live}/ui/outcomes")
        await expect(page.locator("#outcomes-status")).to_contain_text("models")
        await page.screenshot(path=SHOTS / "outcomes.png", full_page=True)
        await browser.close()

    assert dialogs == []
    assert errors == []
    r = await pg_api.client.get("/v1/sessions/xss-1/labels", headers=pg_api.auth(key))
    [label] = r.json()["latest"]
    assert (label["reviewer"], label["termination"], label["helpfulness"]) == (
        "reviewer-ui", "completed", "helpful",
    )  # fmt: skip
