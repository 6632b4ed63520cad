"""The review API: the queue, labels, agreement figures, the current prompt version and
the labels export."""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from rules.stats import wilson_interval
from tests.conftest import Api
from tests.review_seed import project_name, seed

V1, V2 = "outcome/v1", "outcome/v2"
SURE_GOOD = ("completed", "helpful", 0.9)


async def _queue(api: Api, key: str, **params: Any) -> dict[str, Any]:
    r = await api.client.get("/v1/review-queue", params=params, headers=api.auth(key))
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


async def _walk(api: Api, key: str, **params: Any) -> list[str]:
    """Every session id of the queue, page by page."""
    seen: list[str] = []
    cursor = None
    while True:
        page = await _queue(api, key, **params, **({"cursor": cursor} if cursor else {}))
        seen += [item["session_id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            return seen


async def _label(api: Api, key: str, session_id: str, **body: Any) -> Any:
    return await api.client.post(
        f"/v1/sessions/{session_id}/labels", json=body, headers=api.auth(key)
    )


async def test_queue_puts_disagreement_then_low_confidence_then_split_then_sample(
    api: Api,
) -> None:
    key = await api.new_key("ingest", "read", "review")
    await seed(api, key, "thumbs-down", {V1: SURE_GOOD}, thumbs=("down",))
    await seed(api, key, "both", {V1: ("completed", "helpful", 0.2)}, thumbs=("down",))
    await seed(api, key, "unsure", {V1: ("abandoned", "unhelpful", 0.3)})
    await seed(api, key, "unsure-less", {V1: ("abandoned", "unhelpful", 0.5)})
    await seed(api, key, "split", {V1: SURE_GOOD, V2: ("abandoned", "unhelpful", 0.9)})
    await seed(api, key, "fine-1", {V1: SURE_GOOD}, thumbs=("up",))
    await seed(api, key, "fine-2", {V1: SURE_GOOD})
    queue = await _queue(api, key)
    ids = [item["session_id"] for item in queue["items"]]
    reasons = {item["session_id"]: item["reasons"] for item in queue["items"]}
    assert queue["prompt"] == V1
    assert set(ids[:2]) == {"thumbs-down", "both"}
    assert ids[2:5] == ["unsure", "unsure-less", "split"]
    assert set(ids[5:]) == {"fine-1", "fine-2"}
    assert reasons["both"] == ["judge_user_disagree", "low_confidence"]
    assert reasons["split"] == ["prompts_disagree"]
    assert reasons["fine-1"] == ["calibration"]
    thumbs = {item["session_id"]: item["thumbs"] for item in queue["items"]}
    assert thumbs["thumbs-down"] == {"up": 0, "down": 1}
    assert await _walk(api, key, limit=2) == ids
    by_confidence = (await _queue(api, key, order="confidence"))["items"]
    confidences = [item["verdict"]["confidence"] for item in by_confidence]
    assert confidences == sorted(confidences)
    walked = await _walk(api, key, order="confidence", limit=3)
    assert walked == [item["session_id"] for item in by_confidence]
    low = await _queue(api, key, order="confidence", max_confidence=0.4)
    assert [item["session_id"] for item in low["items"]] == ["both", "unsure"]


async def test_queue_pages_with_a_cursor_and_shuffles_per_reviewer(api: Api) -> None:
    alice = await api.new_key("ingest", "read", name="alice")
    project = await project_name(api, alice)
    bob = await api.new_key("read", project=project, name="bob")
    for i in range(10):
        await seed(api, alice, f"s-{i}", {V1: SURE_GOOD})
    seen = await _walk(api, alice, order="random", limit=3)
    assert sorted(seen) == sorted(f"s-{i}" for i in range(10))
    again = [item["session_id"] for item in (await _queue(api, alice, order="random"))["items"]]
    theirs = [item["session_id"] for item in (await _queue(api, bob, order="random"))["items"]]
    assert again == seen
    assert theirs != seen
    bad = await api.client.get(
        "/v1/review-queue", params={"cursor": "nonsense"}, headers=api.auth(alice)
    )
    assert bad.status_code == 422
    assert bad.json()["detail"][0]["loc"] == ["query", "cursor"]


async def test_labelled_session_leaves_that_reviewers_queue_only(api: Api) -> None:
    alice = await api.new_key("ingest", "read", "review", name="alice")
    bob = await api.new_key("read", project=await project_name(api, alice), name="bob")
    await seed(api, alice, "a", {V1: SURE_GOOD})
    await seed(api, alice, "b", {V1: SURE_GOOD})
    r = await _label(api, alice, "a", termination="completed", helpfulness="helpful")
    assert r.status_code == 201, r.text
    assert r.json()["reviewer"] == "alice"
    mine = [i["session_id"] for i in (await _queue(api, alice))["items"]]
    theirs = [i["session_id"] for i in (await _queue(api, bob))["items"]]
    assert mine == ["b"]
    assert sorted(theirs) == ["a", "b"]


async def test_labels_are_append_only_and_the_latest_per_reviewer_counts(api: Api) -> None:
    alice = await api.new_key("ingest", "read", "review", name="alice")
    bob = await api.new_key("review", project=await project_name(api, alice), name="bob")
    pk_verdict = await _current_verdict_id(api, alice, "s", {V1: SURE_GOOD})
    await _label(api, alice, "s", termination="abandoned", verdict_id=pk_verdict)
    await _label(api, alice, "s", termination="completed", helpfulness="helpful", note="on reread")
    await _label(api, bob, "s", helpfulness="unhelpful")
    r = await api.client.get("/v1/sessions/s/labels", headers=api.auth(alice))
    assert r.status_code == 200, r.text
    body = r.json()
    assert [(x["reviewer"], x["termination"]) for x in body["history"]] == [
        ("alice", "abandoned"), ("alice", "completed"), ("bob", None),
    ]  # fmt: skip
    assert body["history"][0]["verdict_id"] == pk_verdict
    latest = {x["reviewer"]: x for x in body["latest"]}
    assert latest["alice"]["note"] == "on reread"
    assert latest["bob"]["helpfulness"] == "unhelpful"


async def _current_verdict_id(api: Api, key: str, session_id: str, verdicts: Any) -> int:
    await seed(api, key, session_id, verdicts)
    queue = await _queue(api, key)
    return int(next(i for i in queue["items"] if i["session_id"] == session_id)["verdict"]["id"])


async def test_labelling_needs_the_review_scope(api: Api) -> None:
    key = await api.new_key("ingest", "read")
    await seed(api, key, "s", {V1: SURE_GOOD})
    r = await _label(api, key, "s", termination="completed")
    assert r.status_code == 403
    assert r.json()["error"] == "Forbidden"


async def test_label_for_another_projects_session_is_404(api: Api) -> None:
    owner = await api.new_key("ingest", "read")
    await seed(api, owner, "theirs", {V1: SURE_GOOD})
    stranger = await api.new_key("read", "review")
    assert (await _label(api, stranger, "theirs", termination="completed")).status_code == 404
    r = await api.client.get("/v1/sessions/theirs/labels", headers=api.auth(stranger))
    assert r.status_code == 404
    r = await api.client.get("/v1/review/item/theirs", headers=api.auth(stranger))
    assert r.status_code == 404


@pytest.mark.parametrize(
    ("body", "loc"),
    [
        ({"termination": "finished"}, ["body", "termination"]),
        ({"helpfulness": "great"}, ["body", "helpfulness"]),
        ({"note": "no class"}, ["body"]),
        ({"termination": "completed", "mood": "happy"}, ["body", "mood"]),
    ],
)
async def test_label_with_unknown_or_missing_class_is_422(
    api: Api, body: dict[str, Any], loc: list[str]
) -> None:
    key = await api.new_key("ingest", "read", "review")
    await seed(api, key, "s", {V1: SURE_GOOD})
    r = await _label(api, key, "s", **body)
    assert r.status_code == 422, r.text
    assert r.json()["error"] == "ValidationError"
    assert r.json()["detail"][0]["loc"] == loc


async def test_label_citing_another_sessions_verdict_is_422(api: Api) -> None:
    key = await api.new_key("ingest", "read", "review")
    other = await _current_verdict_id(api, key, "other", {V1: SURE_GOOD})
    await seed(api, key, "s", {V1: SURE_GOOD})
    r = await _label(api, key, "s", termination="completed", verdict_id=other)
    assert r.status_code == 422
    assert r.json()["detail"][0]["loc"] == ["body", "verdict_id"]


async def _agreement(api: Api, key: str, prompt: str = V2) -> dict[str, Any]:
    r = await api.client.get("/v1/agreement", params={"prompt": prompt}, headers=api.auth(key))
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


async def _hand_made_example(api: Api, key: str) -> None:
    """Four sessions; the reviewer and the judge (v2) as in the table:

    session  human                 judge (v2)                    thumbs
    s1       completed helpful     completed helpful             down
    s2       completed unhelpful   completed helpful             up
    s3       abandoned unhelpful   abandoned unhelpful           up
    s4       errored unhelpful     abandoned partially_helpful
    """
    await seed(api, key, "s1", {V1: SURE_GOOD, V2: SURE_GOOD}, thumbs=("down",))
    await seed(api, key, "s2", {V1: SURE_GOOD, V2: SURE_GOOD}, thumbs=("up",))
    await seed(api, key, "s3", {V1: SURE_GOOD, V2: ("abandoned", "unhelpful", 0.8)}, thumbs=("up",))
    await seed(api, key, "s4", {V2: ("abandoned", "partially_helpful", 0.7)})
    await _label(api, key, "s4", termination="completed", helpfulness="helpful")  # superseded
    for session_id, termination, helpfulness in [
        ("s1", "completed", "helpful"), ("s2", "completed", "unhelpful"),
        ("s3", "abandoned", "unhelpful"), ("s4", "errored", "unhelpful"),
    ]:  # fmt: skip
        r = await _label(api, key, session_id, termination=termination, helpfulness=helpfulness)
        assert r.status_code == 201, r.text


async def test_agreement_figures_on_a_hand_made_example(api: Api) -> None:
    key = await api.new_key("ingest", "read", "review")
    await _hand_made_example(api, key)
    got = await _agreement(api, key)
    assert got["labelled_sessions"] == 4
    termination = got["termination"]
    assert termination["pairs"] == 4
    assert termination["matrix"]["errored"]["abandoned"] == 1
    assert termination["matrix"]["completed"]["completed"] == 2
    assert termination["accuracy"] == 0.75
    # po = 3/4; row sums 2,1,1,0 and column sums 2,2,0,0 give pe = 6/16: (12-6)/(16-6)
    assert termination["kappa"] == pytest.approx(0.6)
    assert termination["accuracy_interval"] == pytest.approx(list(wilson_interval(3, 4)))
    assert termination["per_class"]["abandoned"] == {"precision": 0.5, "recall": 1.0, "support": 1}
    assert termination["per_class"]["errored"] == {"precision": None, "recall": 0.0, "support": 1}
    helpfulness = got["helpfulness"]
    assert helpfulness["accuracy"] == 0.5
    # rows: helpful 1, unhelpful 3; columns: helpful 2, unhelpful 1, partially 1: pe = 5/16
    assert helpfulness["kappa"] == pytest.approx(3 / 11)
    assert helpfulness["per_class"]["helpful"] == {"precision": 0.5, "recall": 1.0, "support": 1}
    thumbs = got["thumbs"]
    assert thumbs["down_when_judged_helpful"] | {"interval": None} == {
        "hits": 1, "n": 2, "rate": 0.5, "interval": None,
    }  # fmt: skip
    assert (
        thumbs["up_when_judged_unhelpful"]["hits"],
        thumbs["up_when_judged_unhelpful"]["n"],
    ) == (1, 1)
    assert thumbs["sessions_with_thumbs"] == 3


async def test_each_reviewers_label_is_a_pair_and_reviewers_are_compared(api: Api) -> None:
    alice = await api.new_key("ingest", "read", "review", name="alice")
    bob = await api.new_key("review", "read", project=await project_name(api, alice), name="bob")
    await _hand_made_example(api, alice)
    await _label(api, bob, "s1", termination="completed", helpfulness="helpful")
    await _label(api, bob, "s2", termination="abandoned", helpfulness="unhelpful")
    got = await _agreement(api, bob)
    assert got["labelled_sessions"] == 4
    assert got["termination"]["pairs"] == 6
    assert got["termination"]["accuracy"] == pytest.approx(4 / 6)
    [pair] = got["reviewers"]
    assert pair["reviewers"] == ["alice", "bob"]
    assert pair["sessions"] == 2
    assert pair["termination"]["accuracy"] == 0.5
    assert pair["helpfulness"]["accuracy"] == 1.0
    assert pair["helpfulness"]["kappa"] == 1.0


async def test_compare_lays_versions_side_by_side_on_sessions_labelled_for_both(
    api: Api,
) -> None:
    key = await api.new_key("ingest", "read", "review")
    await _hand_made_example(api, key)  # v1 did not judge s4
    r = await api.client.get(
        "/v1/agreement/compare", params={"prompts": f"{V1},{V2}"}, headers=api.auth(key)
    )
    assert r.status_code == 200, r.text
    got = r.json()
    assert got["sessions"] == 3
    v1, v2 = got["items"]
    assert (v1["prompt"], v2["prompt"]) == (V1, V2)
    assert v1["termination"]["accuracy"] == pytest.approx(2 / 3)  # v1 calls s3 completed
    assert v2["termination"]["accuracy"] == 1.0
    assert v1["helpfulness"]["pairs"] == v2["helpfulness"]["pairs"] == 3
    for prompts in (V1, f"{V1},no/such"):
        r = await api.client.get(
            "/v1/agreement/compare", params={"prompts": prompts}, headers=api.auth(key)
        )
        assert r.status_code == 422
        assert r.json()["detail"][0]["loc"] == ["query", "prompts"]


async def test_making_a_version_current_is_recorded_and_answers_its_agreement(api: Api) -> None:
    admin = await api.new_key("ingest", "read", "admin", name="alice")
    reader = await api.new_key("read", project=await project_name(api, admin), name="bob")
    await _hand_made_example(api, admin)
    body = {"prompt": V2}
    denied = await api.client.post("/v1/prompts/current", json=body, headers=api.auth(reader))
    assert denied.status_code == 403
    r = await api.client.post("/v1/prompts/current", json=body, headers=api.auth(admin))
    assert r.status_code == 200, r.text
    got = r.json()
    assert (got["prompt"], got["previous"], got["changed"]) == (V2, V1, True)
    assert got["change"]["changed_by"] == "alice"
    assert got["agreement"]["termination"]["accuracy"] == 0.75
    again = await api.client.post("/v1/prompts/current", json=body, headers=api.auth(admin))
    assert again.json()["changed"] is False
    changes = (await api.client.get("/v1/prompts/changes", headers=api.auth(reader))).json()
    assert changes["current"] == V2
    [change] = changes["items"]
    assert (change["from_prompt"], change["to_prompt"], change["changed_by"]) == (V1, V2, "alice")
    assert (await _queue(api, reader))["prompt"] == V2  # the queue follows the current version
    unknown = await api.client.post(
        "/v1/prompts/current", json={"prompt": "outcome/v9"}, headers=api.auth(admin)
    )
    assert unknown.status_code == 422
    assert unknown.json()["detail"][0]["loc"] == ["body", "prompt"]


async def test_export_streams_one_json_line_per_labelled_session(api: Api) -> None:
    key = await api.new_key("ingest", "read", "review")
    await _hand_made_example(api, key)
    await seed(api, key, "unlabelled", {V1: SURE_GOOD})
    r = await api.client.get("/v1/labels/export", headers=api.auth(key))
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/x-ndjson")
    lines = [orjson.loads(line) for line in r.content.splitlines()]
    assert [line["session"]["session_id"] for line in lines] == ["s1", "s2", "s3", "s4"]
    s4 = lines[3]
    assert s4["transcript"]["prompt"] == V1
    assert s4["transcript"]["text"].splitlines()[-1] == "[7] completion: Done."
    assert s4["transcript"]["event_indices"] == [0, 2, 4, 6, 7]  # ok llm_calls: header only
    assert [v["prompt"] for v in s4["verdicts"]] == [V2]
    assert [(x["termination"], x["helpfulness"]) for x in s4["labels"]] == [
        ("errored", "unhelpful")
    ]
    assert len(s4["label_history"]) == 2
    assert lines[0]["feedback"][0]["rating"] == "down"


async def test_review_item_has_everything_the_page_shows(api: Api) -> None:
    key = await api.new_key("ingest", "read", "review")
    await seed(api, key, "s", {V1: SURE_GOOD, V2: ("abandoned", "unhelpful", 0.4)},
               thumbs=("down",), evidence=(0, 7))  # fmt: skip
    r = await api.client.get("/v1/review/item/s", params={"prompt": V2}, headers=api.auth(key))
    assert r.status_code == 200, r.text
    item = r.json()
    assert item["prompt"] == V2
    assert item["reasons"] == ["low_confidence", "prompts_disagree"]
    assert item["session"]["metrics"]["loops"]["stuck"] is False
    assert "[0] user: Add a retry" in item["transcript"]["text"]
    assert [v["prompt"] for v in item["verdicts"]] == [V1, V2]
    assert item["verdicts"][0]["evidence"] == [0, 7]
    assert item["feedback"][0]["rating"] == "down"
    assert item["labels"] == []
