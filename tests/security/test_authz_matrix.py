"""Object-level authorisation: every route that takes an id, called by an intruder with ids
belonging to others, answers 403 or 404 and changes nothing.

The matrices below list every such route of the app: the API's (bearer token) and the web
pages' (session cookie and CSRF token), which share paths such as ``/jobs/{job_id}`` and so
are keyed apart (``web:``). A route with an id that is in neither matrix nor named public by
design fails ``test_every_route_with_an_id_is_covered``, so a new route cannot slip past
without someone deciding who may use it.
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx
from litestar import Litestar
from litestar.routes import HTTPRoute
from sqlalchemy import select, update

from tasks_service.app import create_app
from tasks_service.credit.ladder import CO_CREATOR_LEVEL
from tasks_service.db import models as m
from tasks_service.settings import Settings
from tasks_service.web.errors import API_PATHS, CSRF_HELP
from tests.harness import API, PASSWORD, Api

TEXT = b"First paragraph.\n\nSecond paragraph.\n"
SPEC_FIELDS = {"title": "x", "kind": "translate", "source_language": "en", "target_language": "fr"}
SPEC = json.dumps(SPEC_FIELDS)
WEB = "web:"
CSRF_TOKEN = re.compile(r'<meta name="csrf-token" content="([0-9a-f]+)">')


@dataclass(frozen=True)
class Probe:
    """How to call one route: which of the victims' objects go into its id (each is tried),
    fixed values of its other path parameters, and the body to send (JSON for the API, a
    form for the web pages)."""

    objects: tuple[str, ...]
    json: dict[str, Any] | None = None
    form: dict[str, Any] | None = None
    upload: bool = False
    path: dict[str, str] = field(default_factory=dict)


# Jobs of public projects may be read by anyone signed in (DESIGN.md, projects.visible_to):
# reads are probed with private jobs, owner-only actions with public ones as well.
MATRIX: dict[tuple[str, str], Probe] = {
    ("GET", "/projects/{project_id}"): Probe(("private_project",)),
    ("GET", "/projects/{project_id}/reviewers"): Probe(("private_project", "public_project")),
    ("POST", "/projects/{project_id}/reviewers"): Probe(
        ("private_project", "public_project"), json={"username": "v2"}
    ),
    ("DELETE", "/projects/{project_id}/reviewers/{username}"): Probe(
        ("private_project", "public_project"), path={"username": "v1"}
    ),
    ("POST", "/projects/{project_id}/jobs"): Probe(
        ("private_project", "public_project"), upload=True
    ),
    ("GET", "/jobs/{job_id}"): Probe(("private_job",)),
    ("GET", "/jobs/{job_id}/tasks"): Probe(("private_job",)),
    ("GET", "/jobs/{job_id}/result"): Probe(("private_job",)),
    ("GET", "/jobs/{job_id}/credits"): Probe(("private_job",)),
    ("GET", "/jobs/{job_id}/credits.txt"): Probe(("private_job",)),
    ("GET", "/jobs/{job_id}/export"): Probe(("private_job", "public_job")),
    ("POST", "/jobs/{job_id}/cancel"): Probe(("private_job", "public_job")),
    ("POST", "/assignments/{assignment_id}/submit"): Probe(
        ("assignment",), json={"answer": "Premier paragraphe."}
    ),
    ("POST", "/assignments/{assignment_id}/release"): Probe(("assignment",)),
    ("POST", "/assignments/{assignment_id}/extend"): Probe(("assignment",)),
    ("POST", "/review-assignments/{lease_id}/verdict"): Probe(
        ("review_assignment",), json={"submission_id": "submission", "verdict": "approve"}
    ),
    ("POST", "/review-assignments/{lease_id}/release"): Probe(("review_assignment",)),
    # Owners (and admins) override; the public job's task is visible, so that one is a 403.
    ("POST", "/tasks/{task_id}/override"): Probe(
        ("private_task", "public_task"), json={"reason": "mine now", "answer": "Le mien."}
    ),
    # A plain volunteer may correct nothing; a co-creator is probed after the matrix.
    ("POST", "/tasks/{task_id}/corrections"): Probe(
        ("private_task", "public_task"), json={"text": "Le mien.", "reason": "mine now"}
    ),
    ("GET", "/jobs/{job_id}/audit"): Probe(("private_job", "public_job")),
}
# The same objects through the pages, as a signed-in intruder with a valid CSRF token.
WEB_MATRIX: dict[tuple[str, str], Probe | tuple[Probe, ...]] = {
    ("GET", "web:/projects/{project_id}"): Probe(("private_project",)),
    ("GET", "web:/projects/{project_id}/reviewers"): Probe(("private_project", "public_project")),
    ("POST", "web:/projects/{project_id}/reviewers"): Probe(
        ("private_project", "public_project"), form={"username": "v2"}
    ),
    ("POST", "web:/projects/{project_id}/reviewers/{username}/remove"): Probe(
        ("private_project", "public_project"), path={"username": "v1"}
    ),
    ("POST", "web:/projects/{project_id}/jobs"): Probe(
        ("private_project", "public_project"), form=SPEC_FIELDS, upload=True
    ),
    ("GET", "web:/jobs/{job_id}"): Probe(("private_job",)),
    ("GET", "web:/jobs/{job_id}/status"): Probe(("private_job",)),
    ("GET", "web:/jobs/{job_id}/download/{what}"): (
        Probe(("private_job", "public_job"), path={"what": "export"}),
        *(Probe(("private_job",), path={"what": w}) for w in ("result", "partial", "credits")),
    ),
    ("POST", "web:/jobs/{job_id}/cancel"): Probe(("private_job", "public_job")),
    ("GET", "web:/tasks/{assignment_id}"): Probe(("assignment",)),
    ("POST", "web:/tasks/{assignment_id}/submit"): Probe(
        ("assignment",), form={"answer": "Premier paragraphe.", "submit_key": "k1"}
    ),
    ("POST", "web:/tasks/{assignment_id}/skip"): Probe(("assignment",)),
    ("POST", "web:/tasks/{assignment_id}/extend"): Probe(("assignment",)),
    ("GET", "web:/review/{lease_id}"): Probe(("review_assignment",)),
    ("POST", "web:/review/{lease_id}/verdict"): Probe(
        ("review_assignment",), form={"submission_id": "submission", "verdict": "approve"}
    ),
    ("POST", "web:/review/{lease_id}/release"): Probe(("review_assignment",)),
}
PUBLIC_BY_DESIGN = {
    ("GET", "/contributors/{username}"): "public profiles (API.md, credit and levels)",
    ("GET", "/schema/{path}"): "the API docs' static files; no object behind the name",
    ("GET", "web:/contributors/{username}"): "the public profile page",
    ("GET", "web:/static/{file_path}"): "the pages' static files; no object behind the name",
}


def routes_with_ids(app: Litestar) -> set[tuple[str, str]]:
    """(method, path) of every route whose path takes a parameter: relative to the API for
    the API's routes, ``web:`` and the path for the pages (the same paths may be both)."""
    found = set()
    for route in app.routes:
        if isinstance(route, HTTPRoute) and route.path_parameters:
            path = route.path_format
            path = path.removeprefix(API) if path.startswith(API_PATHS) else WEB + path
            found |= {(method, path) for method in route.methods - {"OPTIONS", "HEAD"}}
    return found


