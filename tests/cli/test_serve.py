"""``tasks-service serve --workers 2``: two API processes, and /metrics from either counts both."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import httpx

from tests.faults.deployment import scrape
from tests.faults.processes import COMMAND, Process, free_port, wait_healthy
from tests.harness import API, Api

CLAIMS = 'tasks_claims_total{outcome="leased"}'


async def test_two_api_processes_share_their_counters(tmp_path: Path) -> None:
    port = free_port()
    unset = ("REDIS_URL", "PROMETHEUS_MULTIPROC_DIR")
    env = {k: v for k, v in os.environ.items() if k not in unset}
    scratch = tmp_path / "tmp"  # where serve makes its metrics directory
    scratch.mkdir()
    env |= {"DATABASE_URL": f"sqlite:///{tmp_path / 'tasks.db'}", "TMPDIR": str(scratch)}
    command = [COMMAND, "serve", "--port", str(port), "--workers", "2", "--log-level", "warning"]
    server = Process("api", command, env)
    server.start()
    try:
        base = f"http://127.0.0.1:{port}"
        await wait_healthy(server, base)
        async with httpx.AsyncClient(base_url=base, timeout=30) as client:
            api = Api(client, None)
            owner = await api.register("owner")
            upload = await api.upload(owner, await api.project(owner), b"A.\n\nB.\n\nC.\n")
            job = upload.json()["id"]
            for _ in range(100):
                status = (await client.get(f"{API}/jobs/{job}", headers=owner)).json()["status"]
                if status == "open":
                    break
                await asyncio.sleep(0.1)
            claims = [await api.claim(owner, job_id=job) for _ in range(3)]
            assert [c.status_code for c in claims] == [200, 200, 200]
        # Both processes keep their samples in the one directory serve made ...
        (shared,) = scratch.iterdir()
        assert len({path.stem.rsplit("_", 1)[1] for path in shared.glob("counter_*.db")}) == 2
        # ... so a scrape, on whichever process it lands, counts the claims of both.
        for _ in range(6):
            async with httpx.AsyncClient(base_url=base, timeout=30) as fresh:
                samples = await scrape(fresh)
            assert samples[CLAIMS] == 3
            assert samples["tasks_queue_depth"] == 0
    finally:
        server.stop()
    assert list(scratch.iterdir()) == []  # serve removed the directory it made
