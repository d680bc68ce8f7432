"""The conformance scenario (conformance/scenario.json) run by each client's runner -- Python, Java
and Rust -- against the gateway jar on a real Redis, one fresh Redis and gateway per client: once
in plaintext, once over TLS with an API token and an ACL, followed there by conformance/security.json
(wrong token, publish outside the ACL). Every step must pass for every client; a runner that is
missing (not built) fails its test, it never skips."""
from __future__ import annotations

import asyncio
import hashlib
import json
import os
import re
import secrets
import sys
import time
from pathlib import Path

import pytest

from conftest import REPO, RUST_DIR, Prerequisites, _fail_unless_file
from pki import make_pki
from procs import Processes, free_port, redis_ping

SCENARIO = REPO / "conformance" / "scenario.json"
SECURITY_SCENARIO = REPO / "conformance" / "security.json"
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


async def start_redis(prereq: Prerequisites, procs: Processes) -> int:
    port = free_port()
    redis = procs.start("redis", [prereq.redis_server, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                                  "--appendonly", "no", "--dir", str(procs.log_dir), "--daemonize", "no"])
    deadline = time.monotonic() + 10
    while not redis_ping(port) and redis.returncode() is None and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    assert redis_ping(port), "redis-server did not start:\n" + redis.tail()
    return port


async def start_gateway(prereq: Prerequisites, procs: Processes, redis_port: int, *flags: str) -> str:
    """The gateway jar on that Redis; returns its host:port."""
    gateway = procs.start("gateway", [prereq.java, "-Xmx384m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                                      "-jar", str(prereq.gateway_jar), "--grpc.host=127.0.0.1", "--grpc.port=0",
                                      "--http.port=-1", f"--backend.redis.uri=redis://127.0.0.1:{redis_port}",
                                      # the gap step outruns retention with 1,000 messages
                                      "--retention.max-length=100", *flags])
    m = await gateway.wait_for_line(r"tidegate: gateway \S+ listening on [\d.]+:(\d+)", 90)
    return f"127.0.0.1:{m.group(1)}"


async def run_scenario(client: str, command: list[str], procs: Processes, endpoint: str, scenario: Path,
                       *flags: str) -> None:
    """Runs ``scenario`` with ``client``'s runner; every step must pass."""
    runner = procs.start(f"conformance-{client}-{scenario.stem}",
                         [*command, "--endpoint", endpoint, "--scenario", str(scenario), *flags], cwd=REPO)
    code = await runner.wait_exit(120)
    out = runner.output()
    results = [line for line in out.splitlines() if re.match(r"(PASS|FAIL|conformance)", line)]
    print("\n" + "\n".join(results))
    steps = len(json.loads(scenario.read_text())["steps"])
    assert code == 0 and not any(line.startswith("FAIL") for line in results), runner.tail(40)
    assert f"conformance ({client}): {steps}/{steps} steps passed" in out, runner.tail(40)


@pytest.mark.parametrize("client", ["python", "java", "rust"])
async def test_client_passes_the_conformance_scenario(client: str, prereq: Prerequisites, procs: Processes) -> None:
    command = runner_command(client, prereq)
    endpoint = await start_gateway(prereq, procs, await start_redis(prereq, procs))
    await run_scenario(client, command, procs, endpoint, SCENARIO)


@pytest.mark.parametrize("client", ["python", "java", "rust"])
async def test_client_passes_the_conformance_scenario_over_tls_with_a_token(
        client: str, prereq: Prerequisites, procs: Processes) -> None:
    """The same scenario against a gateway with TLS, API tokens and an ACL (certificates made now
    with openssl), the client passing the CA and its token file; then the security steps: a wrong
    token refused UNAUTHENTICATED, a publish outside the identity's ACL PERMISSION_DENIED, each
    surfaced as the SDK's own error."""
    command = runner_command(client, prereq)
    secret_dir = procs.log_dir / "tls"
    pki = make_pki(secret_dir)
    token = secrets.token_hex(32)
    token_file = secret_dir / "conformance.token"
    token_file.write_text(token + "\n")
    acl = secret_dir / "acl.conf"
    acl.write_text('rules = [ { who = "id:conformance", publish-allow = ["conf.>"], subscribe-allow = ["conf.>"],'
                   ' join-groups = ["*"] } ]\n')
    config = secret_dir / "gateway.conf"
    config.write_text(f"""tidegate.security {{
  tls {{ cert-chain-file = "{pki.server_chain}", private-key-file = "{pki.server_key}" }}
  api-tokens {{ "conformance" {{ sha256 = "{hashlib.sha256(token.encode()).hexdigest()}", roles = [conformance] }} }}
  acl {{ enabled = true, file = "{acl}" }}
}}
""")
    endpoint = await start_gateway(prereq, procs, await start_redis(prereq, procs), "--config", str(config))
    flags = ("--ca", str(pki.ca), "--token-file", str(token_file))
    await run_scenario(client, command, procs, endpoint, SCENARIO, *flags)
    await run_scenario(client, command, procs, endpoint, SECURITY_SCENARIO, *flags)

