"""Starts and stops a real Tidegate gateway jar for the tests."""
from __future__ import annotations

import os
import re
import signal
import subprocess
import threading
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_JAR = REPO_ROOT / "gateway" / "target" / "tidegate-gateway-0.1.0-SNAPSHOT-all.jar"
_READY = re.compile(r"tidegate: gateway (\S+) listening on ([\d.]+):(\d+)")


def gateway_jar() -> Path:
    jar = Path(os.environ.get("TIDEGATE_GATEWAY_JAR", DEFAULT_JAR))
    if not jar.is_file():
        raise RuntimeError(
            f"gateway jar not found at {jar}: build it first with "
            f"`./mvnw -B -q -pl gateway -am package -DskipTests` in {REPO_ROOT} "
            "(or point TIDEGATE_GATEWAY_JAR at it)")
    return jar


class GatewayProcess:
    """``java -jar <jar> --grpc.host=127.0.0.1 --grpc.port=<port> --http.port=-1``; ready once it
    prints its ``listening on`` line (port 0 picks a free port)."""

    def __init__(self, port: int = 0, *args: str, startup_timeout: float = 60.0) -> None:
        self.requested_port = port
        self.args = args
        self.startup_timeout = startup_timeout
        self.proc: subprocess.Popen[str] | None = None
        self.port = 0
        self.gateway_id = ""
        self.output: list[str] = []
        self._ready = threading.Event()

    @property
    def endpoint(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self) -> GatewayProcess:
        jar = gateway_jar()
        cmd = ["java", "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-jar", str(jar),
               "--grpc.host=127.0.0.1", f"--grpc.port={self.requested_port}", "--http.port=-1", *self.args]
        self._ready.clear()
        self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, text=True, bufsize=1)
        threading.Thread(target=self._pump, args=(self.proc,), daemon=True).start()
        if not self._ready.wait(self.startup_timeout) or self.proc.poll() is not None:
            tail = "".join(self.output[-30:])
            self.kill()
            raise RuntimeError(f"gateway did not start within {self.startup_timeout}s:\n{tail}")
        return self

    def _pump(self, proc: subprocess.Popen[str]) -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            self.output.append(line)
            m = _READY.search(line)
            if m and not self._ready.is_set():
                self.gateway_id, self.port = m.group(1), int(m.group(3))
                self._ready.set()
        self._ready.set()  # exited: wake a waiting start()

    def stop(self, timeout: float = 20.0) -> int | None:
        """SIGTERM (graceful drain), then SIGKILL if it does not exit in time."""
        if self.proc is None or self.proc.poll() is not None:
            return None if self.proc is None else self.proc.returncode
        self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            return None

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)

    def __enter__(self) -> GatewayProcess:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def wait_until(predicate, timeout: float = 10.0, interval: float = 0.05) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return predicate()