def test_every_route_with_an_id_is_covered() -> None:
    """New routes with an id must be added to a matrix (or, if public, PUBLIC_BY_DESIGN)."""
    routes = routes_with_ids(create_app(Settings()))
    covered = set(MATRIX) | set(WEB_MATRIX) | set(PUBLIC_BY_DESIGN)
    assert routes - covered == set(), "routes with an id that the matrix does not probe"
    assert covered - routes == set(), "matrix entries for routes that no longer exist"


@dataclass
class World:
    """An owner's private and public project, each with a job; in the private one the owner's
    answer waits for review, held by the project's reviewer, who also holds a lease. The
    intruder is a plain volunteer who owns a project of their own (so may review there)."""

    owner: dict[str, str]
    reviewer: dict[str, str]
    intruder: dict[str, str]
    ids: dict[str, int] = field(default_factory=dict)


async def build_world(api: Api) -> World:
    owner, reviewer, intruder = await api.volunteers(3)
    world = World(owner, reviewer, intruder)
    await api.project(intruder, name="Intruder's own")
    world.ids["private_project"] = await api.project(owner, name="Secret", visibility="private")
    world.ids["public_project"] = await api.project(owner, name="Open")
    async with api.app.state.sessionmaker.begin() as session:
        reviewer_id = await session.scalar(select(m.Account.id).where(m.Account.username == "v1"))
        session.add(
            m.ProjectMember(
                project_id=world.ids["private_project"],
                account_id=reviewer_id,
                role=m.MemberRole.REVIEWER,
            )
        )
    private_job = await api.job_ready(owner, world.ids["private_project"], TEXT)
    public_job = await api.job_ready(owner, world.ids["public_project"], TEXT)
    world.ids |= {"private_job": private_job["id"], "public_job": public_job["id"]}
    async with api.app.state.sessionmaker() as session:
        world.ids["public_task"] = await session.scalar(
            select(m.Task.id).where(m.Task.job_id == public_job["id"]).limit(1)
        )

    mine = (await api.claim(owner, job_id=private_job["id"])).json()
    world.ids["private_task"] = mine["task"]["id"]
    submitted = await api.submit(owner, mine["assignment_id"], "Premier paragraphe.")
    assert submitted.status_code == 201, submitted.text
    world.ids["submission"] = submitted.json()["submission_id"]
    review = await api.client.post(
        f"{API}/reviews/claim", json={"job_id": private_job["id"]}, headers=reviewer
    )
    assert review.status_code == 200, review.text
    world.ids["review_assignment"] = review.json()["review_assignment_id"]
    lease = await api.claim(reviewer, job_id=private_job["id"])
    assert lease.status_code == 200, lease.text
    world.ids["assignment"] = lease.json()["assignment_id"]
    return world


