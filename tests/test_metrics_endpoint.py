"""``GET /metrics`` speaks Prometheus and counts what the service did."""

from __future__ import annotations

from prometheus_client.parser import text_string_to_metric_families

from tests.conftest import Api
from tests.sessions import session_doc


async def _samples(api: Api) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    r = await api.client.get("/metrics")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/plain")
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(r.text)
        for s in family.samples
    }


async def test_metrics_count_ingests_and_judge_jobs(api: Api) -> None:
    key = await api.new_key("ingest", "read")
    before = await _samples(api)
    doc = session_doc()
    for expected in (201, 200):  # created, then the same again: a duplicate
        r = await api.client.post("/v1/sessions", json=doc, headers=api.auth(key))
        assert r.status_code == expected
    await api.settle()
    after = await _samples(api)

    def delta(name: str, **labels: str) -> float:
        sample = (name, tuple(sorted(labels.items())))
        return after.get(sample, 0.0) - before.get(sample, 0.0)

    assert delta("session_judge_sessions_ingested_total", status="created") == 1
    assert delta("session_judge_sessions_ingested_total", status="duplicate") == 1
    assert delta("session_judge_judge_jobs_total", outcome="judged") >= 1
    assert delta("session_judge_judge_seconds_count") >= 1
    assert ("session_judge_queue_depth", ()) in after
    assert ("session_judge_alerts_firing", (("severity", "page"),)) in after
