"""The conformance scenario (conformance/scenario.json) run by the Python client's runner against the
gateway jar on a real Redis. Every step must pass. (Java and Rust runners: not written yet.)"""
from __future__ import annotations

import asyncio
import re
import sys
import time

from conftest import REPO, Prerequisites
from procs import Processes, free_port, redis_ping


async def test_python_client_passes_the_conformance_scenario(prereq: Prerequisites, procs: Processes) -> None:
    port = free_port()
    redis = procs.start("redis", [prereq.redis_server, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                                  "--appendonly", "no", "--dir", str(procs.log_dir), "--daemonize", "no"])
    deadline = time.monotonic() + 10
    while not redis_ping(port) and redis.returncode() is None and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    assert redis_ping(port), "redis-server did not start:\n" + redis.tail()
    gateway = procs.start("gateway", [prereq.java, "-Xmx384m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                                      "-jar", str(prereq.gateway_jar), "--grpc.host=127.0.0.1", "--grpc.port=0",
                                      "--http.port=-1", f"--backend.redis.uri=redis://127.0.0.1:{port}"])
    m = await gateway.wait_for_line(r"tidegate: gateway \S+ listening on [\d.]+:(\d+)", 90)
    runner = procs.start("conformance-python", [sys.executable, str(REPO / "conformance" / "run_python.py"),
                                                "--endpoint", f"127.0.0.1:{m.group(1)}"])
    code = await runner.wait_exit(120)
    out = runner.output()
    print("\n" + "\n".join(line for line in out.splitlines() if re.match(r"(PASS|FAIL|conformance)", line)))
    assert code == 0 and "FAIL" not in out, runner.tail(40)
