"""Object-level authorisation: every route that takes an id, called by an intruder with ids
belonging to others, answers 403 or 404 and changes nothing.

The matrix below lists every such route of the app; a route with an id that is neither in the
matrix nor named public by design fails ``test_every_route_with_an_id_is_covered``, so a new
route cannot slip past without someone deciding who may use it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from litestar import Litestar
from litestar.routes import HTTPRoute
from sqlalchemy import select

from tasks_service.app import create_app
from tasks_service.db import models as m
from tasks_service.settings import Settings
from tests.harness import API, Api

TEXT = b"First paragraph.\n\nSecond paragraph.\n"
SPEC = '{"title": "x", "kind": "translate", "source_language": "en", "target_language": "fr"}'


@dataclass(frozen=True)
class Probe:
    """How to call one route: which of the victims' objects go into its path (each is tried),
    and the body to send."""

    objects: tuple[str, ...]
    json: dict[str, Any] | None = None
    upload: bool = False


# Jobs of public projects may be read by anyone signed in (DESIGN.md, projects.visible_to):
# reads are probed with private jobs, owner-only actions with public ones as well.
MATRIX: dict[tuple[str, str], Probe] = {
    ("GET", "/projects/{project_id}"): Probe(("private_project",)),
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
}
PUBLIC_BY_DESIGN = {
    ("GET", "/contributors/{username}"): "public profiles (API.md, credit and levels)",
    ("GET", "/schema/{path}"): "the API docs' static files; no object behind the name",
}


def routes_with_ids(app: Litestar) -> set[tuple[str, str]]:
    """(method, path relative to the API) of every route whose path takes a parameter."""
    found = set()
    for route in app.routes:
        if isinstance(route, HTTPRoute) and route.path_parameters:
            path = route.path_format.removeprefix(API)
            found |= {(method, path) for method in route.methods - {"OPTIONS", "HEAD"}}
    return found


def test_every_route_with_an_id_is_covered() -> None:
    """New routes with an id must be added to MATRIX (or, if public, PUBLIC_BY_DESIGN)."""
    routes = routes_with_ids(create_app(Settings()))
    covered = set(MATRIX) | set(PUBLIC_BY_DESIGN)
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

    mine = (await api.claim(owner, job_id=private_job["id"])).json()
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
        "tasks": select(m.Task.id, m.Task.state),
        "assignments": select(m.Assignment.id, m.Assignment.state, m.Assignment.expires_at),
        "submissions": select(m.Submission.id, m.Submission.status, m.Submission.answer),
        "review_assignments": select(m.ReviewAssignment.id, m.ReviewAssignment.state),
        "reviews": select(m.Review.id),
        "tokens": select(m.Token.id, m.Token.revoked_at),
    }
    async with api.app.state.sessionmaker() as session:
        return {
            name: sorted(tuple(row) for row in await session.execute(stmt.order_by(None)))
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


def probes(world: World) -> list[tuple[str, str, dict[str, Any]]]:
    """(method, url, request options) for every matrix entry and object, then the body ids."""
    calls = []
    for (method, path), probe in sorted(MATRIX.items()):
        for name in probe.objects:
            placeholder = path[path.index("{") : path.index("}") + 1]
            url = API + path.replace(placeholder, str(world.ids[name]))
            options: dict[str, Any] = {}
            if probe.json is not None:
                options["json"] = {k: resolve(v, world.ids) for k, v in probe.json.items()}
            if probe.upload:
                options |= {"files": {"file": ("x.txt", b"Hi.\n")}, "data": {"spec": SPEC}}
            calls.append((method, url, options))
    for path, body in BODY_PROBES:
        payload = {k: resolve(v, world.ids) for k, v in body.items()}
        calls.append(("POST", API + path, {"json": payload}))
    return calls


async def test_someone_elses_id_is_403_or_404_and_changes_nothing(api: Api) -> None:
    """Every probe against one world (all leaks reported together); then the same ids work
    for the people they belong to, so the probes addressed real objects."""
    world = await build_world(api)
    leaks = []
    for method, url, options in probes(world):
        before = await snapshot(api)
        response = await api.client.request(method, url, headers=world.intruder, **options)
        await api.settle()
        where = f"{method} {url} {options.get('json', '')}"
        if response.status_code not in (403, 404):
            leaks.append(f"{where}: {response.status_code} {response.text}")
        elif not response.headers["content-type"].startswith("application/problem+json"):
            leaks.append(f"{where}: not a problem document")
        elif await snapshot(api) != before:
            leaks.append(f"{where}: refused, but something changed")
    assert leaks == []

    ids = world.ids
    for url in (f"/projects/{ids['private_project']}", f"/jobs/{ids['private_job']}/export"):
        assert (await api.client.get(API + url, headers=world.owner)).status_code == 200
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


async def test_revoking_a_token_revokes_only_the_callers(api: Api) -> None:
    """DELETE /auth/tokens/current names no id: it can only ever end the caller's token."""
    owner, intruder = await api.volunteers(2)
    revoked = await api.client.delete(f"{API}/auth/tokens/current", headers=intruder)
    assert revoked.status_code == 204
    assert (await api.client.get(f"{API}/me", headers=owner)).status_code == 200
    assert (await api.client.get(f"{API}/me", headers=intruder)).status_code == 401
