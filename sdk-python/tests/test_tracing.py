"""Tracing of the client against a real gateway jar: publish spans and their context in the message
headers, batch links, process spans continuing the trace. The gateway may add its own spans between
publish and process; the assertions follow the context the subscriber actually received, so they
hold either way."""
from __future__ import annotations

import asyncio
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from opentelemetry import baggage, context, trace
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode

from names import unique
from waits import until
from tidegate import Message, PublishError, ReceivedMessage, SubscriptionMode, TidegateClient

PROJECT = Path(__file__).resolve().parent.parent


@pytest.fixture
def exporter() -> Iterator[InMemorySpanExporter]:
    exp = InMemorySpanExporter()
    yield exp
    exp.shutdown()


@pytest.fixture
def provider(exporter: InMemorySpanExporter) -> TracerProvider:
    p = TracerProvider()
    p.add_span_processor(SimpleSpanProcessor(exporter))
    return p


def spans(exporter: InMemorySpanExporter, name: str) -> list[ReadableSpan]:
    return [s for s in exporter.get_finished_spans() if s.name == name]


def one(exporter: InMemorySpanExporter, name: str) -> ReadableSpan:
    found = spans(exporter, name)
    assert len(found) == 1, f"{len(found)} spans named {name!r}: {[s.name for s in exporter.get_finished_spans()]}"
    return found[0]


def traceparent(span: ReadableSpan) -> str:
    c = span.context
    return f"00-{c.trace_id:032x}-{c.span_id:016x}-{int(c.trace_flags):02x}"


async def test_publish_span_goes_into_the_headers_and_process_span_continues_the_trace(
        endpoint: str, provider: TracerProvider, exporter: InMemorySpanExporter) -> None:
    topic = unique("test.trace")
    caller = provider.get_tracer("test")
    got: list[ReceivedMessage] = []
    seen_in_handler: list[tuple[trace.SpanContext, object]] = []

    def handler(m: ReceivedMessage) -> None:
        seen_in_handler.append((trace.get_current_span().get_span_context(), baggage.get_baggage("desk")))
        got.append(m)

    async with TidegateClient([endpoint], tracer_provider=provider) as sub, \
            TidegateClient([endpoint], tracer_provider=provider) as pub:
        await sub.subscribe([topic], handler)
        token = context.attach(baggage.set_baggage("desk", "crypto-1"))
        try:
            with caller.start_as_current_span("strategy tick") as parent:
                msg = Message(topic=topic, payload=b"hello")
                receipt = await pub.publish(msg)
        finally:
            context.detach(token)
        await until(lambda: len(got) == 1, what="the traced message")

    publish = one(exporter, f"publish {topic}")
    assert publish.kind == SpanKind.PRODUCER
    assert publish.parent is not None and publish.parent.span_id == parent.get_span_context().span_id
    assert publish.context.trace_id == parent.get_span_context().trace_id
    assert dict(publish.attributes or {}) == {
        "messaging.system": "tidegate", "messaging.operation.type": "send", "messaging.operation.name": "publish",
        "messaging.destination.name": topic, "messaging.message.id": receipt.message_id,
        "messaging.message.body.size": 5, "tidegate.priority": "NORMAL", "tidegate.position": receipt.position.entry_id,
        "tidegate.duplicate": False}
    assert publish.status.status_code == StatusCode.UNSET
    # the publisher's own message carries the publish span's context and the caller's baggage
    assert msg.headers["traceparent"] == traceparent(publish)
    assert msg.headers["baggage"] == "desk=crypto-1"

    delivered = got[0].message.headers
    assert delivered["traceparent"].split("-")[1] == f"{publish.context.trace_id:032x}"  # same trace
    process = one(exporter, f"process {topic}")
    assert process.kind == SpanKind.CONSUMER
    assert process.context.trace_id == publish.context.trace_id
    assert process.parent is not None and process.parent.is_remote
    assert f"{process.parent.span_id:016x}" == delivered["traceparent"].split("-")[2]
    attrs = dict(process.attributes or {})
    assert attrs["messaging.system"] == "tidegate" and attrs["messaging.operation.type"] == "process"
    assert attrs["messaging.destination.name"] == topic and attrs["messaging.message.id"] == receipt.message_id
    assert attrs["tidegate.position"] == receipt.position.entry_id and attrs["tidegate.delivery_count"] >= 1
    # the handler ran inside the process span, with the publisher's baggage
    assert seen_in_handler == [(process.context, "crypto-1")]