async def snapshot(api: Api) -> dict[str, list[tuple[Any, ...]]]:
    """Every row an intruder could try to change, as plain tuples."""
    tables = {
        "projects": select(m.Project.id, m.Project.name, m.Project.visibility),
        "jobs": select(m.Job.id, m.Job.status, m.Job.project_id),
        "tasks": select(m.Task.id, m.Task.state, m.Task.accepted_answer),
        "assignments": select(m.Assignment.id, m.Assignment.state, m.Assignment.expires_at),
        "submissions": select(m.Submission.id, m.Submission.status, m.Submission.answer),
        "review_assignments": select(m.ReviewAssignment.id, m.ReviewAssignment.state),
        "reviews": select(m.Review.id),
        "audit": select(m.AuditEntry.id),
        "members": select(
            m.ProjectMember.project_id, m.ProjectMember.account_id, m.ProjectMember.role
        ),
        "credit": select(m.CreditEntry.id),
        "tokens": select(m.Token.id, m.Token.revoked_at),
    }
    async with api.app.state.sessionmaker() as session:
        return {
            name: sorted(
                tuple(json.dumps(v) if isinstance(v, list | dict) else v for v in row)
                for row in await session.execute(stmt.order_by(None))
            )
            for name, stmt in tables.items()
        }


def resolve(value: Any, ids: dict[str, int]) -> Any:
    return ids.get(value, value) if isinstance(value, str) else value


# Ids that scope a claim are checked like ids in paths.
BODY_PROBES = [
    ("/tasks/claim", {"job_id": "private_job"}),
    ("/tasks/claim", {"project_id": "private_project"}),
    ("/reviews/claim", {"job_id": "private_job"}),
    ("/reviews/claim", {"job_id": "public_job"}),
]


def probes(
    world: World, matrix: dict[tuple[str, str], Probe | tuple[Probe, ...]]
) -> list[tuple[str, str, dict[str, Any]]]:
    """(method, url, request options) for every matrix entry, object and fixed path value."""
    calls = []
    for (method, path), entry in sorted(matrix.items()):
        for probe in entry if isinstance(entry, tuple) else (entry,):
            for name in probe.objects:
                placeholder = path[path.index("{") : path.index("}") + 1]
                url = path.replace(placeholder, str(world.ids[name]))
                for param, value in probe.path.items():
                    url = url.replace(f"{{{param}}}", value)
                url = url.removeprefix(WEB) if url.startswith(WEB) else API + url
                options: dict[str, Any] = {}
                if probe.json is not None:
                    options["json"] = {k: resolve(v, world.ids) for k, v in probe.json.items()}
                if probe.form is not None:
                    options["data"] = {k: resolve(v, world.ids) for k, v in probe.form.items()}
                if probe.upload:
                    options["files"] = {"file": ("x.txt", b"Hi.\n")}
                    options.setdefault("data", {"spec": SPEC})
                calls.append((method, url, options))
    return calls


def body_probes(world: World) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        ("POST", API + path, {"json": {k: resolve(v, world.ids) for k, v in body.items()}})
        for path, body in BODY_PROBES
    ]


async def refusals(
    api: Api,
    client: httpx.AsyncClient,
    headers: dict[str, str],
    calls: list[tuple[str, str, dict[str, Any]]],
    media_type: str,
) -> list[str]:
    """Each call made in turn; what was not a 403 or 404 of ``media_type`` leaving every row
    as it was."""
    leaks = []
    for method, url, options in calls:
        before = await snapshot(api)
        response = await client.request(method, url, headers=headers, **options)
        await api.settle()
        where = f"{method} {url} {options.get('json', options.get('data', ''))}"
        if response.status_code not in (403, 404):
            leaks.append(f"{where}: {response.status_code} {response.text[:300]}")
        elif not response.headers["content-type"].startswith(media_type):
            leaks.append(f"{where}: not a {media_type} answer")
        elif CSRF_HELP in response.text:
            leaks.append(f"{where}: refused for its CSRF token, not for the object")
        elif await snapshot(api) != before:
            leaks.append(f"{where}: refused, but something changed")
    return leaks


