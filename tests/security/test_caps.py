"""Caps that keep one caller from taking the service's time: page sizes, tasks per job.

(Upload size is covered in tests/e2e/test_bad_uploads.py, open leases across projects in
tests/queue/test_leases.py.)
"""

from __future__ import annotations

import msgspec
import pytest

from tasks_service.app import create_app
from tasks_service.pagination import MAX_PAGE
from tasks_service.settings import Settings
from tests.harness import API, Api, assert_problem


def paginated_paths() -> list[str]:
    """Every GET route taking a ``limit``, relative to the API."""
    paths = []
    for route in create_app(Settings()).routes:
        for handler in getattr(route, "route_handlers", []):
            if "GET" in handler.http_methods and "limit" in handler.parsed_fn_signature.parameters:
                paths.append(route.path_format.removeprefix(API))
    return sorted(paths)


def test_the_list_endpoints_are_all_found() -> None:
    assert paginated_paths() == [
        "/jobs/{job_id}/audit",
        "/jobs/{job_id}/tasks",
        "/leaderboard",
        "/me/assignments",
        "/me/submissions",
        "/me/work",
        "/projects",
    ]


@pytest.mark.parametrize("path", paginated_paths())
async def test_a_page_above_the_cap_is_422_saying_the_cap(api: Api, path: str) -> None:
    (caller,) = await api.volunteers(1)
    job = await api.job_ready(caller, await api.project(caller), b"Hello.\n")
    url = API + path.replace("{job_id}", str(job["id"]))
    refused = await api.client.get(url, params={"limit": MAX_PAGE + 1}, headers=caller)
    assert_problem(refused, 422, "limit")
    assert f"<= {MAX_PAGE}" in refused.json()["detail"]
    for limit in (0, -1):
        response = await api.client.get(url, params={"limit": limit}, headers=caller)
        assert_problem(response, 422, "limit")
    full = await api.client.get(url, params={"limit": MAX_PAGE}, headers=caller)
    assert full.status_code == 200, full.text


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return msgspec.structs.replace(settings, max_tasks_per_job=3)


async def test_a_job_over_the_task_cap_fails_with_the_reason(api: Api) -> None:
    """MAX_TASKS_PER_JOB: a file with more units fails and leaves no task to claim."""
    (owner,) = await api.volunteers(1)
    project = await api.project(owner)
    doc = b"\n\n".join(f"Paragraph {n}.".encode() for n in range(4)) + b"\n"
    job = await api.job_ready(owner, project, doc)
    assert job["status"] == "failed"
    assert "more than 3 units" in job["error"]
    assert job["tasks_total"] == 0
    assert (await api.claim(owner)).status_code == 204
    fits = await api.job_ready(owner, project, b"One.\n\nTwo.\n\nThree.\n")
    assert (fits["status"], fits["tasks_total"]) == ("open", 3)
