//! OpenTelemetry tracing: W3C trace context and baggage in `Message.headers`, the client's
//! `publish` spans, `process` spans for handlers, and OTLP export for programs that want it.
//!
//! Spans go to the global tracer provider (`opentelemetry::global`). With none installed the
//! spans are no-ops that still pass an incoming context on; [`init_otlp`] installs an SDK provider
//! that exports over OTLP/gRPC. Propagation always uses W3C `traceparent`/`tracestate` and
//! `baggage`, whatever global propagator the application set.
//!
//! Contexts are values: the caller of [`crate::client::Client::publish`] makes a context current
//! with `opentelemetry::context::FutureExt::with_context` (or `Context::attach`) to make its
//! publishes children of its span.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::OnceLock;

use opentelemetry::propagation::{
    Extractor, Injector, TextMapCompositePropagator, TextMapPropagator,
};
use opentelemetry::trace::{Link, Span, SpanBuilder, SpanKind, Status, TraceContextExt};
use opentelemetry::{global, Context, InstrumentationScope, KeyValue};
use opentelemetry_sdk::propagation::{BaggagePropagator, TraceContextPropagator};
use opentelemetry_sdk::trace::SdkTracerProvider;
use opentelemetry_sdk::Resource;

use crate::proto::v1::{Delivery, Message, Priority, PublishResult};

/// `messaging.system` of every Tidegate span.
pub const MESSAGING_SYSTEM: &str = "tidegate";
const SCOPE: &str = "io.tidegate.rust";

/// Writes propagation fields into message headers.
pub struct HeaderInjector<'a>(pub &'a mut HashMap<String, String>);

impl Injector for HeaderInjector<'_> {
    fn set(&mut self, key: &str, value: String) {
        self.0.insert(key.to_owned(), value);
    }
}

/// Reads propagation fields from message headers.
pub struct HeaderExtractor<'a>(pub &'a HashMap<String, String>);

impl Extractor for HeaderExtractor<'_> {
    fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).map(String::as_str)
    }

    fn keys(&self) -> Vec<&str> {
        self.0.keys().map(String::as_str).collect()
    }
}

fn propagator() -> &'static TextMapCompositePropagator {
    static PROPAGATOR: OnceLock<TextMapCompositePropagator> = OnceLock::new();
    PROPAGATOR.get_or_init(|| {
        TextMapCompositePropagator::new(vec![
            Box::new(TraceContextPropagator::new()),
            Box::new(BaggagePropagator::new()),
        ])
    })
}

/// Puts `cx`'s span context and baggage into `headers` (W3C keys).
pub fn inject(cx: &Context, headers: &mut HashMap<String, String>) {
    propagator().inject_context(cx, &mut HeaderInjector(headers));
}

/// The context carried in `headers` (empty when there is none).
pub fn extract(headers: &HashMap<String, String>) -> Context {
    propagator().extract(&HeaderExtractor(headers))
}

fn tracer() -> global::BoxedTracer {
    global::tracer_with_scope(
        InstrumentationScope::builder(SCOPE)
            .with_version(env!("CARGO_PKG_VERSION"))
            .build(),
    )
}

/// The priority as the gateway and the other SDKs name it; unspecified is NORMAL.
fn priority_name(m: &Message) -> &'static str {
    match Priority::try_from(m.priority) {
        Ok(Priority::Critical) => "CRITICAL",
        Ok(Priority::High) => "HIGH",
        Ok(Priority::Low) => "LOW",
        Ok(Priority::Bulk) => "BULK",
        _ => "NORMAL",
    }
}

fn messaging(operation_type: &'static str, operation_name: &'static str) -> Vec<KeyValue> {
    vec![
        KeyValue::new("messaging.system", MESSAGING_SYSTEM),
        KeyValue::new("messaging.operation.type", operation_type),
        KeyValue::new("messaging.operation.name", operation_name),
    ]
}

/// The spans of one [`crate::client::Client::publish`] call.
pub(crate) struct PublishSpans {
    messages: Vec<Context>,
    batch: Option<global::BoxedSpan>,
}

