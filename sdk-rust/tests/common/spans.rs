//! Span helpers shared by the tracing tests of both crates: an in-memory exporter behind the
//! global tracer provider (installed once per test binary) and lookups over the finished spans.

use std::sync::OnceLock;
use std::time::Duration;

use opentelemetry::global;
use opentelemetry::trace::{SpanId, TraceId};
use opentelemetry::Value;
use opentelemetry_sdk::trace::{InMemorySpanExporter, SdkTracerProvider, SpanData};
use tidegate::client::{Client, ClientConfig, Subscription};
use tidegate::proto::v1::Delivery;

use super::Gateway;

pub const WAIT: Duration = Duration::from_secs(15);

/// The exporter behind the global provider, installed once for every test of this binary.
pub fn exporter() -> &'static InMemorySpanExporter {
    static EXPORTER: OnceLock<InMemorySpanExporter> = OnceLock::new();
    EXPORTER.get_or_init(|| {
        let exporter = InMemorySpanExporter::default();
        global::set_tracer_provider(
            SdkTracerProvider::builder()
                .with_simple_exporter(exporter.clone())
                .build(),
        );
        exporter
    })
}

pub fn spans_of(trace_id: TraceId) -> Vec<SpanData> {
    exporter()
        .get_finished_spans()
        .expect("finished spans")
        .into_iter()
        .filter(|s| s.span_context.trace_id() == trace_id)
        .collect()
}

pub fn named(spans: &[SpanData], name: &str) -> SpanData {
    let found: Vec<_> = spans.iter().filter(|s| s.name == name).collect();
    assert_eq!(
        found.len(),
        1,
        "one span named {name:?} in {:?}",
        spans.iter().map(|s| &s.name).collect::<Vec<_>>()
    );
    found[0].clone()
}

pub fn attr(span: &SpanData, key: &str) -> Option<Value> {
    span.attributes
        .iter()
        .find(|kv| kv.key.as_str() == key)
        .map(|kv| kv.value.clone())
}

/// The span id in a delivered message's `traceparent`.
pub fn delivered_parent(d: &Delivery) -> (TraceId, SpanId) {
    let headers = &d.message.as_ref().expect("message").headers;
    let tp = headers.get("traceparent").expect("traceparent delivered");
    let parts: Vec<&str> = tp.split('-').collect();
    (
        TraceId::from_hex(parts[1]).expect("trace id"),
        SpanId::from_hex(parts[2]).expect("span id"),
    )
}

/// A client with a patient connect: the gateway shares two cores with everything else.
pub fn config(gw: &Gateway, name: &str) -> ClientConfig {
    let mut config = ClientConfig::new(&gw.endpoint, name);
    config.connect_timeout = WAIT;
    config
}

pub async fn connect(gw: &Gateway, name: &str) -> Client {
    Client::connect(config(gw, name))
        .await
        .unwrap_or_else(|e| panic!("connect to {}: {e}\n{}", gw.endpoint, gw.log()))
}

pub async fn next(sub: &mut Subscription) -> Delivery {
    tokio::time::timeout(WAIT, sub.recv())
        .await
        .expect("a delivery within the timeout")
        .expect("subscription open")
}
