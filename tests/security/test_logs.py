"""Request ids and logs: every response names its request, every log line of a request carries
the same id, and no password or token ever reaches a log line."""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterator
from typing import Any

import pytest

from tasks_service.logs import JsonFormatter, RequestContextFilter, logging_config
from tests.harness import API, PASSWORD, Api

CLIENT_LOGGERS = ("httpx", "httpcore")  # the test's own HTTP client, not the service


class Lines(logging.Handler):
    """The JSON lines the service would print, kept in a list."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.setFormatter(JsonFormatter())
        self.addFilter(RequestContextFilter())
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if not record.name.startswith(CLIENT_LOGGERS):
            self.lines.append(self.format(record))

    def entries(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.lines]


@pytest.fixture
def logged() -> Iterator[Lines]:
    """Everything logged during the test, by any logger, at DEBUG and up."""
    handler, root = Lines(), logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    yield handler
    root.removeHandler(handler)
    root.setLevel(level)


async def test_a_request_id_is_made_or_kept_and_returned(api: Api) -> None:
    first = await api.client.get("/health")
    second = await api.client.get("/health")
    made = first.headers["x-request-id"]
    assert len(made) == 32 and made != second.headers["x-request-id"]
    kept = await api.client.get("/health", headers={"X-Request-ID": "client-7f3a:1"})
    assert kept.headers["x-request-id"] == "client-7f3a:1"


@pytest.mark.parametrize("unsafe", ["x" * 65, "a b", "id\x7fdel", "<script>", ""])
async def test_an_unsafe_request_id_is_replaced(api: Api, unsafe: str) -> None:
    response = await api.client.get("/health", headers={"X-Request-ID": unsafe})
    replaced = response.headers["x-request-id"]
    assert replaced != unsafe and len(replaced) == 32


async def test_each_request_is_one_json_line_with_its_id_and_account(
    api: Api, logged: Lines
) -> None:
    (alice,) = await api.volunteers(1)
    response = await api.client.post(
        f"{API}/tasks/claim?job_id=secret-in-query", json={}, headers=alice
    )
    me = (await api.client.get(f"{API}/me", headers=alice)).json()
    request_id = response.headers["x-request-id"]
    lines = [e for e in logged.entries() if e.get("request_id") == request_id]
    access = [e for e in lines if e["logger"] == "tasks_service.access"]
    assert len(access) == 1
    assert access[0] | {"duration_ms": 0, "time": ""} == {
        "time": "",
        "level": "INFO",
        "logger": "tasks_service.access",
        "message": f"POST /api/v1/tasks/claim {response.status_code}",
        "request_id": request_id,
        "account_id": me["id"],
        "method": "POST",
        "path": "/api/v1/tasks/claim",
        "status": response.status_code,
        "duration_ms": 0,
    }
    assert access[0]["duration_ms"] > 0
    assert "secret-in-query" not in "\n".join(logged.lines)


async def test_passwords_and_tokens_never_reach_the_log(api: Api, logged: Lines) -> None:
    """Register, a refused registration, a failed and a good login, a claim with the token."""
    body = {"username": "alice", "password": PASSWORD, "languages": ["fr"]}
    assert (await api.client.post(f"{API}/accounts", json=body)).status_code == 201
    refused = {"username": "bob", "password": "hunter2-is-short", "level": 3}
    assert (await api.client.post(f"{API}/accounts", json=refused)).status_code == 422
    weak = {"username": "carol", "password": "aaaaaaaaaaaa"}
    assert (await api.client.post(f"{API}/accounts", json=weak)).status_code == 422
    wrong = {"username": "alice", "password": "wrong-passphrase-77"}
    assert (await api.client.post(f"{API}/auth/tokens", json=wrong)).status_code == 401
    login = {"username": "alice", "password": PASSWORD}
    token = (await api.client.post(f"{API}/auth/tokens", json=login)).json()["token"]
    headers = {"Authorization": f"Bearer {token}"}
    assert (await api.client.post(f"{API}/tasks/claim", json={}, headers=headers)).status_code
    bad = {"Authorization": "Bearer forged-token-value-123"}
    assert (await api.client.get(f"{API}/me", headers=bad)).status_code == 401

    text = "\n".join(logged.lines)
    assert len(logged.lines) >= 7  # every request left its line
    for secret in (PASSWORD, "hunter2-is-short", "aaaaaaaaaaaa", "wrong-passphrase-77"):
        assert secret not in text
    for secret in (token, "forged-token-value-123"):
        assert secret not in text


def test_text_format_names_the_request(capsys: pytest.CaptureFixture[str]) -> None:
    config = logging_config("text")
    formatter = logging.Formatter(config["formatters"]["default"]["format"])
    record = logging.LogRecord("x", logging.INFO, "", 0, "hello", None, None)
    RequestContextFilter().filter(record)
    assert formatter.format(record).endswith("INFO x [-] hello")


def test_json_lines_carry_the_exception() -> None:
    try:
        raise ValueError("boom")
    except ValueError:
        record = logging.LogRecord("x", logging.ERROR, "", 0, "failed", None, None)
        record.exc_info = sys.exc_info()
    entry = json.loads(JsonFormatter().format(record))
    assert entry["message"] == "failed" and "ValueError: boom" in entry["exception"]
