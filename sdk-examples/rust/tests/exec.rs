//! Against the real gateway jar: the execution adapter and the subscriber CLI.

#[path = "../../../sdk-rust/tests/common/mod.rs"]
mod common;

use std::time::Duration;

use common::Gateway;
use prost::Message as _;
use tidegate::client::{Client, ClientConfig, Priority, Start, SubscribeOptions, Subscription};
use tidegate::decimal::{parse_proto, Dec};
use tidegate::payload::{self, content_type};
use tidegate::proto::market::{
    self, OrderAccepted, OrderFilled, OrderRejected, OrderSide, OrderType, QuoteTick, SubmitOrder,
    TimeInForce,
};
use tidegate::proto::v1::Message;
use tidegate_examples::exec::{AdapterConfig, ExecAdapter, Stats};
use tokio::sync::watch;
use tokio::task::JoinHandle;

const WAIT: Duration = Duration::from_secs(15);

async fn connect(gw: &Gateway, name: &str) -> Client {
    // a loaded machine may take longer than the default 5 s to answer Hello
    let mut config = ClientConfig::new(&gw.endpoint, name);
    config.connect_timeout = WAIT;
    Client::connect(config)
        .await
        .unwrap_or_else(|e| panic!("connect to {}: {e}\n{}", gw.endpoint, gw.log()))
}

async fn next(sub: &mut Subscription) -> tidegate::proto::v1::Delivery {
    tokio::time::timeout(WAIT, sub.recv())
        .await
        .expect("a delivery within the timeout")
        .expect("subscription open")
}

fn dec(s: &str) -> Option<market::Decimal> {
    Some(parse_proto(s).expect("valid decimal"))
}

fn quote_message(instrument: &str, bid: &str, ask: &str) -> Message {
    let (symbol, venue) = instrument.split_once('.').expect("SYMBOL.VENUE");
    let q = QuoteTick {
        instrument_id: instrument.into(),
        bid_price: dec(bid),
        ask_price: dec(ask),
        bid_size: dec("1.5"),
        ask_size: dec("2"),
        ts_event: 1,
        ts_init: 1,
    };
    Message {
        topic: format!("data.quotes.{venue}.{symbol}"),
        payload: q.encode_to_vec(),
        content_type: content_type(payload::QUOTE_TICK),
        ..Default::default()
    }
}

fn order(coid: &str, instrument: &str, side: OrderSide, qty: &str) -> SubmitOrder {
    SubmitOrder {
        client_order_id: coid.into(),
        strategy_id: "s1".into(),
        instrument_id: instrument.into(),
        side: side as i32,
        order_type: OrderType::Market as i32,
        quantity: dec(qty),
        price: None,
        time_in_force: TimeInForce::Gtc as i32,
        ts_init: 1,
    }
}

fn command(o: &SubmitOrder) -> Message {
    Message {
        topic: "exec.commands.BINANCE.s1".into(),
        priority: Priority::High as i32,
        ordering_key: o.client_order_id.clone(),
        payload: o.encode_to_vec(),
        content_type: content_type(payload::SUBMIT_ORDER),
        ..Default::default()
    }
}

async fn wait_stats(stats: &mut watch::Receiver<Stats>, what: &str, ok: impl Fn(&Stats) -> bool) {
    let reached = tokio::time::timeout(WAIT, stats.wait_for(|s| ok(s)))
        .await
        .map(|r| r.is_ok());
    assert!(
        matches!(reached, Ok(true)),
        "adapter never reached: {what}; stats {:?}",
        *stats.borrow()
    );
}