impl PublishSpans {
    /// Starts a `publish <topic>` PRODUCER span per message (child of `parent`) and injects its
    /// context into the message's headers; a batch of several also gets a `publish` CLIENT span
    /// linked to each message's span.
    pub(crate) fn start(parent: &Context, messages: &mut [Message]) -> PublishSpans {
        let tracer = tracer();
        let spans: Vec<Context> = messages
            .iter_mut()
            .map(|m| {
                let mut span = SpanBuilder::from_name(format!("publish {}", m.topic))
                    .with_kind(SpanKind::Producer)
                    .start_with_context(&tracer, parent);
                if span.is_recording() {
                    let mut attributes = messaging("send", "publish");
                    attributes.extend([
                        KeyValue::new("messaging.destination.name", m.topic.clone()),
                        KeyValue::new("messaging.message.id", m.id.clone()),
                        KeyValue::new("messaging.message.body.size", m.payload.len() as i64),
                        KeyValue::new("tidegate.priority", priority_name(m)),
                    ]);
                    span.set_attributes(attributes);
                }
                let cx = parent.with_span(span);
                // an invalid context (no SDK, no trace to continue) injects nothing
                inject(&cx, &mut m.headers);
                cx
            })
            .collect();
        let batch = (messages.len() > 1).then(|| {
            let mut attributes = messaging("send", "publish");
            attributes.push(KeyValue::new(
                "messaging.batch.message_count",
                messages.len() as i64,
            ));
            if messages.iter().all(|m| m.topic == messages[0].topic) {
                attributes.push(KeyValue::new(
                    "messaging.destination.name",
                    messages[0].topic.clone(),
                ));
            }
            let links = spans
                .iter()
                .map(|cx| cx.span().span_context().clone())
                .filter(|sc| sc.is_valid())
                .map(Link::with_context)
                .collect();
            // a batch belongs to no one caller: a root of its own, tied to its messages by links
            SpanBuilder::from_name("publish")
                .with_kind(SpanKind::Client)
                .with_attributes(attributes)
                .with_links(links)
                .start_with_context(&tracer, &Context::new())
        });
        PublishSpans {
            messages: spans,
            batch,
        }
    }

    /// Ends every span with the gateway's answer (per message) or the client's error.
    pub(crate) fn end(mut self, outcome: Result<&[PublishResult], &str>) {
        for (i, cx) in self.messages.iter().enumerate() {
            let span = cx.span();
            match outcome {
                Ok(results) => match results.get(i) {
                    Some(PublishResult { error: Some(e), .. }) => {
                        span.set_status(Status::error(format!("code {}: {}", e.code, e.message)))
                    }
                    Some(r) => {
                        if let Some(p) = &r.position {
                            span.set_attribute(KeyValue::new(
                                "tidegate.position",
                                p.entry_id.clone(),
                            ));
                        }
                        span.set_attribute(KeyValue::new("tidegate.duplicate", r.duplicate));
                    }
                    None => span.set_status(Status::error("no result for this message")),
                },
                Err(e) => span.set_status(Status::error(e.to_string())),
            }
            span.end();
        }
        if let Some(batch) = self.batch.as_mut() {
            if let Err(e) = outcome {
                batch.set_status(Status::error(e.to_string()));
            }
            batch.end();
        }
    }
}

/// Starts the `process <topic>` CONSUMER span of a delivery, child of the context in its
/// headers, and returns the context to run the handler in (it also carries the publisher's
/// baggage). The span ends with [`end_process`] or when the last clone of the context is dropped.
pub fn process_context(delivery: &Delivery, group: &str) -> Context {
    let Some(m) = delivery.message.as_ref() else {
        return Context::new();
    };
    let parent = extract(&m.headers);
    let mut attributes = messaging("process", "process");
    attributes.extend([
        KeyValue::new("messaging.destination.name", m.topic.clone()),
        KeyValue::new("messaging.message.id", m.id.clone()),
        KeyValue::new("messaging.message.body.size", m.payload.len() as i64),
        KeyValue::new("tidegate.priority", priority_name(m)),
        KeyValue::new(
            "tidegate.delivery_count",
            i64::from(delivery.delivery_count),
        ),
    ]);
    if let Some(p) = &delivery.position {
        attributes.push(KeyValue::new("tidegate.position", p.entry_id.clone()));
    }
    if !group.is_empty() {
        attributes.push(KeyValue::new(
            "messaging.consumer.group.name",
            group.to_string(),
        ));
    }
    let span = SpanBuilder::from_name(format!("process {}", m.topic))
        .with_kind(SpanKind::Consumer)
        .with_attributes(attributes)
        .start_with_context(&tracer(), &parent);
    parent.with_span(span)
}

/// Ends the span of a [`process_context`], with an error status when the handling failed.
pub fn end_process(cx: &Context, error: Option<&str>) {
    let span = cx.span();
    if let Some(e) = error {
        span.set_status(Status::error(e.to_string()));
    }
    span.end();
}

