"""The conformance scenario (conformance/scenario.json) run by each client's runner -- Python, Java
and Rust -- against the gateway jar on a real Redis, one fresh Redis and gateway per client. Every
step must pass for every client; a runner that is missing (not built) fails its test, it never
skips."""
from __future__ import annotations

import asyncio
import json
import os
import re
import sys
import time
from pathlib import Path

import pytest

from conftest import REPO, RUST_DIR, Prerequisites, _fail_unless_file
from procs import Processes, free_port, redis_ping

SCENARIO = REPO / "conformance" / "scenario.json"
JAVA_RUNNER = "io.tidegate.examples.conformance.ConformanceRunner"


def runner_command(client: str, prereq: Prerequisites) -> list[str]:
    """The command that runs the scenario with ``client``'s runner (then --endpoint follows)."""
    if client == "python":
        script = _fail_unless_file(REPO / "conformance" / "run_python.py", "Python conformance runner",
                                   "it is part of the repository")
        return [sys.executable, str(script)]
    if client == "java":
        classes = REPO / "sdk-examples" / "java" / "target" / "classes"
        _fail_unless_file(classes / (JAVA_RUNNER.replace(".", "/") + ".class"), "Java conformance runner",
                          "compile sdk-examples/java (e2e/run-e2e.sh does)")
        return [prereq.java, "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-cp", prereq.classpath,
                JAVA_RUNNER]
    if client == "rust":
        binary = _fail_unless_file(Path(os.environ.get("TIDEGATE_CONFORMANCE_BIN",
                                                       RUST_DIR / "target/debug/tidegate-conformance")),
                                   "tidegate-conformance binary",
                                   "cargo build --bin tidegate-conformance in sdk-examples/rust (e2e/run-e2e.sh does)")
        return [str(binary)]
    raise AssertionError(f"no runner for client {client!r}")


@pytest.mark.parametrize("client", ["python", "java", "rust"])
async def test_client_passes_the_conformance_scenario(client: str, prereq: Prerequisites, procs: Processes) -> None:
    command = runner_command(client, prereq)
    port = free_port()
    redis = procs.start("redis", [prereq.redis_server, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                                  "--appendonly", "no", "--dir", str(procs.log_dir), "--daemonize", "no"])
    deadline = time.monotonic() + 10
    while not redis_ping(port) and redis.returncode() is None and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    assert redis_ping(port), "redis-server did not start:\n" + redis.tail()
    gateway = procs.start("gateway", [prereq.java, "-Xmx384m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                                      "-jar", str(prereq.gateway_jar), "--grpc.host=127.0.0.1", "--grpc.port=0",
                                      "--http.port=-1", f"--backend.redis.uri=redis://127.0.0.1:{port}",
                                      # the gap step outruns retention with 1,000 messages
                                      "--retention.max-length=100"])
    m = await gateway.wait_for_line(r"tidegate: gateway \S+ listening on [\d.]+:(\d+)", 90)
    runner = procs.start(f"conformance-{client}", [*command, "--endpoint", f"127.0.0.1:{m.group(1)}",
                                                   "--scenario", str(SCENARIO)], cwd=REPO)
    code = await runner.wait_exit(120)
    out = runner.output()
    results = [line for line in out.splitlines() if re.match(r"(PASS|FAIL|conformance)", line)]
    print("\n" + "\n".join(results))
    steps = len(json.loads(SCENARIO.read_text())["steps"])
    assert code == 0 and not any(line.startswith("FAIL") for line in results), runner.tail(40)
    assert f"conformance ({client}): {steps}/{steps} steps passed" in out, runner.tail(40)
