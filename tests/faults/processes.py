"""Child processes of the fault tests: the service's commands and a redis-server of their own,
started, killed with SIGKILL and restarted by the test."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import IO

import httpx

ROOT = Path(__file__).resolve().parents[2]
COMMAND = str(Path(sys.executable).with_name("tasks-service"))
STARTUP_SECONDS = 60.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Process:
    """One child process in a session of its own (so its children die with it), logging to a
    temporary file that is shown when a test fails."""

    def __init__(self, name: str, command: list[str], env: dict[str, str]) -> None:
        self.name, self.command, self.env = name, command, env
        self.popen: subprocess.Popen[bytes] | None = None
        self.log: IO[bytes] = tempfile.TemporaryFile()  # noqa: SIM115 - lives as long as self

    def start(self) -> None:
        assert self.popen is None or self.popen.poll() is not None, f"{self.name} is running"
        self.popen = subprocess.Popen(  # noqa: S603 - our own command line
            self.command,
            env=self.env,
            cwd=ROOT,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    @property
    def running(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def signal(self, sig: int) -> None:
        assert self.popen is not None
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.popen.pid, sig)

    def kill(self) -> None:
        """SIGKILL, the whole process group: no shutdown handler runs."""
        if self.running:
            self.signal(signal.SIGKILL)
            assert self.popen is not None
            self.popen.wait(10)

    def stop(self) -> None:
        """SIGTERM, then SIGKILL if it does not leave within 10 seconds."""
        if not self.running:
            return
        assert self.popen is not None
        self.signal(signal.SIGTERM)
        try:
            self.popen.wait(10)
        except subprocess.TimeoutExpired:
            self.kill()

    def tail(self, size: int = 6000) -> str:
        self.log.seek(0)
        return self.log.read().decode(errors="replace")[-size:]


class RedisServer(Process):
    """A redis-server of the test's own on a free port: flushing or stopping it is harmless."""

    def __init__(self) -> None:
        self.port = free_port()
        command = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1"]
        command += ["--save", "", "--appendonly", "no", "--daemonize", "no"]
        super().__init__("redis", command, dict(os.environ))
        self.url = f"redis://127.0.0.1:{self.port}/0"

    async def started(self) -> None:
        self.start()
        await self.command_ok("PING")

    async def command_ok(self, *command: str) -> None:
        deadline = time.monotonic() + 10
        while True:
            try:
                reader, writer = await asyncio.open_connection("127.0.0.1", self.port)
            except OSError:
                if time.monotonic() > deadline:
                    raise
                await asyncio.sleep(0.05)
                continue
            # RESP: an array of bulk strings.
            frame = f"*{len(command)}\r\n" + "".join(f"${len(c)}\r\n{c}\r\n" for c in command)
            writer.write(frame.encode())
            await writer.drain()
            reply = await reader.readline()
            writer.close()
            assert reply.startswith((b"+OK", b"+PONG")), reply
            return

    async def flushall(self) -> None:
        await self.command_ok("FLUSHALL")

    async def restart(self) -> None:
        """Stop and start again: an empty Redis on the same port."""
        self.kill()
        await self.started()


async def wait_healthy(process: Process, base: str) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    async with httpx.AsyncClient(base_url=base, timeout=2) as client:
        while time.monotonic() < deadline:
            if not process.running:
                raise RuntimeError(f"{process.name} exited:\n{process.tail()}")
            with contextlib.suppress(httpx.HTTPError):
                if (await client.get("/health")).status_code == 200:
                    return
            await asyncio.sleep(0.1)
    raise TimeoutError(f"{process.name} not healthy after {STARTUP_SECONDS} s:\n{process.tail()}")