/// A strategy client that has published a BINANCE BTCUSDT quote, and an execution adapter
/// started on the same gateway that has read it (its stats and its task).
async fn adapter_with_a_quote(
    gw: &Gateway,
) -> (
    Client,
    watch::Receiver<Stats>,
    JoinHandle<anyhow::Result<()>>,
) {
    let strategy = connect(gw, "it-strategy").await;
    strategy
        .publish_one(quote_message("BTCUSDT.BINANCE", "100.50", "100.60"))
        .await
        .expect("quote stored");
    let mut config = AdapterConfig::new("BINANCE");
    config.quote_start = Start::Earliest;
    let (adapter, mut stats) = ExecAdapter::new(connect(gw, "it-exec").await, config);
    let task = tokio::spawn(adapter.run());
    wait_stats(&mut stats, "the quote", |s| s.quotes >= 1).await;
    (strategy, stats, task)
}

/// The next event on the strategy's subscription: checks topic, priority and content type.
async fn event<T: prost::Message + Default>(
    sub: &mut Subscription,
    type_name: &str,
) -> (Message, T) {
    let d = next(sub).await;
    let m = d.message.expect("message");
    assert_eq!(m.topic, "exec.events.BINANCE.s1");
    assert_eq!(m.priority, Priority::High as i32, "events go out at HIGH");
    assert_eq!(m.content_type, content_type(type_name), "event {}", m.id);
    let payload = T::decode(m.payload.as_slice()).expect("decodable event");
    (m, payload)
}