/// True when an OTLP endpoint was given or is set in `OTEL_EXPORTER_OTLP_[TRACES_]ENDPOINT`
/// (and `OTEL_SDK_DISABLED` is not `true`).
pub fn otlp_requested(endpoint: Option<&str>) -> bool {
    let env = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
    if env("OTEL_SDK_DISABLED").is_some_and(|v| v.eq_ignore_ascii_case("true")) {
        return false;
    }
    endpoint.is_some()
        || env("OTEL_EXPORTER_OTLP_ENDPOINT").is_some()
        || env("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT").is_some()
}

/// Why [`init_otlp`] could not set up trace export.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TelemetryError {
    /// The OTLP span exporter could not be built (a malformed endpoint, or no Tokio runtime).
    #[error("cannot build the OTLP span exporter: {0}")]
    Exporter(#[from] opentelemetry_otlp::ExporterBuildError),
}

/// Installs a global tracer provider that batches spans to an OTLP/gRPC endpoint (`endpoint`,
/// else the `OTEL_EXPORTER_OTLP_*` variables, else `http://localhost:4317`), with
/// `service.name` = `service_name` (`OTEL_RESOURCE_ATTRIBUTES` adds more). Call inside a Tokio
/// runtime (the exporter's channel lives on it) and [`shutdown`] the provider before exiting.
pub fn init_otlp(
    service_name: impl Into<Cow<'static, str>>,
    endpoint: Option<&str>,
) -> Result<SdkTracerProvider, TelemetryError> {
    use opentelemetry_otlp::WithExportConfig;
    let mut builder = opentelemetry_otlp::SpanExporter::builder().with_tonic();
    if let Some(e) = endpoint {
        builder = builder.with_endpoint(e);
    }
    let exporter = builder.build()?;
    let provider = SdkTracerProvider::builder()
        .with_resource(
            Resource::builder()
                .with_service_name(service_name.into())
                .build(),
        )
        .with_batch_exporter(exporter)
        .build();
    global::set_tracer_provider(provider.clone());
    global::set_text_map_propagator(TextMapCompositePropagator::new(vec![
        Box::new(TraceContextPropagator::new()),
        Box::new(BaggagePropagator::new()),
    ]));
    Ok(provider)
}

/// Flushes and stops an [`init_otlp`] provider, off the async threads (the export needs them).
pub async fn shutdown(provider: SdkTracerProvider) {
    let result = tokio::task::spawn_blocking(move || provider.shutdown()).await;
    if let Ok(Err(e)) = result {
        tracing::warn!(error = %e, "trace export did not shut down cleanly");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use opentelemetry::baggage::BaggageExt;
    use opentelemetry::trace::{SpanContext, SpanId, TraceFlags, TraceId, TraceState};

    fn remote(trace: u128, span: u64) -> Context {
        Context::new().with_remote_span_context(SpanContext::new(
            TraceId::from(trace),
            SpanId::from(span),
            TraceFlags::SAMPLED,
            true,
            TraceState::default(),
        ))
    }

    #[test]
    fn context_round_trips_through_headers() {
        let cx = remote(0x0af7651916cd43dd8448eb211c80319c, 0xb7ad6b7169203331)
            .with_baggage([KeyValue::new("desk", "crypto-1")]);
        let mut headers = HashMap::new();
        inject(&cx, &mut headers);
        assert_eq!(
            headers["traceparent"],
            "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
        );
        assert_eq!(headers["baggage"], "desk=crypto-1");
        let back = extract(&headers);
        assert_eq!(
            back.span().span_context().trace_id(),
            cx.span().span_context().trace_id()
        );
        assert!(back.span().span_context().is_remote());
        assert_eq!(
            back.baggage().get("desk").map(|v| v.to_string()),
            Some("crypto-1".into())
        );
    }

    #[test]
    fn no_context_injects_nothing_and_extracts_nothing() {
        let mut headers = HashMap::new();
        inject(&Context::new(), &mut headers);
        assert!(headers.is_empty());
        assert!(!extract(&headers).span().span_context().is_valid());
        headers.insert("traceparent".into(), "garbage".into());
        assert!(!extract(&headers).span().span_context().is_valid());
    }

    #[test]
    fn without_a_provider_the_publish_context_passes_the_parent_on() {
        // no SDK installed in this unit-test binary: spans are no-ops, the parent still travels
        let parent = remote(7, 9);
        let mut messages = vec![Message {
            topic: "a.b".into(),
            ..Default::default()
        }];
        let spans = PublishSpans::start(&parent, &mut messages);
        assert_eq!(
            messages[0].headers["traceparent"],
            "00-00000000000000000000000000000007-0000000000000009-01"
        );
        spans.end(Ok(&[]));
    }
}
