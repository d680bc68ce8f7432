"""OpenTelemetry tracing of the client (W3C trace context in ``Message.headers``).

The client traces when the ``opentelemetry-api`` package is importable (``pip install
'tidegate[otel]'``) and ``TidegateClient(tracing=True)`` (the default); spans go to the tracer
provider given to the client, else the global one. Without an SDK the API hands out non-recording
spans, which cost little but still pass an incoming trace context on. Without the package the
client does no tracing work at all.

- ``publish(msg)`` starts a ``publish <topic>`` PRODUCER span (child of the caller's current
  span), injects ``traceparent``/``tracestate``/``baggage`` into ``msg.headers`` and ends the span
  when the gateway acks or refuses the message.
- A PublishBatch frame of several messages gets a ``publish`` CLIENT span linked to their spans.
- A subscription runs its handler inside a ``process <topic>`` CONSUMER span whose parent is the
  context the gateway delivered in the message headers; spans (and publishes) the handler makes are
  its children.

``configure_otlp`` sets up an SDK tracer provider exporting over OTLP/gRPC, for programs such
as the replay adapter. Threading: everything here runs on the client's event loop.
"""
from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from typing import TYPE_CHECKING, Any

from ._proto import pb

try:
    from opentelemetry import context as otel_context
    from opentelemetry import propagate, trace
    from opentelemetry.trace import Link, SpanKind, StatusCode
except ImportError:  # tracing is optional
    trace = None  # type: ignore[assignment]

if TYPE_CHECKING:
    from opentelemetry.trace import Span, Tracer, TracerProvider

SYSTEM = "tidegate"
INSTRUMENTATION = "io.tidegate.python"
_PRIORITIES = {pb.PRIORITY_CRITICAL: "CRITICAL", pb.PRIORITY_HIGH: "HIGH", pb.PRIORITY_NORMAL: "NORMAL", pb.PRIORITY_LOW: "LOW", pb.PRIORITY_BULK: "BULK"}


def available() -> bool:
    """True when the OpenTelemetry API is installed."""
    return trace is not None


class ClientTracing:
    """The spans of one client; every method is a cheap no-op when tracing is off."""

    def __init__(self, enabled: bool, tracer_provider: TracerProvider | None, version: str) -> None:
        self.tracer: Tracer | None = None
        self._own_provider = tracer_provider is not None
        if enabled and trace is not None:
            self.tracer = trace.get_tracer(INSTRUMENTATION, version, tracer_provider=tracer_provider)

    def _without_sdk(self) -> bool:
        """True while spans can only be no-ops: no provider given and no global one installed yet."""
        return not self._own_provider and isinstance(trace.get_tracer_provider(), trace.ProxyTracerProvider)

    @property
    def enabled(self) -> bool:
        return self.tracer is not None

    def start_publish(self, message: pb.Message) -> Span | None:
        """The message's ``publish`` span; its context goes into ``message.headers``."""
        if self.tracer is None:
            return None
        if self._without_sdk() and not trace.get_current_span().get_span_context().is_valid:
            return None  # the cheap way to the same outcome as below
        span = self.tracer.start_span(f"publish {message.topic}", kind=SpanKind.PRODUCER)
        if not span.get_span_context().is_valid:
            return None  # no SDK and no trace to continue: nothing to record or to pass on
        if span.is_recording():
            span.set_attributes({
                "messaging.system": SYSTEM,
                "messaging.operation.type": "send",
                "messaging.operation.name": "publish",
                "messaging.destination.name": message.topic,
                "messaging.message.id": message.id,
                "messaging.message.body.size": len(message.payload),
                "tidegate.priority": priority_name(message),
            })
        propagate.inject(message.headers, context=trace.set_span_in_context(span))
        return span

    def start_batch(self, spans: Sequence[Span | None], topics: set[str]) -> Span | None:
        """The span of one PublishBatch frame, linked to the spans of the messages it carries."""
        if self.tracer is None:
            return None
        attributes: dict[str, Any] = {
            "messaging.system": SYSTEM,
            "messaging.operation.type": "send",
            "messaging.operation.name": "publish",
            "messaging.batch.message_count": len(spans),
        }
        if len(topics) == 1:
            attributes["messaging.destination.name"] = next(iter(topics))
        links = [Link(s.get_span_context()) for s in spans if s is not None and s.get_span_context().is_valid]
        # a batch belongs to no caller: its own root, tied to the messages by links
        return self.tracer.start_span("publish", context=trace.set_span_in_context(trace.INVALID_SPAN),
                                      kind=SpanKind.CLIENT, attributes=attributes, links=links)

    def process(self, message: pb.Message, position: str, delivery_count: int,
                group: str) -> AbstractContextManager[Any]:
        """A context manager around the handler: the ``process <topic>`` span, made current."""
        if self.tracer is None or (not message.headers and self._without_sdk()):
            return nullcontext()
        return self._process(self.tracer, message, position, delivery_count, group)

    @staticmethod
    @contextmanager
    def _process(tracer: Tracer, message: pb.Message, position: str, delivery_count: int,
                 group: str) -> Iterator[None]:
        # the delivered context becomes current (not only the parent), so its baggage reaches the handler
        token = otel_context.attach(propagate.extract(message.headers))
        try:
            with tracer.start_as_current_span(f"process {message.topic}", kind=SpanKind.CONSUMER,
                                              record_exception=True, set_status_on_exception=True) as span:
                if span.is_recording():
                    span.set_attributes({
                        "messaging.system": SYSTEM,
                        "messaging.operation.type": "process",
                        "messaging.operation.name": "process",
                        "messaging.destination.name": message.topic,
                        "messaging.message.id": message.id,
                        "messaging.message.body.size": len(message.payload),
                        "tidegate.priority": priority_name(message),
                        "tidegate.position": position,
                        "tidegate.delivery_count": delivery_count,
                    })
                    if group:
                        span.set_attribute("messaging.consumer.group.name", group)
                yield
        finally:
            otel_context.detach(token)