async def test_a_publish_from_a_handler_is_a_child_of_its_process_span(
        endpoint: str, provider: TracerProvider, exporter: InMemorySpanExporter) -> None:
    command, event = unique("test.cmd"), unique("test.evt")
    events: list[ReceivedMessage] = []
    async with TidegateClient([endpoint], tracer_provider=provider) as worker, \
            TidegateClient([endpoint], tracer_provider=provider) as client:

        async def on_command(m: ReceivedMessage) -> None:
            await worker.publish(Message(topic=event, payload=m.payload))

        await worker.subscribe([command], on_command, mode=SubscriptionMode.GROUP, group=unique("workers"))
        await client.subscribe([event], events.append)
        await client.publish(Message(topic=command, payload=b"buy"))
        await until(lambda: len(events) == 1, what="the event published by the handler")
        await until(lambda: len(spans(exporter, f"process {event}")) == 1, what="the event's process span")

    cmd_publish, cmd_process = one(exporter, f"publish {command}"), one(exporter, f"process {command}")
    evt_publish, evt_process = one(exporter, f"publish {event}"), one(exporter, f"process {event}")
    trace_ids = {s.context.trace_id for s in (cmd_publish, cmd_process, evt_publish, evt_process)}
    assert len(trace_ids) == 1, "command and event are one trace"
    assert evt_publish.parent is not None and evt_publish.parent.span_id == cmd_process.context.span_id
    assert dict(cmd_process.attributes or {})["messaging.consumer.group.name"].startswith("workers.")


async def test_a_batch_span_links_every_message_it_carries(
        endpoint: str, provider: TracerProvider, exporter: InMemorySpanExporter) -> None:
    topic = unique("test.batch")
    async with TidegateClient([endpoint], tracer_provider=provider, linger=0.2) as c:
        await asyncio.gather(*(c.publish(Message(topic=topic, payload=b"%d" % i)) for i in range(3)))
    messages = spans(exporter, f"publish {topic}")
    batch = one(exporter, "publish")
    assert len(messages) == 3 and batch.kind == SpanKind.CLIENT
    assert batch.parent is None, "a batch is a root of its own"
    assert {link.context.span_id for link in batch.links} == {s.context.span_id for s in messages}
    assert dict(batch.attributes or {})["messaging.batch.message_count"] == 3
    assert dict(batch.attributes or {})["messaging.destination.name"] == topic
    assert len({s.context.trace_id for s in messages}) == 3, "messages published outside any span start own traces"


async def test_a_refused_publish_ends_its_span_with_the_error(
        endpoint: str, provider: TracerProvider, exporter: InMemorySpanExporter) -> None:
    async with TidegateClient([endpoint], tracer_provider=provider) as c:
        with pytest.raises(PublishError):
            await c.publish(Message(topic="a..b", payload=b"x"))
    span = one(exporter, "publish a..b")
    assert span.status.status_code == StatusCode.ERROR
    assert span.status.description is not None and "INVALID_ARGUMENT" in span.status.description
    assert "empty segment" in span.status.description


async def test_a_failing_handler_marks_its_process_span(
        endpoint: str, provider: TracerProvider, exporter: InMemorySpanExporter) -> None:
    topic = unique("test.fail")
    calls: list[ReceivedMessage] = []

    def handler(m: ReceivedMessage) -> None:
        calls.append(m)
        raise ValueError("cannot price this")

    async with TidegateClient([endpoint], tracer_provider=provider) as c:
        await c.subscribe([topic], handler)
        await c.publish(Message(topic=topic, payload=b"x"))
        await until(lambda: len(spans(exporter, f"process {topic}")) == 1, what="the process span")
    span = one(exporter, f"process {topic}")
    assert span.status.status_code == StatusCode.ERROR
    assert [e.name for e in span.events] == ["exception"]
    assert dict(span.events[0].attributes or {})["exception.message"] == "cannot price this"


async def test_tracing_off_adds_no_headers_and_no_spans(
        endpoint: str, provider: TracerProvider, exporter: InMemorySpanExporter) -> None:
    topic = unique("test.off")
    got: list[ReceivedMessage] = []
    async with TidegateClient([endpoint], tracer_provider=provider, tracing=False) as c:
        await c.subscribe([topic], got.append)
        msg = Message(topic=topic, payload=b"x")
        await c.publish(msg)
        await until(lambda: len(got) == 1, what="the message")
    assert dict(msg.headers) == {} and "traceparent" not in got[0].message.headers
    assert exporter.get_finished_spans() == ()


def test_the_client_works_without_opentelemetry_installed(endpoint: str) -> None:
    """A round trip in a fresh interpreter where ``import opentelemetry`` fails."""
    code = f"""
import asyncio, sys
sys.modules["opentelemetry"] = None  # as if the package were not installed
from tidegate import Message, TidegateClient, tracing
assert not tracing.available()

async def main():
    got = []
    async with TidegateClient(["{endpoint}"]) as c:
        await c.subscribe(["test.no-otel.x"], got.append)
        await c.publish(Message(topic="test.no-otel.x", payload=b"x"))
        while not got:
            await asyncio.sleep(0.01)
    assert dict(got[0].message.headers) == {{}}, got[0].message.headers
    print("round trip ok")

asyncio.run(asyncio.wait_for(main(), 30))
"""
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, cwd=PROJECT)
    assert r.returncode == 0 and "round trip ok" in r.stdout, r.stderr
