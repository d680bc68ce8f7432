"""Child processes of the round-trip test: started in their own session with output to a log file,
found ready by a line in that log, and always stopped (SIGINT/SIGTERM, then SIGKILL of the
process group) by ``Processes.stop_all`` -- also when the test fails or is interrupted."""
from __future__ import annotations

import asyncio
import os
import re
import signal
import socket
import subprocess
import time
from pathlib import Path


class Proc:
    def __init__(self, name: str, cmd: list[str], log: Path, cwd: Path | None = None,
                 env: dict[str, str] | None = None, stop_signal: int = signal.SIGTERM) -> None:
        self.name = name
        self.cmd = cmd
        self.log = log
        self.stop_signal = stop_signal
        self._log_file = log.open("wb")
        self.popen = subprocess.Popen(cmd, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=self._log_file,
                                      stderr=subprocess.STDOUT, start_new_session=True)

    @property
    def pid(self) -> int:
        return self.popen.pid

    def returncode(self) -> int | None:
        return self.popen.poll()

    def output(self) -> str:
        try:
            return self.log.read_text(encoding="utf-8", errors="replace")
        except FileNotFoundError:
            return ""

    def tail(self, lines: int = 25) -> str:
        return "\n".join(f"    [{self.name}] {line}" for line in self.output().splitlines()[-lines:])

    async def wait_for_line(self, pattern: str, timeout: float) -> re.Match[str]:
        """Waits until the log has a line matching ``pattern``; fails when the process exits first."""
        rx = re.compile(pattern, re.MULTILINE)
        deadline = time.monotonic() + timeout
        while True:
            m = rx.search(strip_ansi(self.output()))
            if m:
                return m
            if self.returncode() is not None:
                raise AssertionError(f"{self.name} exited with code {self.returncode()} before printing "
                                     f"/{pattern}/:\n{self.tail()}")
            if time.monotonic() > deadline:
                raise AssertionError(f"{self.name} did not print /{pattern}/ within {timeout:.0f}s:\n{self.tail()}")
            await asyncio.sleep(0.05)

    async def wait_exit(self, timeout: float) -> int:
        deadline = time.monotonic() + timeout
        while self.returncode() is None:
            if time.monotonic() > deadline:
                raise AssertionError(f"{self.name} still running after {timeout:.0f}s:\n{self.tail()}")
            await asyncio.sleep(0.05)
        return self.popen.returncode

    def stop(self, grace: float = 10.0) -> int | None:
        """Asks the process to stop; kills its whole process group when it does not in time."""
        if self.popen.poll() is None:
            try:
                os.kill(self.popen.pid, self.stop_signal)
                self.popen.wait(grace)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                pass
        # Anything left in its session (the process itself after the grace, or its children).
        try:
            os.killpg(self.popen.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        try:
            self.popen.wait(10)
        except subprocess.TimeoutExpired:
            pass
        self._log_file.close()
        return self.popen.returncode


class Processes:
    """Everything the test started, stopped in reverse order."""

    def __init__(self, log_dir: Path) -> None:
        self.log_dir = log_dir
        self.procs: list[Proc] = []

    def start(self, name: str, cmd: list[str], **kw: object) -> Proc:
        p = Proc(name, cmd, self.log_dir / f"{name}.log", **kw)  # type: ignore[arg-type]
        self.procs.append(p)
        return p

    def stop_all(self) -> None:
        for p in reversed(self.procs):
            p.stop()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def redis_ping(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as s:
            s.sendall(b"PING\r\n")
            return s.recv(16).startswith(b"+PONG")
    except OSError:
        return False


_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def strip_ansi(text: str) -> str:
    return _ANSI.sub("", text)