def priority_name(message: pb.Message) -> str:
    """The priority as the gateway and the other SDKs name it; unspecified is NORMAL."""
    return _PRIORITIES.get(message.priority, "NORMAL")


def end_ok(span: Span | None, attributes: Mapping[str, Any] | None = None) -> None:
    if span is not None:
        if attributes:
            span.set_attributes(attributes)
        span.end()


def end_error(span: Span | None, code: str, description: str) -> None:
    if span is not None:
        span.set_attribute("rpc.grpc.status_code", code)
        span.set_status(StatusCode.ERROR, f"{code}: {description}")
        span.end()


def configure_otlp(service_name: str, endpoint: str | None = None) -> Callable[[], None]:
    """Installs a global SDK tracer provider that batches spans to an OTLP/gRPC endpoint
    (``endpoint``, else ``OTEL_EXPORTER_OTLP_[TRACES_]ENDPOINT``, else localhost:4317) as
    ``service_name`` (``OTEL_RESOURCE_ATTRIBUTES`` adds more); sampling follows
    ``OTEL_TRACES_SAMPLER``/``_ARG`` (default: parent-based, always on). Returns the shutdown
    function that flushes and stops the exporter. Needs ``tidegate[otel]``."""
    try:
        from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter
        from opentelemetry.sdk.resources import Resource
        from opentelemetry.sdk.trace import TracerProvider as SdkTracerProvider
        from opentelemetry.sdk.trace.export import BatchSpanProcessor
    except ImportError as e:
        raise RuntimeError(f"OTLP export needs the OpenTelemetry SDK: pip install 'tidegate[otel]' ({e})") from e
    provider = SdkTracerProvider(resource=Resource.create({"service.name": service_name}))
    insecure = None
    if endpoint is not None:
        insecure = not endpoint.startswith("https://")
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint=endpoint, insecure=insecure)))
    trace.set_tracer_provider(provider)
    return provider.shutdown


def otlp_requested(endpoint: str | None) -> bool:
    """True when an OTLP endpoint was given or is set in the standard environment variables."""
    if os.environ.get("OTEL_SDK_DISABLED", "").lower() == "true":
        return False
    return bool(endpoint or os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT")
                or os.environ.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"))
