//! Against the real gateway jar: the client, the execution adapter and the subscriber CLI.

mod common;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use common::{Gateway, Redis};
use prost::Message as _;
use tidegate::client::{
    Client, ClientConfig, Event, Priority, Start, SubscribeOptions, Subscription,
};
use tidegate::decimal::{parse_proto, Dec};
use tidegate::exec::{AdapterConfig, ExecAdapter, Stats};
use tidegate::payload::{self, content_type};
use tidegate::proto::market::{
    self, OrderAccepted, OrderFilled, OrderRejected, OrderSide, OrderType, QuoteTick, SubmitOrder,
    TimeInForce,
};
use tidegate::proto::v1::Message;
use tokio::sync::watch;

const WAIT: Duration = Duration::from_secs(15);

async fn connect(gw: &Gateway, name: &str) -> Client {
    Client::connect(ClientConfig::new(&gw.endpoint, name))
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
    let strategy = connect(&gw, "it-strategy").await;
    strategy
        .publish_one(quote_message("BTCUSDT.BINANCE", "100.50", "100.60"))
        .await
        .expect("quote stored");

    let mut config = AdapterConfig::new("BINANCE");
    config.quote_start = Start::Earliest;
    let (adapter, mut stats) = ExecAdapter::new(connect(&gw, "it-exec").await, config);
    let task = tokio::spawn(adapter.run());
    wait_stats(&mut stats, "the quote", |s| s.quotes >= 1).await;

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
async fn client_publishes_subscribes_acks_and_pings() {
    let gw = Gateway::start();
    let client = connect(&gw, "it-client").await;
    assert!(!client.session().session_id.is_empty());
    client.ping().await.expect("pong");

    let mut all = client
        .subscribe(SubscribeOptions::broadcast(["it.client.>"]))
        .await
        .expect("broadcast");
    let mut work = client
        .subscribe(SubscribeOptions {
            ack_deadline_ms: 500,
            ..SubscribeOptions::group("workers", ["it.client.*"]).credit(10)
        })
        .await
        .expect("group");
    assert!(!work.consumer_name().is_empty());

    let msg = |topic: &str, id: &str| Message {
        id: id.into(),
        topic: topic.into(),
        payload: b"x".to_vec(),
        ..Default::default()
    };
    let results = client
        .publish(vec![
            msg("it.client.a", "m1"),
            msg("it..bad", "m2"),
            msg("it.client.b", "m3"),
        ])
        .await
        .expect("publish ack");
    assert_eq!(results.len(), 3);
    for (i, r) in results.iter().enumerate() {
        assert_eq!(r.index as usize, i, "results in batch order");
    }
    assert!(results[0].position.is_some() && results[0].error.is_none());
    let err = results[1].error.as_ref().expect("bad topic rejected");
    assert_eq!(err.code, 3, "INVALID_ARGUMENT: {}", err.message);
    assert!(results[2].position.is_some());

    // A retried id is acknowledged as a duplicate with the original position.
    let dup = client
        .publish(vec![msg("it.client.a", "m1")])
        .await
        .expect("ack");
    assert!(dup[0].duplicate);
    assert_eq!(dup[0].position, results[0].position);

    // Different topics are different ordering keys: no order between them.
    let mut broadcast = Vec::new();
    let mut shared = Vec::new();
    for _ in 0..2 {
        broadcast.push(next(&mut all).await.message.expect("message").topic);
        let w = next(&mut work).await;
        assert_eq!(w.delivery_count, 1);
        shared.push(w.message.expect("message").topic);
        work.ack(vec![w.position.expect("position")])
            .expect("ack sent");
    }
    broadcast.sort();
    shared.sort();
    assert_eq!(broadcast, ["it.client.a", "it.client.b"]);
    assert_eq!(shared, ["it.client.a", "it.client.b"]);
    // Not acked within the deadline: redelivered with a higher delivery count; acked ones not.
    client
        .publish_one(msg("it.client.c", "m4"))
        .await
        .expect("stored");
    next(&mut all).await;
    let first = next(&mut work).await;
    assert_eq!(first.message.as_ref().expect("message").id, "m4");
    let again = next(&mut work).await;
    assert_eq!(
        again.message.as_ref().expect("message").id,
        "m4",
        "only the unacked one returns"
    );
    assert!(
        again.delivery_count >= 2,
        "delivery_count {}",
        again.delivery_count
    );
    work.ack(vec![again.position.expect("position")])
        .expect("ack sent");
    let quiet = tokio::time::timeout(Duration::from_millis(1500), work.recv()).await;
    assert!(
        quiet.is_err(),
        "nothing redelivered after the ack: {quiet:?}"
    );
    client.ping().await.expect("pong");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_reconnects_and_resubscribes() {
    let gw = Gateway::start();
    let port = gw.port();
    let mut config = ClientConfig::new(&gw.endpoint, "it-reconnect");
    config.backoff_max = Duration::from_millis(300);
    let client = Client::connect(config).await.expect("connect");
    let mut sub = client
        .subscribe(SubscribeOptions::broadcast(["it.re.>"]))
        .await
        .expect("subscribe");
    let msg = |id: &str| Message {
        id: id.into(),
        topic: "it.re.x".into(),
        payload: id.as_bytes().to_vec(),
        ..Default::default()
    };
    client.publish_one(msg("before")).await.expect("stored");
    assert_eq!(next(&mut sub).await.message.expect("message").id, "before");

    let mut session = client.session_watch();
    let first_gateway = client.session().session_id;
    drop(gw); // kills the gateway
    let gw = Gateway::start_on(port);
    tokio::time::timeout(
        Duration::from_secs(30),
        session.wait_for(|s| s.connection >= 2),
    )
    .await
    .expect("reconnected within 30 s")
    .expect("client alive");
    assert_ne!(client.session().session_id, first_gateway);

    client
        .publish_one(msg("after"))
        .await
        .expect("stored on the new gateway");
    let d = next(&mut sub).await;
    assert_eq!(d.message.expect("message").id, "after", "{}", gw.log());
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn manual_credit_is_exact() {
    let gw = Gateway::start();
    let client = connect(&gw, "it-credit").await;
    let messages = (0..5)
        .map(|i| Message {
            topic: "it.credit.x".into(),
            payload: vec![i],
            ..Default::default()
        })
        .collect();
    client.publish(messages).await.expect("published");
    let mut sub = client
        .subscribe(SubscribeOptions {
            auto_credit: false,
            ..SubscribeOptions::broadcast(["it.credit.>"])
                .start(Start::Earliest)
                .credit(2)
        })
        .await
        .expect("subscribe");
    for want in 0..2u8 {
        assert_eq!(
            next(&mut sub).await.message.expect("message").payload,
            [want]
        );
    }
    let more = tokio::time::timeout(Duration::from_millis(700), sub.recv()).await;
    assert!(
        more.is_err(),
        "no delivery beyond the credit granted: {more:?}"
    );
    sub.grant(3).expect("credit sent");
    for want in 2..5u8 {
        assert_eq!(
            next(&mut sub).await.message.expect("message").payload,
            [want],
            "per-key order"
        );
    }
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

/// Two replicas on one redis-server; a client given both endpoints is on replica A when A is
/// SIGKILLed: it fails over to B, re-sends what was not acked (same ids) and its broadcast
/// subscription resumes after the last position it saw, with no gap and no repeat.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_fails_over_to_the_other_replica_and_resumes() {
    let mut replicas = TwoReplicas::start("replica");
    let client = |name: &str| Client::connect(replicas.client_config(name));
    let publisher = client("it-failover-pub").await.expect("connect");
    let subscriber = client("it-failover-sub").await.expect("connect");
    assert_eq!(subscriber.session().gateway_id, "replica-a");
    let mut sub = subscriber
        .subscribe(SubscribeOptions::broadcast(["it.failover.>"]))
        .await
        .expect("subscribe");
    let msg = |n: u32| Message {
        id: format!("f-{n}"),
        topic: "it.failover.x".into(),
        payload: n.to_be_bytes().to_vec(),
        ..Default::default()
    };
    for n in 0..50 {
        publisher.publish_one(msg(n)).await.expect("stored");
    }
    let mut got = Vec::new();
    while got.len() < 50 {
        got.push(next(&mut sub).await.message.expect("message").id);
    }

    replicas.a.kill();
    for n in 50..100 {
        tokio::time::timeout(Duration::from_secs(30), publisher.publish_one(msg(n)))
            .await
            .expect("acked within 30 s")
            .expect("stored on replica B");
    }
    assert_eq!(publisher.session().gateway_id, "replica-b");
    while got.len() < 100 {
        got.push(next(&mut sub).await.message.expect("message").id);
    }
    assert_eq!(
        subscriber.session().gateway_id,
        "replica-b",
        "{}",
        replicas.b.log()
    );
    let expected: Vec<String> = (0..100).map(|n| format!("f-{n}")).collect();
    assert_eq!(got, expected, "in order, no gap, no repeat");
    let extra = tokio::time::timeout(Duration::from_millis(500), sub.recv()).await;
    assert!(extra.is_err(), "nothing delivered twice");
}

/// A rolling restart must not fail publishes: a draining replica refuses what it can no longer
/// take with UNAVAILABLE, and the client sends those again (same ids) on the other replica.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn publishes_refused_by_a_draining_replica_are_sent_again_and_all_stored() {
    let mut replicas = TwoReplicas::start("drain");
    let publisher = Client::connect(replicas.client_config("it-drain-pub"))
        .await
        .expect("connect");
    assert_eq!(publisher.session().gateway_id, "drain-a");

    // Eight publishers, each with one batch in flight at all times, so frames are on their way
    // when the replica starts draining.
    let stop = Arc::new(AtomicBool::new(false));
    let senders: Vec<_> = (0..8)
        .map(|t| {
            let publisher = publisher.clone();
            let stop = stop.clone();
            tokio::spawn(async move {
                let mut stored = 0usize;
                let mut n = 0;
                while !stop.load(Ordering::Relaxed) {
                    let batch: Vec<Message> = (0..10)
                        .map(|k| Message {
                            id: format!("d-{t}-{n}-{k}"),
                            topic: format!("it.drain.{t}"),
                            payload: vec![0; 64],
                            ..Default::default()
                        })
                        .collect();
                    n += 1;
                    let results =
                        tokio::time::timeout(Duration::from_secs(60), publisher.publish(batch))
                            .await
                            .expect("answered within 60 s")
                            .expect("no stream error");
                    for r in results {
                        assert!(r.error.is_none(), "refused: {:?}", r.error);
                        stored += 1;
                    }
                }
                stored
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(500)).await;
    replicas.a.terminate();
    tokio::time::sleep(Duration::from_millis(1000)).await;
    stop.store(true, Ordering::Relaxed);
    let mut stored = 0;
    for s in senders {
        stored += s.await.expect("no publish refused");
    }
    assert!(stored > 0);
    assert_eq!(publisher.session().gateway_id, "drain-b");
}

/// Replicas `<name>-a` and `<name>-b` on one redis-server, each with its own spool directory
/// (removed on drop).
struct TwoReplicas {
    a: Gateway,
    b: Gateway,
    spool: std::path::PathBuf,
    _redis: Redis,
}

impl TwoReplicas {
    fn start(name: &str) -> TwoReplicas {
        let redis = Redis::start();
        let spool =
            std::env::temp_dir().join(format!("tidegate-rust-{name}-{}", std::process::id()));
        let start = |replica: String| {
            Gateway::start_with(
                0,
                &[
                    format!("--backend.redis.uri={}", redis.uri),
                    format!("--resilience.spool.dir={}", spool.join(&replica).display()),
                    format!("--gateway-id={replica}"),
                ],
            )
        };
        TwoReplicas {
            a: start(format!("{name}-a")),
            b: start(format!("{name}-b")),
            spool,
            _redis: redis,
        }
    }

    /// Both endpoints, A first, with short reconnect backoff.
    fn client_config(&self, client: &str) -> ClientConfig {
        let mut c = ClientConfig::new(format!("{},{}", self.a.endpoint, self.b.endpoint), client);
        c.backoff_initial = Duration::from_millis(50);
        c.backoff_max = Duration::from_millis(300);
        c
    }
}

impl Drop for TwoReplicas {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.spool);
    }
}

/// A gateway on a redis-server that is flushed under it: each subscription gets one
/// `Event::Reset` in its stream, and goes on receiving what is published afterwards.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flushed_redis_reaches_each_subscription_as_a_reset_event() {
    let redis = Redis::start();
    let spool = std::env::temp_dir().join(format!("tidegate-rust-reset-{}", std::process::id()));
    let gw = Gateway::start_with(
        0,
        &[
            format!("--backend.redis.uri={}", redis.uri),
            format!("--resilience.spool.dir={}", spool.display()),
        ],
    );
    let client = connect(&gw, "reset").await;
    let mut all = client
        .subscribe(SubscribeOptions::broadcast(["reset.jobs"]))
        .await
        .expect("broadcast subscribed");
    let mut workers = client
        .subscribe(SubscribeOptions::group("reset-workers", ["reset.jobs"]))
        .await
        .expect("group subscribed");
    let job = |payload: &str| Message {
        topic: "reset.jobs".into(),
        payload: payload.as_bytes().to_vec(),
        ..Default::default()
    };
    client.publish_one(job("before")).await.expect("stored");
    assert_eq!(
        next(&mut all).await.message.expect("a message").payload,
        b"before"
    );
    let first = next(&mut workers).await;
    workers
        .ack(vec![first.position.expect("a position")])
        .expect("acked");
    let before_loss = tidegate::client::now_nanos();

    redis.flush_all();

    for sub in [&mut all, &mut workers] {
        match tokio::time::timeout(WAIT, sub.next_event()).await {
            Ok(Some(Event::Reset(r))) => {
                assert!(
                    r.reason.contains("Redis lost its stored data"),
                    "{}",
                    r.reason
                );
                assert!(r.detected_at >= before_loss - 1_000_000_000);
            }
            other => panic!(
                "expected a reset on {}, got {other:?}\n{}",
                sub.id(),
                gw.log()
            ),
        }
    }
    client.publish_one(job("after")).await.expect("stored");
    assert_eq!(
        next(&mut all).await.message.expect("a message").payload,
        b"after"
    );
    assert_eq!(
        next(&mut workers).await.message.expect("a message").payload,
        b"after"
    );
    assert!(
        all.resets().is_empty(),
        "next_event returned the notice itself"
    );
    let _ = std::fs::remove_dir_all(&spool);
}

/// Publish frames stay within the gateway's advertised `max_frame_bytes`. Scaled down: 17
/// messages of a 16 KiB payload against a 100 kB frame limit stand for 17 MiB against 16 MiB.
const SPLIT_MAX_PAYLOAD: usize = 16 * 1024;
const SPLIT_MAX_FRAME: u32 = 100_000;

fn small_frames_gateway() -> Gateway {
    Gateway::start_with(
        0,
        &[
            format!("--limits.max-payload-bytes={SPLIT_MAX_PAYLOAD}"),
            format!("--limits.max-frame-bytes={SPLIT_MAX_FRAME}"),
            format!("--grpc.max-inbound-message-bytes={}", 1024 * 1024),
        ],
    )
}

fn full_payload(topic: &str, i: u8) -> Message {
    let mut payload = vec![0u8; SPLIT_MAX_PAYLOAD];
    payload[0] = i;
    Message {
        topic: topic.into(),
        payload,
        ..Default::default()
    }
}

#[tokio::test]
async fn batch_over_the_frame_limit_is_split_and_the_subscription_survives() {
    let gw = small_frames_gateway();
    let client = connect(&gw, "splitter").await;
    assert_eq!(client.session().limits.max_frame_bytes, SPLIT_MAX_FRAME);
    let mut sub = client
        .subscribe(SubscribeOptions::broadcast(["split.big"]))
        .await
        .expect("subscribed");

    let batch: Vec<Message> = (0..17).map(|i| full_payload("split.big", i)).collect();
    let results = client.publish(batch).await.expect("the batch is accepted");
    assert_eq!(results.len(), 17);
    for (i, r) in results.iter().enumerate() {
        assert!(r.error.is_none(), "message {i} refused: {:?}", r.error);
        assert_eq!(
            r.index as usize, i,
            "results come back at the caller's indices"
        );
        assert!(r.position.is_some());
    }
    for i in 0..17u8 {
        assert_eq!(next(&mut sub).await.message.expect("message").payload[0], i);
    }
    // the same stream still carries publishes and deliveries
    client
        .publish_one(full_payload("split.big", 99))
        .await
        .expect("published after the split batch");
    assert_eq!(
        next(&mut sub).await.message.expect("message").payload[0],
        99
    );
    assert_eq!(client.session().connection, 1, "the stream was never reset");
}

#[tokio::test]
async fn message_larger_than_a_frame_is_refused_locally_naming_the_limit() {
    let gw = small_frames_gateway();
    let client = connect(&gw, "oversize").await;
    let mut huge = full_payload("split.huge", 0);
    // within max-payload-bytes, but its headers push it over the frame limit
    huge.headers
        .insert("padding".into(), "x".repeat(SPLIT_MAX_FRAME as usize));
    let results = client
        .publish(vec![huge, full_payload("split.huge", 1)])
        .await
        .expect("an answer per message");
    let refused = results[0]
        .error
        .as_ref()
        .expect("the oversize message is refused");
    assert_eq!(refused.code, 8, "RESOURCE_EXHAUSTED");
    assert!(
        refused.message.contains("max_frame_bytes")
            && refused.message.contains(&SPLIT_MAX_FRAME.to_string()),
        "{}",
        refused.message
    );
    assert!(results[1].error.is_none() && results[1].position.is_some());
}
