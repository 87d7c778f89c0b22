"""Schemathesis against the published OpenAPI schema: every operation, signed in, a bounded and
repeatable number of generated requests each (valid and invalid ones). No answer may be a 5xx,
and each must be one the schema documents: its status code, content type, body and headers.

The app runs as a real server (uvicorn in a thread, SQLite in a temporary directory, background
work in-process), so requests go over HTTP exactly as a client's would.
"""

from __future__ import annotations

import socket
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
import uvicorn
from hypothesis import HealthCheck, Phase, settings

from tasks_service.app import create_app
from tasks_service.settings import Settings
from tests.conftest import GENEROUS_RATE_LIMITS
from tests.harness import API, PASSWORD

SPEC = '{"title": "f", "kind": "translate", "source_language": "en", "target_language": "fr"}'
# /metrics is Prometheus' text format from Litestar's PrometheusController, outside the API.
schema = schemathesis.openapi.from_dict(create_app(Settings()).openapi_schema.to_schema()).exclude(
    path="/metrics"
)
CHECKS = [
    schemathesis.checks.not_a_server_error,
    schemathesis.checks.status_code_conformance,
    schemathesis.checks.content_type_conformance,
    schemathesis.checks.response_schema_conformance,
    schemathesis.checks.response_headers_conformance,
]


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """The service on a free port, with a signed-in owner of one project holding one job."""
    data_dir: Path = tmp_path_factory.mktemp("fuzz")
    app_settings = Settings(
        data_dir=str(data_dir),
        queue_name=f"tasks_fuzz_{uuid.uuid4().hex[:8]}",
        **GENEROUS_RATE_LIMITS,
        login_failures="100000/minute",
        login_failures_per_ip="100000/minute",
    )
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    config = uvicorn.Config(
        create_app(app_settings), host="127.0.0.1", port=port, log_level="warning"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while not server.started:
            assert thread.is_alive() and time.monotonic() < deadline, "the server did not start"
            time.sleep(0.05)
        with httpx.Client(base_url=base + API) as client:
            account = {"username": "fuzzer", "password": PASSWORD, "languages": ["en", "fr"]}
            client.post("/accounts", json=account).raise_for_status()
            login = {"username": "fuzzer", "password": PASSWORD}
            token = client.post("/auth/tokens", json=login).raise_for_status().json()["token"]
            auth = {"Authorization": f"Bearer {token}"}
            project = client.post("/projects", json={"name": "Fuzz"}, headers=auth).json()["id"]
            client.post(
                f"/projects/{project}/jobs",
                files={"file": ("doc.txt", b"One.\n\nTwo.\n")},
                data={"spec": SPEC},
                headers=auth,
            ).raise_for_status()
        yield {"base_url": base, "headers": auth}
    finally:
        server.should_exit = True
        thread.join(timeout=30)


@schema.parametrize()
@settings(
    max_examples=12,
    deadline=None,
    derandomize=True,
    database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
def test_every_operation_answers_as_documented(
    case: schemathesis.Case, live: dict[str, Any]
) -> None:
    case.call_and_validate(base_url=live["base_url"], headers=live["headers"], checks=CHECKS)