fn d(x: &Option<market::Decimal>) -> Dec {
    Dec::from_proto(x.as_ref().expect("decimal set")).expect("valid decimal")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exec_adapter_fills_rejects_and_dedups() {
    let gw = Gateway::start();
    let (strategy, mut stats, task) = adapter_with_a_quote(&gw).await;

    let mut events = strategy
        .subscribe(SubscribeOptions::broadcast(["exec.events.BINANCE.>"]).start(Start::Earliest))
        .await
        .expect("subscribe to events");

    // A market buy fills at the ask, with a 0.1% taker fee.
    let buy = order("o-1", "BTCUSDT.BINANCE", OrderSide::Buy, "0.5");
    strategy
        .publish_one(command(&buy))
        .await
        .expect("command stored");
    let (m, accepted) = event::<OrderAccepted>(&mut events, payload::ORDER_ACCEPTED).await;
    assert_eq!(accepted.client_order_id, "o-1");
    assert_eq!(m.ordering_key, "o-1");
    assert_eq!(m.id, "exec/BINANCE/o-1/submit/accepted");
    let (_, fill) = event::<OrderFilled>(&mut events, payload::ORDER_FILLED).await;
    assert_eq!(fill.client_order_id, "o-1");
    assert_eq!(d(&fill.last_px), "100.60".parse().unwrap());
    assert_eq!(d(&fill.last_qty), "0.5".parse().unwrap());
    assert_eq!(d(&fill.commission), "0.0503".parse().unwrap());
    assert_eq!(fill.commission_currency, "USDT");

    // A market sell fills at the bid.
    let sell = order("o-2", "BTCUSDT.BINANCE", OrderSide::Sell, "2");
    strategy.publish_one(command(&sell)).await.expect("stored");
    event::<OrderAccepted>(&mut events, payload::ORDER_ACCEPTED).await;
    let (_, fill) = event::<OrderFilled>(&mut events, payload::ORDER_FILLED).await;
    assert_eq!(d(&fill.last_px), "100.50".parse().unwrap());

    // Bad commands get OrderRejected with a reason.
    let zero = order("bad-qty", "BTCUSDT.BINANCE", OrderSide::Buy, "0");
    let no_quote = order("bad-inst", "ETHUSDT.BINANCE", OrderSide::Buy, "1");
    let garbage = Message {
        id: "garbage-1".into(),
        payload: vec![0xff, 0xff, 0xff, 0xff],
        ..command(&zero)
    };
    let mut bad_format = order("bad-fmt", "BTCUSDT", OrderSide::Buy, "1");
    bad_format.instrument_id = "BTCUSDT".into();
    let expected = [
        ("bad-qty", "quantity must be positive"),
        ("bad-inst", "no quote for ETHUSDT.BINANCE"),
        ("", "not a valid SubmitOrder"),
        ("bad-fmt", "is not SYMBOL.VENUE"),
    ];
    for m in [
        command(&zero),
        command(&no_quote),
        garbage,
        command(&bad_format),
    ] {
        strategy.publish_one(m).await.expect("stored");
    }
    for (coid, reason) in expected {
        let (_, r) = event::<OrderRejected>(&mut events, payload::ORDER_REJECTED).await;
        assert_eq!(r.client_order_id, coid);
        assert!(
            r.reason.contains(reason),
            "{:?} should contain {reason:?}",
            r.reason
        );
    }

    // The same order again (as after a redelivery): same event ids, so the gateway drops the
    // copies. The next events seen are those of the following order.
    let retry = Message {
        id: "another-command-id".into(),
        ..command(&buy)
    };
    strategy.publish_one(retry).await.expect("stored");
    let after = order("o-3", "BTCUSDT.BINANCE", OrderSide::Buy, "1");
    strategy.publish_one(command(&after)).await.expect("stored");
    let (_, accepted) = event::<OrderAccepted>(&mut events, payload::ORDER_ACCEPTED).await;
    assert_eq!(
        accepted.client_order_id, "o-3",
        "no duplicate events for o-1"
    );
    event::<OrderFilled>(&mut events, payload::ORDER_FILLED).await;

    // Every command was acked after its events were stored.
    wait_stats(&mut stats, "8 acked commands", |s| {
        s.acked == 8 && s.commands == 8
    })
    .await;
    task.abort();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn command_taken_by_a_crashed_member_is_redelivered_to_the_adapter() {
    let gw = Gateway::start();
    let strategy = connect(&gw, "it-strategy").await;
    strategy
        .publish_one(quote_message("BTCUSDT.BINANCE", "100.50", "100.60"))
        .await
        .expect("quote stored");
    // A member of the adapters' group takes the command and dies without acking it.
    let doomed = connect(&gw, "it-doomed").await;
    let mut taken = doomed
        .subscribe(SubscribeOptions {
            ack_deadline_ms: 300,
            ..SubscribeOptions::group("exec-binance", ["exec.commands.BINANCE.*"])
        })
        .await
        .expect("join group");
    let mut events = strategy
        .subscribe(SubscribeOptions::broadcast(["exec.events.BINANCE.>"]).start(Start::Earliest))
        .await
        .expect("subscribe to events");
    let buy = order("crash-1", "BTCUSDT.BINANCE", OrderSide::Buy, "1");
    strategy.publish_one(command(&buy)).await.expect("stored");
    let delivery = next(&mut taken).await;
    assert_eq!(delivery.message.expect("message").ordering_key, "crash-1");
    doomed.close();
    drop(taken);

    let mut config = AdapterConfig::new("BINANCE");
    config.quote_start = Start::Earliest;
    let (adapter, mut stats) = ExecAdapter::new(connect(&gw, "it-exec").await, config);
    let task = tokio::spawn(adapter.run());
    let (_, accepted) = event::<OrderAccepted>(&mut events, payload::ORDER_ACCEPTED).await;
    assert_eq!(accepted.client_order_id, "crash-1");
    let (_, fill) = event::<OrderFilled>(&mut events, payload::ORDER_FILLED).await;
    assert_eq!(d(&fill.last_px), "100.60".parse().unwrap());
    wait_stats(&mut stats, "the redelivered command acked", |s| {
        s.acked == 1
    })
    .await;
    task.abort();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn subscriber_cli_prints_messages() {
    let gw = Gateway::start();
    let client = connect(&gw, "it-cli-feeder").await;
    let mut batch = vec![
        quote_message("BTCUSDT.BINANCE", "100.50", "100.60"),
        quote_message("ETHUSDT.BINANCE", "3000.1", "3000.2"),
    ];
    batch.push(Message {
        topic: "data.trades.BINANCE.BTCUSDT".into(),
        payload: b"not a quote".to_vec(),
        ..Default::default()
    });
    for r in client.publish(batch).await.expect("published") {
        assert!(r.error.is_none(), "{:?}", r.error);
    }
    let stdout = run_sub(&[
        "--endpoint",
        &gw.endpoint,
        "--pattern",
        "data.quotes.>",
        "--pattern",
        "data.trades.*.*",
        "--start",
        "earliest",
        "--count",
        "3",
    ])
    .await;
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 3, "{stdout}");
    let btc = lines
        .iter()
        .find(|l| l.starts_with("data.quotes.BINANCE.BTCUSDT pos="))
        .unwrap_or_else(|| panic!("no BTC line in {stdout}"));
    assert!(btc.contains(" dc=1 "), "{btc}");
    assert!(
        btc.contains("QuoteTick BTCUSDT.BINANCE bid 100.50 x 1.5 ask 100.60 x 2"),
        "{btc}"
    );
    assert!(stdout.contains("ETHUSDT.BINANCE bid 3000.1"), "{stdout}");
    assert!(
        stdout.contains("data.trades.BINANCE.BTCUSDT pos="),
        "{stdout}"
    );
    assert!(stdout.contains("<11 bytes>"), "{stdout}");

    // Group mode acks what it printed.
    let stdout = run_sub(&[
        "--endpoint",
        &gw.endpoint,
        "--pattern",
        "data.quotes.BINANCE.*",
        "--group",
        "cli",
        "--start",
        "earliest",
        "--count",
        "2",
        "--decode",
        "quote",
    ])
    .await;
    assert_eq!(stdout.lines().count(), 2, "{stdout}");
    assert!(stdout.contains("bid 3000.1"), "{stdout}");
}

/// Runs the subscriber CLI to completion (it exits after `--count`) and returns its stdout.
async fn run_sub(args: &[&str]) -> String {
    let out = tokio::time::timeout(
        WAIT,
        tokio::process::Command::new(env!("CARGO_BIN_EXE_tidegate-sub"))
            .args(args)
            .kill_on_drop(true)
            .output(),
    )
    .await
    .expect("tidegate-sub exits after --count messages")
    .expect("tidegate-sub runs");
    assert!(
        out.status.success(),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The gateway's ACL lets strategies send commands but lets nobody publish execution events:
/// the adapter's events are refused with PERMISSION_DENIED. It logs and counts each refusal,
/// acks nothing (the command is redelivered later, not lost) and keeps serving commands.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exec_adapter_reports_refused_events_and_keeps_running() {
    let dir = std::env::temp_dir().join(format!("tg-exec-acl-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let acl = dir.join("acl.conf");
    std::fs::write(
        &acl,
        r#"rules = [ { who = "*", publish-allow = ["exec.commands.>", "data.>"], subscribe-allow = [">"], join-groups = ["*"] } ]"#,
    )
    .expect("acl file");
    let gw = Gateway::start_with(
        0,
        &[
            "--security.acl.enabled=true".into(),
            format!("--security.acl.file={}", acl.display()),
        ],
    );
    let (strategy, mut stats, task) = adapter_with_a_quote(&gw).await;

    for coid in ["denied-1", "denied-2"] {
        strategy
            .publish_one(command(&order(
                coid,
                "BTCUSDT.BINANCE",
                OrderSide::Buy,
                "0.5",
            )))
            .await
            .expect("command stored");
    }
    wait_stats(&mut stats, "two commands with refused events", |s| {
        s.commands >= 2 && s.refused >= 2
    })
    .await;
    let s = stats.borrow().clone();
    assert_eq!(
        s.acked, 0,
        "a command whose events were refused is not acked: {s:?}"
    );
    let last = s.last_refusal.expect("the last refusal is kept");
    assert!(last.contains("PermissionDenied"), "{last}");
    assert!(last.contains("exec/BINANCE/denied-"), "{last}");
    assert!(!task.is_finished(), "the adapter stopped after a refusal");
    task.abort();
}