@asynccontextmanager
async def signed_in_pages(api: Api, username: str) -> AsyncIterator[tuple[httpx.AsyncClient, str]]:
    """A cookie jar signed in through the sign-in page, and the CSRF token of its session."""
    transport = httpx.ASGITransport(app=api.app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        yield client, await _sign_in(client, username)


async def _sign_in(client: httpx.AsyncClient, username: str) -> str:
    form = await client.get("/signin")
    token = CSRF_TOKEN.search(form.text)
    assert token is not None, form.text
    signed = await client.post(
        "/signin",
        data={"username": username, "password": PASSWORD},
        headers={"x-csrf-token": token.group(1)},
    )
    assert signed.status_code == 303, signed.text
    assert client.cookies.get("ts_session")
    home = await client.get("/")
    token = CSRF_TOKEN.search(home.text)
    assert token is not None and "Sign out" in home.text, home.text
    return token.group(1)


async def test_someone_elses_id_is_403_or_404_and_changes_nothing(api: Api) -> None:
    """Every probe against one world (all leaks reported together); then the same ids work
    for the people they belong to, so the probes addressed real objects."""
    world = await build_world(api)
    problem = "application/problem+json"
    calls = probes(world, MATRIX) + body_probes(world)
    leaks = await refusals(api, api.client, world.intruder, calls, problem)

    # The pages, signed in as the intruder: a valid session and CSRF token, others' ids.
    async with signed_in_pages(api, "v2") as (page_client, csrf):
        web_calls = probes(world, WEB_MATRIX)
        leaks += await refusals(api, page_client, {"x-csrf-token": csrf}, web_calls, "text/html")

    # Corrections are for co-creators: one who cannot see the private job gets a 404 there.
    async with api.app.state.sessionmaker.begin() as session:
        await session.execute(
            update(m.Account).where(m.Account.username == "v2").values(level=CO_CREATOR_LEVEL)
        )
    correction = [c for c in probes(world, MATRIX) if c[1].endswith("/corrections")][:1]
    assert str(world.ids["private_task"]) in correction[0][1]
    leaks += await refusals(api, api.client, world.intruder, correction, problem)
    assert leaks == []

    ids = world.ids
    for url in (f"/projects/{ids['private_project']}", f"/jobs/{ids['private_job']}/export"):
        assert (await api.client.get(API + url, headers=world.owner)).status_code == 200
    audit = await api.client.get(f"{API}/jobs/{ids['public_job']}/audit", headers=world.owner)
    assert audit.status_code == 200, audit.text
    extend = f"{API}/assignments/{ids['assignment']}/extend"
    assert (await api.client.post(extend, headers=world.reviewer)).status_code == 200
    verdict = {"submission_id": ids["submission"], "verdict": "approve"}
    url = f"{API}/review-assignments/{ids['review_assignment']}/verdict"
    assert (await api.client.post(url, json=verdict, headers=world.reviewer)).status_code == 201

    # The owner's accepted answer in the private job counts on the public profile, but the
    # job is not named there.
    await api.settle()
    profile = await api.client.get(f"{API}/contributors/v0", headers=world.intruder)
    assert profile.status_code == 200, profile.text
    assert profile.json()["accepted"] == 1
    assert ids["private_job"] not in profile.json()["jobs"]

    override = {"reason": "the owner's call", "answer": "Le mien."}
    url = f"{API}/tasks/{ids['public_task']}/override"
    assert (await api.client.post(url, json=override, headers=world.owner)).status_code == 201


async def test_the_web_probes_reach_real_objects(api: Api) -> None:
    """The ids the web matrix uses open the pages for the people they belong to."""
    world = await build_world(api)
    ids = world.ids
    async with signed_in_pages(api, "v0") as (owner_client, _):
        for path in (
            f"/projects/{ids['private_project']}",
            f"/jobs/{ids['private_job']}",
            f"/jobs/{ids['private_job']}/status",
            f"/jobs/{ids['private_job']}/download/export",
        ):
            assert (await owner_client.get(path)).status_code == 200, path
    async with signed_in_pages(api, "v1") as (reviewer_client, _):
        for path in (f"/tasks/{ids['assignment']}", f"/review/{ids['review_assignment']}"):
            assert (await reviewer_client.get(path)).status_code == 200, path


async def test_revoking_a_token_revokes_only_the_callers(api: Api) -> None:
    """DELETE /auth/tokens/current names no id: it can only ever end the caller's token."""
    owner, intruder = await api.volunteers(2)
    revoked = await api.client.delete(f"{API}/auth/tokens/current", headers=intruder)
    assert revoked.status_code == 204
    assert (await api.client.get(f"{API}/me", headers=owner)).status_code == 200
    assert (await api.client.get(f"{API}/me", headers=intruder)).status_code == 401
