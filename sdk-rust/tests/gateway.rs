//! Against the real gateway jar: the client (publish, subscribe, ack, credit, failover, frames).

mod common;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use common::{Gateway, Redis};
use tidegate::client::{Client, ClientConfig, Event, Start, SubscribeOptions, Subscription};
use tidegate::proto::v1::Message;

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

/// A broadcast subscriber that does not read (so it grants no credit) while its topic moves on
/// past the gateway's retention (`retention.max-length=10`) gets an `Event::Gap` with how many
/// messages it lost, after the messages before the hole and before the rest, which follow in
/// order. Memory and Redis backends.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_subscriber_that_fell_behind_retention_gets_a_gap_event_then_the_rest_in_order() {
    let redis = Redis::start();
    for backend in ["memory", "redis"] {
        let spool = std::env::temp_dir().join(format!(
            "tidegate-rust-gap-{}-{backend}",
            std::process::id()
        ));
        let mut flags = vec![
            "--retention.max-length=10".to_string(),
            format!("--backend.type={backend}"),
            format!("--resilience.spool.dir={}", spool.display()),
        ];
        if backend == "redis" {
            flags.push(format!("--backend.redis.uri={}", redis.uri));
        }
        let gw = Gateway::start_with(0, &flags);
        let client = connect(&gw, "gap").await;
        let topic = format!("gap.rust.{backend}");
        let mut options = SubscribeOptions::broadcast([topic.as_str()]).credit(5);
        options.auto_credit = false;
        let mut sub = client.subscribe(options).await.expect("subscribed");
        let msg = |payload: String| Message {
            topic: topic.clone(),
            payload: payload.into_bytes(),
            ..Default::default()
        };
        let first = client
            .publish((0..5).map(|i| msg(format!("a{i}"))).collect())
            .await
            .expect("stored");
        let mut events = Vec::new();
        for _ in 0..5 {
            let event = tokio::time::timeout(WAIT, sub.next_event()).await;
            events.push(
                event
                    .expect("a delivery within the timeout")
                    .expect("subscription open"),
            );
        }
        // its credit used up, the subscriber reads nothing while the topic moves on past retention
        let mut later = Vec::new();
        for batch in 0..10 {
            let run: Vec<String> = (0..100).map(|i| format!("b{batch}-{i}")).collect();
            later.extend(run.iter().cloned());
            client
                .publish(run.into_iter().map(msg).collect())
                .await
                .expect("stored");
        }
        let newest = later.last().expect("published").clone().into_bytes();

        sub.grant(2000).expect("credit granted");
        loop {
            let event = tokio::time::timeout(WAIT, sub.next_event())
                .await
                .unwrap_or_else(|_| panic!("an event within the timeout\n{}", gw.log()))
                .expect("subscription open");
            let done = matches!(&event, Event::Delivery(d)
                if d.message.as_ref().map(|m| &m.payload) == Some(&newest));
            events.push(event);
            if done {
                break;
            }
        }
        let payload = |e: &Event| match e {
            Event::Delivery(d) => {
                String::from_utf8(d.message.clone().expect("a message").payload).expect("utf-8")
            }
            other => panic!("expected a delivery, got {other:?}"),
        };
        let before: Vec<String> = events[..5].iter().map(payload).collect();
        assert_eq!(before, ["a0", "a1", "a2", "a3", "a4"]);
        let Event::Gap(gap) = &events[5] else {
            panic!("expected the gap after the first five, got {:?}", events[5]);
        };
        let rest: Vec<String> = events[6..].iter().map(payload).collect();
        assert_eq!(gap.topic, topic);
        assert_eq!(gap.from, first[4].position);
        assert_eq!(gap.lost, Some((later.len() - rest.len()) as u64));
        assert!(gap.lost > Some(0));
        assert_eq!(rest, later[later.len() - rest.len()..]);
        drop(sub);
        drop(gw);
        let _ = std::fs::remove_dir_all(&spool);
    }
}
