"""Uploads the service must refuse: a 4xx problem that says why, and no job left behind.

This module runs the service with a 1000-byte upload limit, so the size check is cheap to reach.
After each refusal no job is stored (job 1 is not found, the jobs table is empty), and a valid
upload afterwards makes a job whose tasks are all the project has to offer.
"""

from __future__ import annotations

import codecs
from typing import Any

import httpx
import msgspec
import pytest
from sqlalchemy import func, select

from tasks_service.db import models as m
from tasks_service.settings import Settings
from tests.harness import API, Api, assert_problem

UPLOAD_LIMIT = 1000
TEXT = b"First paragraph.\n\nSecond paragraph.\n"
SPEC = {"title": "A job", "kind": "translate", "source_language": "en", "target_language": "fr"}
UTF16 = codecs.BOM_UTF16_LE + "Hello.\n".encode("utf-16-le")
BROKEN_PO = b'msgid "Hello"\nmsgstr "Bonjour\nmsgid\n'
LATIN1_PO = b"""msgid ""
msgstr ""
"Content-Type: text/plain; charset=ISO-8859-1\\n"

msgid "Hello"
msgstr ""
"""


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The conftest settings with a small upload limit, for this module's tests."""
    return msgspec.structs.replace(settings, upload_limit=UPLOAD_LIMIT)


def spec(**changes: Any) -> str:
    """A valid translate spec as JSON with ``changes`` applied; None leaves a field out."""
    fields = {**SPEC, **changes}
    return msgspec.json.encode({k: v for k, v in fields.items() if v is not None}).decode()


async def upload(
    api: Api, headers: dict[str, str], project_id: int, filename: str, content: bytes, spec: str
) -> httpx.Response:
    return await api.client.post(
        f"{API}/projects/{project_id}/jobs",
        files={"file": (filename, content, "application/octet-stream")},
        data={"spec": spec},
        headers=headers,
    )


async def assert_no_job_stored(api: Api, headers: dict[str, str]) -> None:
    assert (await api.client.get(f"{API}/jobs/1", headers=headers)).status_code == 404
    async with api.app.state.sessionmaker() as session:
        assert await session.scalar(select(func.count()).select_from(m.Job)) == 0


async def assert_next_upload_is_all_the_work(
    api: Api, owner: dict[str, str], project: int, volunteer: dict[str, str] | None = None
) -> None:
    """A valid upload now gets a job, and every task a volunteer can claim is one of its tasks."""
    job = await api.job_ready(owner, project, TEXT)
    assert (job["status"], job["tasks_total"]) == ("open", 2)
    volunteer = volunteer or await api.register("volunteer")
    for _ in range(2):
        claim = await api.claim(volunteer, project_id=project)
        assert claim.status_code == 200, claim.text
        assert claim.json()["task"]["job_id"] == job["id"]
    assert (await api.claim(volunteer, project_id=project)).status_code == 204


@pytest.mark.parametrize(
    ("size", "fragment"),
    [
        pytest.param(UPLOAD_LIMIT + 1, f"the limit is {UPLOAD_LIMIT}", id="over-upload-limit"),
        pytest.param(1_100_000, "Too Large", id="over-request-body-limit"),
    ],
)
async def test_upload_over_the_size_limit_is_413_and_stores_no_job(
    api: Api, size: int, fragment: str
) -> None:
    """A file over UPLOAD_LIMIT is refused with 413 before anything is stored."""
    owner = await api.register("owner")
    project = await api.project(owner)
    response = await upload(api, owner, project, "big.txt", b"a" * size, spec())
    assert_problem(response, 413, fragment)
    await assert_no_job_stored(api, owner)
    await assert_next_upload_is_all_the_work(api, owner, project)


@pytest.mark.parametrize(
    ("filename", "content", "status", "fragment"),
    [
        pytest.param("doc.txt", "café\n".encode("latin-1"), 422, "not valid UTF-8", id="not-utf8"),
        pytest.param("doc.txt", UTF16, 422, "the file is UTF-16", id="utf16"),
        pytest.param("doc.txt", b"hello\x00world\n", 422, "NUL byte", id="binary-txt"),
        pytest.param("doc.txt", b"", 422, "no text", id="empty-file"),
        pytest.param("app.po", BROKEN_PO, 422, "PO syntax error at line 3", id="broken-po"),
        pytest.param("app.po", LATIN1_PO, 422, "charset=ISO-8859-1", id="latin1-po"),
        pytest.param("doc.docx", TEXT, 415, "cannot tell the format", id="unknown-extension"),
    ],
)
async def test_unreadable_file_is_refused_with_its_reason_and_stores_no_job(
    api: Api, filename: str, content: bytes, status: int, fragment: str
) -> None:
    """A file the service cannot read is a 415/422 naming the problem, never a job."""
    owner = await api.register("owner")
    project = await api.project(owner)
    response = await upload(api, owner, project, filename, content, spec())
    assert_problem(response, status, fragment)
    await assert_no_job_stored(api, owner)
    await assert_next_upload_is_all_the_work(api, owner, project)


@pytest.mark.parametrize(
    ("spec_json", "status", "fragment"),
    [
        pytest.param(spec(format="docx"), 415, "unknown format 'docx'", id="unknown-format"),
        pytest.param(spec(kind="sing"), 422, "Invalid enum value 'sing'", id="unknown-kind"),
        pytest.param("{title: 'A job'", 422, "spec is not valid JSON", id="spec-not-json"),
        pytest.param(spec(colour="red"), 422, "unknown field `colour`", id="spec-unknown-field"),
        pytest.param(
            spec(target_language=None), 422, "needs target_language", id="no-target-language"
        ),
    ],
)
async def test_unusable_spec_is_refused_with_its_reason_and_stores_no_job(
    api: Api, spec_json: str, status: int, fragment: str
) -> None:
    """A spec the service cannot follow is a 415/422 naming the problem, never a job."""
    owner = await api.register("owner")
    project = await api.project(owner)
    response = await upload(api, owner, project, "doc.txt", TEXT, spec_json)
    assert_problem(response, status, fragment)
    await assert_no_job_stored(api, owner)
    await assert_next_upload_is_all_the_work(api, owner, project)


@pytest.mark.parametrize(
    ("visibility", "status", "fragment"),
    [("public", 403, "only an owner"), ("private", 404, "no project")],
)
async def test_upload_by_a_non_owner_is_refused_and_stores_no_job(
    api: Api, visibility: str, status: int, fragment: str
) -> None:
    """Only a project's owner adds jobs to it; a private project is not even shown to others."""
    owner = await api.register("owner")
    stranger = await api.register("stranger")
    project = await api.project(owner, visibility=visibility)
    response = await upload(api, stranger, project, "doc.txt", TEXT, spec())
    assert_problem(response, status, fragment)
    await assert_no_job_stored(api, owner)
    # Only members work on a private project: there the owner is the one who claims.
    claimer = stranger if visibility == "public" else owner
    await assert_next_upload_is_all_the_work(api, owner, project, claimer)
