"""One OpenTelemetry trace across three languages and two gateway replicas, read back from a real
Jaeger v2 (scripts/jaeger.sh builds it; in-memory storage, loopback ports):

    Python replay adapter --publish--> gateway A (receive, append) --> Redis stream entry
    --> gateway B (deliver) --> Java QuoteSubscriber (process)

Every process exports its spans to Jaeger, over OTLP/gRPC, except gateway A, which uses OTLP/HTTP
(the OpenTelemetry SDK's http/protobuf exporter); the test then asks Jaeger's HTTP API
(``/api/traces?service=...``) for the adapter's traces and checks that each quote's trace holds
exactly that chain, parent to child, with the right services, replica ids, kinds and messaging
attributes. Every process is stopped at the end; a missing prerequisite fails the test.
"""
from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import PYTHON_DIR, REPO, Prerequisites
from procs import Proc, Processes, free_port, redis_ping
from tidegate._proto import data_pb2
from tidegate_adapters import Adapter, parser_for, to_message

sys.path.insert(0, str(REPO / "scripts"))
from jaeger_trace import SpanView, Trace, fetch_traces  # noqa: E402

ADAPTER_SERVICE = "tidegate-python-adapter"
GATEWAY_SERVICE = "tidegate-gateway"
SUBSCRIBER_SERVICE = "tidegate-java-subscriber"
OPERATIONS = ("publish", "receive", "append", "deliver", "process")  # first word of the span names, in order


@pytest.fixture(scope="module")
def jaeger_bin() -> Path:
    path = Path(os.environ.get("TIDEGATE_JAEGER_BIN", ""))
    if not path.is_file():
        pytest.fail(f"Jaeger binary not found at {str(path)!r}: e2e/run-e2e.sh sets TIDEGATE_JAEGER_BIN from "
                    "`scripts/jaeger.sh build`", pytrace=False)
    return path


def binance_quote_topics() -> list[str]:
    """The topic of every quote the adapter publishes from the Binance sample, in order."""
    adapter = Adapter(parser_for("binance"))
    lines = (PYTHON_DIR / "samples" / "binance.jsonl").read_text(encoding="utf-8").splitlines()
    return [to_message(t).topic for line in lines if line.strip()
            for t in adapter.feed(line) if isinstance(t, data_pb2.QuoteTick)]


async def start_redis(prereq: Prerequisites, procs: Processes) -> int:
    port = free_port()
    r = procs.start("redis", [prereq.redis_server, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                              "--appendonly", "no", "--dir", str(procs.log_dir), "--daemonize", "no"])
    deadline = time.monotonic() + 15
    while not redis_ping(port):
        assert r.returncode() is None and time.monotonic() < deadline, "redis-server did not start:\n" + r.tail()
        await asyncio.sleep(0.05)
    return port


async def start_jaeger(binary: Path, procs: Processes) -> tuple[str, str, str]:
    """Jaeger with the config of scripts/jaeger.sh; returns (OTLP gRPC URL, OTLP HTTP URL, query URL)."""
    grpc, http, query = (f"127.0.0.1:{free_port()}" for _ in range(3))
    config = procs.log_dir / "jaeger.yaml"
    config.write_text(subprocess.run([str(REPO / "scripts" / "jaeger.sh"), "config", grpc, http, query],
                                     check=True, capture_output=True, text=True).stdout)
    j = procs.start("jaeger", [str(binary), "--config", str(config)])
    await j.wait_for_line(r"Everything is ready", 60)
    return f"http://{grpc}", f"http://{http}", f"http://{query}"


async def start_gateway(name: str, prereq: Prerequisites, procs: Processes, redis_port: int, otlp: str,
                        protocol: str) -> str:
    g = procs.start(name, [prereq.java, "-Xmx384m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-jar",
                           str(prereq.gateway_jar), "--grpc.host=127.0.0.1", "--grpc.port=0", "--http.port=-1",
                           f"--gateway-id={name}", f"--backend.redis.uri=redis://127.0.0.1:{redis_port}",
                           "--otel.enabled=true", f"--otel.endpoint={otlp}", f"--otel.protocol={protocol}",
                           "--otel.sampling-ratio=1.0", "--otel.metrics.enabled=false"])
    m = await g.wait_for_line(r"tidegate: gateway (\S+) listening on ([\d.]+):(\d+)", 90)
    assert m.group(1) == name
    return f"127.0.0.1:{m.group(3)}"


def chain(trace: Trace) -> dict[str, SpanView]:
    """The quote's spans by operation (publish, receive, append, deliver, process); each present once."""
    found: dict[str, SpanView] = {}
    for op in OPERATIONS:
        spans = [s for s in trace.spans.values() if s.name.startswith(op + " data.quotes.")]
        assert len(spans) == 1, f"{len(spans)} '{op} data.quotes...' spans in\n{trace.render()}"
        found[op] = spans[0]
    return found


def has_every_operation(trace: Trace) -> bool:
    return all(any(s.name.startswith(op + " data.quotes.") for s in trace.spans.values()) for op in OPERATIONS)


