//! Tracing against the real gateway jar, with an in-memory span exporter as the global tracer
//! provider of this test binary: the execution adapter's process span with its event publishes
//! as children. The gateway may add spans of its own between publish and process; the assertions
//! follow the context the subscriber actually received, so they hold either way.

#[path = "../../../sdk-rust/tests/common/mod.rs"]
mod common;

use std::time::Duration;

use common::spans::*;
use common::Gateway;
use opentelemetry::context::FutureExt as _;
use opentelemetry::trace::{SpanKind, TraceContextExt as _, TraceId, Tracer as _};
use opentelemetry::{global, Context};
use opentelemetry_sdk::trace::SpanData;
use prost::Message as _;
use tidegate::client::{Priority, Start, SubscribeOptions};
use tidegate::decimal::parse_proto;
use tidegate::payload::{self, content_type};
use tidegate::proto::market::{OrderSide, OrderType, QuoteTick, SubmitOrder, TimeInForce};
use tidegate::proto::v1::Message;
use tidegate_examples::exec::{AdapterConfig, ExecAdapter};

/// Waits until the spans of `trace_id` include `name` (spans of other tasks end asynchronously).
async fn wait_for_span(trace_id: TraceId, name: &str) -> Vec<SpanData> {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let spans = spans_of(trace_id);
        if spans.iter().any(|s| s.name == name) {
            return spans;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "no span {name:?} in trace {trace_id}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn dec(s: &str) -> Option<tidegate::proto::market::Decimal> {
    Some(parse_proto(s).expect("decimal"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exec_adapter_processes_a_command_in_its_trace_and_publishes_children() {
    exporter();
    let gw = Gateway::start();
    let strategy = connect(&gw, "it-trace-strategy").await;
    let quote = QuoteTick {
        instrument_id: "BTCUSDT.BINANCE".into(),
        bid_price: dec("100.50"),
        ask_price: dec("100.60"),
        bid_size: dec("1"),
        ask_size: dec("1"),
        ts_event: 1,
        ts_init: 1,
    };
    strategy
        .publish_one(Message {
            topic: "data.quotes.BINANCE.BTCUSDT".into(),
            payload: quote.encode_to_vec(),
            content_type: content_type(payload::QUOTE_TICK),
            ..Default::default()
        })
        .await
        .expect("quote stored");
    let mut config = AdapterConfig::new("BINANCE");
    config.quote_start = Start::Earliest;
    let (adapter, mut stats) = ExecAdapter::new(connect(&gw, "it-trace-exec").await, config);
    let task = tokio::spawn(adapter.run());
    tokio::time::timeout(WAIT, stats.wait_for(|s| s.quotes >= 1))
        .await
        .expect("the adapter saw the quote")
        .expect("adapter running");
    let mut events = strategy
        .subscribe(SubscribeOptions::broadcast(["exec.events.BINANCE.>"]))
        .await
        .expect("subscribe to events");

    let order = SubmitOrder {
        client_order_id: "traced-1".into(),
        strategy_id: "s1".into(),
        instrument_id: "BTCUSDT.BINANCE".into(),
        side: OrderSide::Buy as i32,
        order_type: OrderType::Market as i32,
        quantity: dec("1"),
        price: None,
        time_in_force: TimeInForce::Gtc as i32,
        ts_init: 1,
    };
    let cx = Context::current_with_span(global::tracer("test").start("decide"));
    let trace_id = cx.span().span_context().trace_id();
    strategy
        .publish_one(Message {
            topic: "exec.commands.BINANCE.s1".into(),
            priority: Priority::High as i32,
            payload: order.encode_to_vec(),
            content_type: content_type(payload::SUBMIT_ORDER),
            ..Default::default()
        })
        .with_context(cx.clone())
        .await
        .expect("command stored");
    cx.span().end();
    let accepted = next(&mut events).await;
    let filled = next(&mut events).await;

    let spans = wait_for_span(trace_id, "process exec.commands.BINANCE.s1").await;
    let command = named(&spans, "publish exec.commands.BINANCE.s1");
    let process = named(&spans, "process exec.commands.BINANCE.s1");
    assert_eq!(process.span_kind, SpanKind::Consumer);
    assert_eq!(
        attr(&process, "messaging.consumer.group.name"),
        Some("exec-binance".into())
    );
    assert_eq!(attr(&process, "tidegate.priority"), Some("HIGH".into()));
    assert!(process.parent_span_is_remote);
    // without gateway spans the parent is the command's publish span; with them, a gateway
    // span of the same trace
    assert!(
        process.parent_span_id == command.span_context.span_id()
            || !spans
                .iter()
                .any(|s| s.span_context.span_id() == process.parent_span_id),
        "the process span's parent is the publish span or a span of another process"
    );
    let event_publishes: Vec<&SpanData> = spans
        .iter()
        .filter(|s| s.name == "publish exec.events.BINANCE.s1")
        .collect();
    assert_eq!(event_publishes.len(), 2, "accepted and filled");
    for p in &event_publishes {
        assert_eq!(p.parent_span_id, process.span_context.span_id());
        assert_eq!(p.span_kind, SpanKind::Producer);
    }
    for d in [&accepted, &filled] {
        assert_eq!(delivered_parent(d).0, trace_id, "events continue the trace");
    }
    task.abort();
}
