"""Property-level authorisation: no input takes a field the caller may not set.

Every request struct forbids unknown fields, so level, credit, roles, owners, admin rights,
accuracy or a status in a body are refused with 422 naming the field, and nothing is done.
"""

from __future__ import annotations

from typing import Any

import msgspec
import pytest

from tasks_service.app import create_app
from tasks_service.jobs.schemas import JobSpec
from tasks_service.settings import Settings
from tests.harness import API, PASSWORD, Api, assert_problem

PRIVILEGED = [
    "level",
    "credit",
    "role",
    "roles",
    "owner",
    "owner_id",
    "is_admin",
    "accuracy",
    "status",
]
SPEC = {"title": "t", "kind": "translate", "source_language": "en", "target_language": "fr"}
# (method, path, a valid body): each gets each privileged field added.
INPUTS = {
    "register": ("POST", "/accounts", {"username": "newbie", "password": PASSWORD}),
    "token": ("POST", "/auth/tokens", {"username": "v0", "password": PASSWORD}),
    "profile": ("PATCH", "/me", {"languages": ["de"]}),
    "project": ("POST", "/projects", {"name": "Mine"}),
    "job spec": ("POST", "/projects/{project}/jobs", SPEC),
    "job form": ("POST", "/projects/{project}/jobs", {}),
    "claim": ("POST", "/tasks/claim", {}),
    "submit": ("POST", "/assignments/1/submit", {"answer": "Bonjour."}),
    "review claim": ("POST", "/reviews/claim", {}),
    "verdict": (
        "POST",
        "/review-assignments/1/verdict",
        {"submission_id": 1, "verdict": "approve"},
    ),
}


def input_structs() -> dict[str, type[msgspec.Struct]]:
    """Every msgspec struct a route parses its body into, and the job spec from the upload."""
    found: dict[str, type[msgspec.Struct]] = {"JobSpec": JobSpec}
    for route in create_app(Settings()).routes:
        for handler in getattr(route, "route_handlers", []):
            data = handler.parsed_fn_signature.parameters.get("data")
            if data is None:
                continue
            types = data.inner_types if data.is_optional else (data,)
            for field in types:
                if isinstance(field.annotation, type) and issubclass(
                    field.annotation, msgspec.Struct
                ):
                    found[field.annotation.__name__] = field.annotation
    return found


@pytest.mark.parametrize("struct", sorted(input_structs().items()), ids=lambda item: item[0])
def test_every_input_struct_forbids_unknown_fields(
    struct: tuple[str, type[msgspec.Struct]],
) -> None:
    _, cls = struct
    assert cls.__struct_config__.forbid_unknown_fields
    assert not set(PRIVILEGED) & set(cls.__struct_fields__)


@pytest.mark.parametrize("name", sorted(INPUTS))
async def test_a_privileged_field_is_422_naming_it(api: Api, name: str) -> None:
    (caller,) = await api.volunteers(1)
    project = await api.project(caller)
    method, path, body = INPUTS[name]
    url = API + path.replace("{project}", str(project))
    for field in PRIVILEGED:
        value: Any = {"level": 4, "credit": 10**6, "is_admin": True, "accuracy": 1.0}.get(
            field, "admin"
        )
        sent = {**body, field: value}
        if name.startswith("job"):  # the spec's JSON, or the multipart form around it
            files = {"file": ("doc.txt", b"Hello.\n")}
            form = {field: str(value)} if name == "job form" else {}
            data = {"spec": msgspec.json.encode(sent if name == "job spec" else SPEC).decode()}
            response = await api.client.post(url, files=files, data=data | form, headers=caller)
        else:
            response = await api.client.request(method, url, json=sent, headers=caller)
        assert_problem(response, 422, f"unknown field `{field}`")

    me = (await api.client.get(f"{API}/me", headers=caller)).json()
    assert (me["level"], me["credit"], me["is_admin"], me["languages"]) == (
        0,
        0,
        False,
        ["en", "fr"],
    )
    assert (await api.client.get(f"{API}/jobs/1", headers=caller)).status_code == 404
    login = {"username": "newbie", "password": PASSWORD}
    assert (await api.client.post(f"{API}/auth/tokens", json=login)).status_code == 401
