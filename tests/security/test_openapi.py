"""The schema documents the error answers clients must handle (the fuzz test holds the app to
it; this checks that the important ones are there at all)."""

from __future__ import annotations

from typing import Any

import pytest

from tasks_service.app import create_app
from tasks_service.jobs.formats import REGISTRY
from tasks_service.settings import Settings

PROBLEM_JSON = "application/problem+json"


@pytest.fixture(scope="module")
def paths() -> dict[str, Any]:
    return dict(create_app(Settings()).openapi_schema.to_schema()["paths"])


def responses(paths: dict[str, Any], method: str, path: str) -> dict[str, Any]:
    return dict(paths[f"/api/v1{path}"][method]["responses"])


def test_rate_limited_operations_document_429_with_retry_after(paths: dict[str, Any]) -> None:
    for method, path in [
        ("post", "/tasks/claim"),
        ("post", "/assignments/{assignment_id}/submit"),
        ("post", "/auth/tokens"),
        ("post", "/accounts"),
    ]:
        limited = responses(paths, method, path)["429"]
        assert PROBLEM_JSON in limited["content"]
        assert limited["headers"]["Retry-After"]["required"] is True
    assert "429" not in responses(paths, "get", "/me")


def test_errors_are_problem_documents_and_follow_from_the_operation(
    paths: dict[str, Any],
) -> None:
    submit = responses(paths, "post", "/assignments/{assignment_id}/submit")
    assert {"401", "403", "404", "409", "422", "503"} <= set(submit)
    assert all(PROBLEM_JSON in submit[code]["content"] for code in ("401", "404", "422"))
    assert "401" not in responses(paths, "get", "/levels")
    assert "404" not in responses(paths, "get", "/projects")
    claim = responses(paths, "post", "/tasks/claim")
    assert "204" in claim and "409" in claim


def test_results_document_every_format_s_media_type(paths: dict[str, Any]) -> None:
    result = responses(paths, "get", "/jobs/{job_id}/result")["200"]["content"]
    assert set(result) == {fmt.media_type for fmt in REGISTRY.values()}
