"""Judge throughput: 2,000 sessions judged by one worker process against the fake LLM
answering after 500 ms; CPU per session; nothing lost or judged twice. Then the
transcript compression on the shared real sessions.

    .venv/bin/python -m bench.judge [--sessions 2000] [--compression-only]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import time
import uuid
from pathlib import Path

import orjson
from arq import ArqRedis
from sqlalchemy import func, select

from api.formats import load_path
from bench.common import ROOT, scratch_database
from judge import Verdict, raw_tokens, render_transcript
from judge.verdict import citable
from rules import Session, compute_metrics
from store.engine import create_engine, session_factory
from store.ingest import ingest, prepare
from store.keys import ensure_project
from store.models import SessionRow, VerdictRow
from store.settings import Settings
from tests.fakellm import VERDICT, Delay, FakeLlm
from tests.sessions import session_doc
from workers.context import build_context
from workers.judging import Outcome, judge_input, load_job_input, record_outcome
from workers.queue import ArqQueue

REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")
DATA = ROOT.parent / "shared" / "data"
KEEP = frozenset({"user_message", "error", "completion"})


async def seed(url: str, n: int) -> list[int]:
    engine = create_engine(Settings(database_url=url))
    async with session_factory(engine)() as db:
        project = await ensure_project(db, f"bench-{uuid.uuid4().hex[:6]}")
        pks: list[int] = []
        for start in range(0, n, 200):
            docs = [session_doc(f"j-{i}", n_events=50) for i in range(start, min(n, start + 200))]
            items = [prepare(Session.model_validate(d)) for d in docs]
            pks += [o.pk for o in await ingest(db, project.id, items) if o.pk is not None]
        await db.commit()
    await engine.dispose()
    return pks


async def flush() -> None:
    redis = ArqRedis.from_url(REDIS_URL)
    await redis.flushdb()
    await redis.aclose()


async def enqueue(pks: list[int]) -> None:
    redis = ArqRedis.from_url(REDIS_URL)
    queue = ArqQueue(redis)
    for pk in pks:
        assert await queue.enqueue_judge(pk, "outcome/v1")
    await queue.close()


WARM_UP = 20
"""Sessions judged first and not counted: a worker pays its one-time costs (the tokenizer,
compiled templates and statements, the first connections) once, not per session."""


async def overhead(url: str, pks: list[int]) -> dict[str, float]:
    """CPU ms per session of our own judge work, one step at a time: render the input,
    validate the answer, store the verdict (what the worker adds around the LLM call),
    after ``WARM_UP`` sessions."""
    ctx = await build_context(Settings(database_url=url))
    prompt = ctx.registry.get("outcome/v1")
    answer = orjson.dumps(VERDICT)
    totals = dict.fromkeys(("render", "validate", "store"), 0.0)
    for n, pk in enumerate(pks):
        if n == WARM_UP:
            totals = dict.fromkeys(totals, 0.0)
        loaded = await load_job_input(ctx, pk, None, prompt.key)
        assert loaded is not None
        t0 = time.process_time()
        shown = judge_input(ctx, prompt, loaded.session, loaded.metrics)
        t1 = time.process_time()
        with citable(shown.rendered.event_indices):
            verdict = Verdict.model_validate_json(answer)
        t2 = time.process_time()
        values = {"project_id": loaded.row.project_id, "session_pk": pk, "prompt": "bench/overhead",
                  "prompt_hash": "-", "judge_model": "bench", "input_hash": "-", "run_id": None,
                  "dedupe_key": f"bench:{pk}", "input_tokens": 0, "output_tokens": 0,
                  "cost_usd": 0.0, "latency_ms": 0.0, "attempts": 1, "raw": None}  # fmt: skip
        await record_outcome(ctx, loaded.row, "bench/overhead", None, Outcome("judged", None,
                      values | verdict.model_dump(mode="json")))  # fmt: skip
        t3 = time.process_time()
        totals["render"] += t1 - t0
        totals["validate"] += t2 - t1
        totals["store"] += t3 - t2
    await ctx.close()
    return {k: v / (len(pks) - WARM_UP) * 1000 for k, v in totals.items()}


async def tally(url: str) -> tuple[int, int, int]:
    engine = create_engine(Settings(database_url=url))
    async with session_factory(engine)() as db:
        verdicts = await db.scalar(select(func.count()).select_from(VerdictRow)) or 0
        distinct = await db.scalar(select(func.count(func.distinct(VerdictRow.session_pk)))) or 0
        judged = (
            await db.scalar(
                select(func.count())
                .select_from(SessionRow)
                .where(SessionRow.judge_status == "judged")
            )
            or 0
        )
    await engine.dispose()
    return verdicts, distinct, judged


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run_worker(url: str, llm_url: str) -> tuple[float, float]:
    """Run one burst worker process; answer its wall time and CPU seconds."""
    env = os.environ | {
        "SESSION_JUDGE_DATABASE_URL": url,
        "SESSION_JUDGE_REDIS_URL": REDIS_URL,
        "SESSION_JUDGE_LLM_BASE_URL": llm_url,
        "SESSION_JUDGE_JUDGE_CONCURRENCY": "64",
    }
    start = time.perf_counter()
    proc = subprocess.Popen(
        [str(ROOT / ".venv/bin/session-judge"), "worker", "--burst"], env=env,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    cpu = 0.0
    while proc.poll() is None:
        cpu = cpu_seconds(proc.pid)
        time.sleep(0.2)
    return time.perf_counter() - start, cpu


def compression() -> list[str]:
    """Per folder: tokens raw and rendered, the largest transcript, CPU ms per rendering
    (metrics computed beforehand), and must-keep events missing from the transcript."""
    rows = []
    warm = Session.model_validate(session_doc("warm-up"))
    render_transcript(warm, compute_metrics(warm))  # loads the encoding: not a rendering cost
    all_raw = all_shown = all_n = 0
    all_max, all_cpu = 0, 0.0
    for folder in sorted(p for p in DATA.iterdir() if p.is_dir()):
        raw = shown = lost = biggest = 0
        sessions = [i.session for i in load_path(folder) if i.session is not None]
        cpu = 0.0
        for session in sessions:
            metrics = compute_metrics(session)
            started = time.process_time()
            rendered = render_transcript(session, metrics)
            cpu += time.process_time() - started
            raw += raw_tokens(session)
            shown += rendered.tokens
            biggest = max(biggest, rendered.tokens)
            must = {i for i, e in enumerate(session.events) if e.type in KEEP}
            lost += len(must - rendered.event_indices)
        all_raw, all_shown, all_n = all_raw + raw, all_shown + shown, all_n + len(sessions)
        all_max, all_cpu = max(all_max, biggest), all_cpu + cpu
        rows.append(f"| {folder.name} | {len(sessions)} | {raw:,} | {shown:,} | "
                    f"{shown / raw:.1%} | {biggest:,} | {cpu / len(sessions) * 1000:.2f} | "
                    f"{lost} |")  # fmt: skip
    rows.append(f"| all | {all_n} | {all_raw:,} | {all_shown:,} | {all_shown / all_raw:.1%} | "
                f"{all_max:,} | {all_cpu / all_n * 1000:.2f} | |")  # fmt: skip
    return rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sessions", type=int, default=2000)
    parser.add_argument("--compression-only", action="store_true", help="skip the throughput run")
    args = parser.parse_args()
    if args.compression_only:
        print_compression()
        return
    llm = FakeLlm()
    llm.default = lambda _: Delay(0.5, dict(VERDICT))
    llm.start()
    try:
        with scratch_database() as url:
            pks = asyncio.run(seed(url, args.sessions))
            asyncio.run(flush())
            _, idle_cpu = run_worker(url, llm.url)  # start-up and shutdown alone
            asyncio.run(enqueue(pks))
            wall, cpu = run_worker(url, llm.url)
            verdicts, distinct, judged = asyncio.run(tally(url))
            parts = asyncio.run(overhead(url, pks[: 300 + WARM_UP]))
    finally:
        llm.stop()
    print("| measure | figure | target |")
    print("| --- | --- | --- |")
    print(f"| judged by one worker (LLM after 500 ms) | {judged:,} of {len(pks):,} | all |")
    print(f"| throughput | {judged / wall:,.1f} sessions/s | ≥ 40 |")
    per_session = (cpu - idle_cpu) / max(judged, 1) * 1000
    print(f"| worker CPU per session, start-up excluded | {per_session:.2f} ms | |")
    ours = sum(parts.values())
    detail = ", ".join(f"{k} {v:.2f}" for k, v in parts.items())
    label = f"judge overhead per session, after {WARM_UP} to warm up ({detail})"
    print(f"| {label} | {ours:.2f} ms CPU | < 5 ms |")
    print(f"| verdicts / distinct sessions | {verdicts:,} / {distinct:,} | no loss, no doubles |")
    print(f"| LLM requests | {len(llm.requests):,} | |")
    print()
    print_compression()


def print_compression() -> None:
    print("| source | sessions | raw tokens | transcript tokens | ratio | max tokens "
          "(budget 12,000) | render ms CPU/session | must-keep events lost |")  # fmt: skip
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    print("\n".join(compression()))


if __name__ == "__main__":
    main()
