//! Tracing against the real gateway jar, with an in-memory span exporter as the global tracer
//! provider of this test binary: publish spans and their context in the headers, batch links,
//! errors on refused publishes, and no headers with tracing off. The gateway may add spans of its
//! own between publish and process; the assertions follow the context the subscriber actually
//! received, so they hold either way.

mod common;

use common::spans::*;
use common::Gateway;
use opentelemetry::context::FutureExt as _;
use opentelemetry::trace::{SpanId, SpanKind, Status, TraceContextExt as _, Tracer as _};
use opentelemetry::{global, Context, KeyValue};
use tidegate::client::{Client, SubscribeOptions};
use tidegate::proto::v1::Message;
use tidegate::telemetry;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn publish_spans_travel_in_the_headers_and_batches_link_them() {
    exporter();
    let gw = Gateway::start();
    let client = connect(&gw, "it-trace").await;
    let mut sub = client
        .subscribe(SubscribeOptions::broadcast(["test.trace.>"]))
        .await
        .expect("subscribe");
    let root = global::tracer("test").start("strategy tick");
    let cx = Context::current_with_span(root);
    let messages: Vec<Message> = ["test.trace.a", "test.trace.b"]
        .iter()
        .map(|t| Message {
            topic: (*t).into(),
            payload: b"x".to_vec(),
            ..Default::default()
        })
        .collect();
    let results = client
        .publish(messages)
        .with_context(cx.clone())
        .await
        .expect("published");
    assert!(results.iter().all(|r| r.error.is_none()));
    cx.span().end();
    let trace_id = cx.span().span_context().trace_id();

    let spans = spans_of(trace_id);
    let a = named(&spans, "publish test.trace.a");
    assert_eq!(a.span_kind, SpanKind::Producer);
    assert_eq!(a.parent_span_id, cx.span().span_context().span_id());
    assert_eq!(attr(&a, "messaging.system"), Some("tidegate".into()));
    assert_eq!(attr(&a, "messaging.operation.type"), Some("send".into()));
    assert_eq!(attr(&a, "tidegate.priority"), Some("NORMAL".into()));
    assert_eq!(
        attr(&a, "messaging.destination.name"),
        Some("test.trace.a".into())
    );
    assert_eq!(
        attr(&a, "messaging.message.id"),
        Some(results[0].message_id.clone().into())
    );
    assert_eq!(
        attr(&a, "tidegate.position"),
        Some(
            results[0]
                .position
                .clone()
                .expect("position")
                .entry_id
                .into()
        )
    );

    // the batch: its own trace, linked to both message spans
    let b = named(&spans, "publish test.trace.b");
    let batch = exporter()
        .get_finished_spans()
        .expect("spans")
        .into_iter()
        .find(|s| {
            s.name == "publish"
                && s.links
                    .iter()
                    .any(|l| l.span_context.span_id() == a.span_context.span_id())
        })
        .expect("a batch span linked to the first message");
    assert_eq!(batch.span_kind, SpanKind::Client);
    assert_ne!(batch.span_context.trace_id(), trace_id);
    let linked: Vec<SpanId> = batch
        .links
        .iter()
        .map(|l| l.span_context.span_id())
        .collect();
    assert_eq!(
        linked,
        vec![a.span_context.span_id(), b.span_context.span_id()]
    );
    assert!(batch
        .attributes
        .contains(&KeyValue::new("messaging.batch.message_count", 2)));

    // what the subscriber got continues the publisher's trace
    for _ in 0..2 {
        let d = next(&mut sub).await;
        let (tid, parent) = delivered_parent(&d);
        assert_eq!(tid, trace_id);
        let process = telemetry::process_context(&d, "");
        assert_eq!(process.span().span_context().trace_id(), trace_id);
        telemetry::end_process(&process, None);
        let spans = spans_of(trace_id);
        let topic = d.message.expect("message").topic;
        let p = named(&spans, &format!("process {topic}"));
        assert_eq!(p.span_kind, SpanKind::Consumer);
        assert_eq!(p.parent_span_id, parent);
        assert!(p.parent_span_is_remote);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_publish_ends_its_span_with_the_error() {
    exporter();
    let gw = Gateway::start();
    let client = connect(&gw, "it-trace-err").await;
    let cx = Context::current_with_span(global::tracer("test").start("bad"));
    let results = client
        .publish(vec![Message {
            topic: "a..b".into(),
            ..Default::default()
        }])
        .with_context(cx.clone())
        .await
        .expect("answered");
    assert!(results[0].error.is_some());
    let span = named(
        &spans_of(cx.span().span_context().trace_id()),
        "publish a..b",
    );
    assert!(
        matches!(&span.status, Status::Error { description } if description.contains("empty segment")),
        "{:?}",
        span.status
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tracing_off_adds_no_headers() {
    let gw = Gateway::start();
    let mut config = config(&gw, "it-trace-off");
    config.tracing = false;
    let client = Client::connect(config).await.expect("connect");
    let mut sub = client
        .subscribe(SubscribeOptions::broadcast(["test.off"]))
        .await
        .expect("subscribe");
    let cx = Context::current_with_span(global::tracer("test").start("off"));
    client
        .publish_one(Message {
            topic: "test.off".into(),
            ..Default::default()
        })
        .with_context(cx)
        .await
        .expect("published");
    let d = next(&mut sub).await;
    assert!(d.message.expect("message").headers.is_empty());
}
