"""A small client for the HTTP API, so tests read as the steps a person takes."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import msgspec
from litestar import Litestar

from tasks_service.accounts import security
from tasks_service.db import models as m

API = "/api/v1"
PASSWORD = "correct horse battery staple"


class Api:
    def __init__(self, client: httpx.AsyncClient, app: Litestar) -> None:
        self.client = client
        self.app = app

    async def settle(self, within: float = 30.0) -> None:
        """Let background work finish (in-process runner or arq workers alike)."""
        await self.app.state.background.drain(within)

    async def register(
        self, username: str, languages: tuple[str, ...] = ("en", "fr")
    ) -> dict[str, str]:
        response = await self.client.post(
            f"{API}/accounts",
            json={"username": username, "password": PASSWORD, "languages": list(languages)},
        )
        assert response.status_code == 201, response.text
        token = await self.client.post(
            f"{API}/auth/tokens", json={"username": username, "password": PASSWORD}
        )
        assert token.status_code == 201, token.text
        return {"Authorization": f"Bearer {token.json()['token']}"}

    async def volunteers(
        self, count: int, languages: tuple[str, ...] = ("en", "fr"), prefix: str = "v"
    ) -> list[dict[str, str]]:
        """Many accounts at once, written straight to the database (Argon2 per account is slow)."""
        settings = self.app.state.settings
        password_hash = await security.hash_password(PASSWORD)
        headers = []
        async with self.app.state.sessionmaker.begin() as session:
            for n in range(count):
                account = m.Account(
                    username=f"{prefix}{n}", password_hash=password_hash, languages=list(languages)
                )
                session.add(account)
                await session.flush()
                token = security.new_token()
                session.add(
                    m.Token(
                        account_id=account.id,
                        token_hash=security.token_digest(token, settings.secret_key),
                        expires_at=m.utcnow() + timedelta(days=1),
                    )
                )
                headers.append({"Authorization": f"Bearer {token}"})
        return headers

    async def project(self, headers: dict[str, str], name: str = "Docs", **extra: Any) -> int:
        response = await self.client.post(
            f"{API}/projects", json={"name": name, **extra}, headers=headers
        )
        assert response.status_code == 201, response.text
        return int(response.json()["id"])

    async def upload(
        self,
        headers: dict[str, str],
        project_id: int,
        content: bytes,
        filename: str = "doc.txt",
        **spec: Any,
    ) -> Any:
        spec = {
            "title": "A job",
            "kind": "translate",
            "source_language": "en",
            "target_language": "fr",
            **spec,
        }
        return await self.client.post(
            f"{API}/projects/{project_id}/jobs",
            files={"file": (filename, content, "application/octet-stream")},
            data={"spec": msgspec.json.encode(spec).decode()},
            headers=headers,
        )

    async def job_ready(
        self,
        headers: dict[str, str],
        project_id: int,
        content: bytes,
        filename: str = "doc.txt",
        **spec: Any,
    ) -> dict[str, Any]:
        """Upload, wait for the split, and return the job as ``GET /jobs/{id}`` shows it."""
        response = await self.upload(headers, project_id, content, filename, **spec)
        assert response.status_code == 202, response.text
        await self.settle()
        job = await self.client.get(f"{API}/jobs/{response.json()['id']}", headers=headers)
        assert job.status_code == 200, job.text
        return dict(job.json())

    async def claim(self, headers: dict[str, str], **scope: Any) -> Any:
        return await self.client.post(f"{API}/tasks/claim", json=scope, headers=headers)

    async def submit(
        self, headers: dict[str, str], assignment_id: int, answer: Any, key: str | None = None
    ) -> Any:
        extra = {"Idempotency-Key": key} if key else {}
        return await self.client.post(
            f"{API}/assignments/{assignment_id}/submit",
            json={"answer": answer},
            headers={**headers, **extra},
        )

    async def review_all(
        self, headers: dict[str, str], job_id: int, verdict: str = "approve"
    ) -> int:
        """Approve (or reject) everything in review for ``job_id``; returns how many."""
        done = 0
        while True:
            response = await self.client.post(
                f"{API}/reviews/claim", json={"job_id": job_id}, headers=headers
            )
            if response.status_code == 204:
                return done
            assert response.status_code == 200, response.text
            body = response.json()
            payload: dict[str, Any] = {
                "submission_id": body["submissions"][0]["submission_id"],
                "verdict": verdict,
            }
            if verdict == "reject":
                payload["reason"] = "does not read well"
            verdict_response = await self.client.post(
                f"{API}/review-assignments/{body['review_assignment_id']}/verdict",
                json=payload,
                headers=headers,
            )
            assert verdict_response.status_code == 201, verdict_response.text
            done += 1


def assert_problem(response: httpx.Response, status: int, fragment: str) -> dict[str, Any]:
    """A problem-details answer with this status whose detail says ``fragment``."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["status"] == status
    assert fragment in body["detail"], body
    return dict(body)


async def leases(api: Api, headers: dict[str, str]) -> list[dict[str, Any]]:
    response = await api.client.get(f"{API}/me/assignments", headers=headers)
    assert response.status_code == 200, response.text
    return list(response.json())


async def submissions(api: Api, headers: dict[str, str]) -> list[dict[str, Any]]:
    response = await api.client.get(f"{API}/me/submissions", headers=headers)
    assert response.status_code == 200, response.text
    return list(response.json()["items"])