async def complete_quote_traces(query: str, expected: int, timeout: float) -> list[Trace]:
    """Polls Jaeger until ``expected`` quote traces of the adapter hold a span of every operation
    (each process exports in batches, in its own time); returns the adapter's quote traces."""
    deadline = time.monotonic() + timeout
    while True:
        traces = [t for t in fetch_traces(query, service=ADAPTER_SERVICE, limit=500)
                  if any(s.name.startswith("publish data.quotes.") for s in t.spans.values())]
        if sum(map(has_every_operation, traces)) >= expected or time.monotonic() > deadline:
            return traces
        await asyncio.sleep(0.5)


async def test_one_trace_from_python_through_two_replicas_to_java(prereq: Prerequisites, procs: Processes,
                                                                  jaeger_bin: Path) -> None:
    topics = binance_quote_topics()
    assert len(topics) >= 5, "the Binance sample should give several quotes"

    redis_port = await start_redis(prereq, procs)
    otlp, otlp_http, query = await start_jaeger(jaeger_bin, procs)
    # one replica exports over each OTLP transport, so Jaeger reads both of the gateway's exporters
    endpoint_a = await start_gateway("gw-a", prereq, procs, redis_port, otlp_http, "http/protobuf")
    endpoint_b = await start_gateway("gw-b", prereq, procs, redis_port, otlp, "grpc")

    # The Java subscriber on replica B only; it exits once it printed every quote.
    subscriber = procs.start("java-subscriber", [
        prereq.java, "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-cp", prereq.classpath,
        "io.tidegate.examples.QuoteSubscriber", "--endpoint", endpoint_b, "--pattern", "data.quotes.BINANCE.>",
        "--count", str(len(topics)), "--otlp-endpoint", otlp, "--service-name", SUBSCRIBER_SERVICE])
    await subscriber.wait_for_line(r"subscribed to data\.quotes\.BINANCE\.>", 60)

    # The Python adapter publishes through replica A only.
    adapter: Proc = procs.start("python-adapter", [
        sys.executable, "-m", "tidegate_adapters.replay", "--venue", "binance",
        "--file", str(PYTHON_DIR / "samples" / "binance.jsonl"), "--endpoint", endpoint_a,
        "--otlp-endpoint", otlp, "--service-name", ADAPTER_SERVICE], cwd=PYTHON_DIR,
        env={**os.environ, "OTEL_BSP_SCHEDULE_DELAY": "200"})
    assert await adapter.wait_exit(90) == 0, adapter.tail()
    assert await subscriber.wait_exit(60) == 0, subscriber.tail()
    assert subscriber.output().count("BINANCE  bid") == len(topics), subscriber.tail()

    traces = await complete_quote_traces(query, len(topics), timeout=90)
    print(f"\none quote's trace, as Jaeger ({query}) holds it:")
    print(traces[0].render() if traces else "(none)")
    assert len(traces) == len(topics), f"{len(traces)} quote traces of {ADAPTER_SERVICE}, {len(topics)} quotes"

    assert sorted(chain(t)["publish"].tags["messaging.destination.name"] for t in traces) == sorted(topics)
    for trace in traces:
        spans = chain(trace)
        publish, receive, append, deliver, process = (spans[op] for op in OPERATIONS)
        render = trace.render()
        # parent -> child, publisher to subscriber, all in this one trace
        assert publish.parent_id == "", render
        assert receive.parent_id == publish.span_id, render
        assert append.parent_id == receive.span_id, render
        assert deliver.parent_id == append.span_id, render
        assert process.parent_id == deliver.span_id, render
        # who did what: the adapter, replica A, replica B, the Java subscriber
        assert (publish.service, publish.kind) == (ADAPTER_SERVICE, "producer"), render
        assert (receive.service, receive.instance, receive.kind) == (GATEWAY_SERVICE, "gw-a", "server"), render
        assert (append.service, append.instance, append.kind) == (GATEWAY_SERVICE, "gw-a", "client"), render
        assert (deliver.service, deliver.instance, deliver.kind) == (GATEWAY_SERVICE, "gw-b", "producer"), render
        assert (process.service, process.kind) == (SUBSCRIBER_SERVICE, "consumer"), render
        # the messaging conventions, one message id throughout
        topic = publish.tags["messaging.destination.name"]
        message_id = publish.tags["messaging.message.id"]
        assert publish.name == f"publish {topic}" and process.name == f"process {topic}", render
        expected_type = {"publish": "send", "receive": "receive", "append": "send", "deliver": "send",
                         "process": "process"}
        for op, span in spans.items():
            assert span.tags.get("messaging.system") == "tidegate", (op, render)
            assert span.tags.get("messaging.destination.name") == topic, (op, render)
            assert span.tags.get("messaging.message.id") == message_id, (op, render)
            assert span.tags.get("messaging.operation.type") == expected_type[op], (op, render)
            assert span.tags.get("error") is not True, (op, render)
