"""Property-based requests generated from the app's own OpenAPI schema find no 5xx."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from api.app import create_app
from store.settings import Settings
from tests.conftest import Api
from tests.server import serve

# OTLP's protobuf body is bytes to the fuzzer, like application/octet-stream
schemathesis.serializer.alias("application/x-protobuf", "application/octet-stream")
schema = schemathesis.openapi.from_dict(create_app(Settings()).openapi())


@pytest.fixture(scope="module")
def live(pg_url: str) -> Iterator[str]:
    with serve(Settings(database_url=pg_url)) as url:
        yield url


@pytest.fixture(scope="module")
async def live_key(pg_api: Api) -> str:
    return await pg_api.new_key("ingest", "read", "admin")


@schema.parametrize()
@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
def test_no_server_errors(case: schemathesis.Case, live: str, live_key: str) -> None:
    response = case.call(base_url=live, headers={"Authorization": f"Bearer {live_key}"})
    assert response.status_code < 500, f"{case.method} {case.formatted_path}: {response.text}"
