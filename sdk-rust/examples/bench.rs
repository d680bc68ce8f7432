//! Publish and receive rates of this SDK against a running gateway, for the benchmark suite
//! (`scripts/bench-suite.sh`). Two phases on fresh topics: publishers alone (publish rate: messages
//! acknowledged per second), then publishers with one broadcast subscriber (receive rate:
//! messages delivered per second). Prints one JSON line.
//!
//! ```text
//! cargo run --release --example bench -- 127.0.0.1:7400 [seconds=5] [payload_bytes=200]
//! ```

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tidegate::client::{Client, ClientConfig, SubscribeOptions};
use tidegate::proto::v1::Message;

/// Publisher tasks, each with one batch in flight: enough to keep the stream busy while one is acknowledged.
const PUBLISHERS: usize = 4;
const BATCH: usize = 100;
/// Unmeasured time after a phase's first ack before its window: the gateway's JIT.
const WARMUP: Duration = Duration::from_secs(1);

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let endpoint = args
        .first()
        .ok_or("usage: bench HOST:PORT [seconds] [payload_bytes]")?;
    let seconds: u64 = args.get(1).map(|s| s.parse()).transpose()?.unwrap_or(5);
    let payload_bytes: usize = args.get(2).map(|s| s.parse()).transpose()?.unwrap_or(200);
    let window = Duration::from_secs(seconds);
    let mut config = ClientConfig::new(endpoint, "rs-bench");
    // a gateway that just started on a busy machine can take longer than the default 5 s to welcome
    config.connect_timeout = Duration::from_secs(60);
    let client = Arc::new(Client::connect(config).await?);
    let run = std::process::id();

    let publish = phase(
        &client,
        &format!("bench.rs{run}.pub"),
        payload_bytes,
        window,
        false,
    )
    .await?;
    let receive = phase(
        &client,
        &format!("bench.rs{run}.sub"),
        payload_bytes,
        window,
        true,
    )
    .await?;
    println!(
        "{{\"publish_per_s\":{:.1},\"receive_per_s\":{:.1},\"seconds\":{seconds},\"payload_bytes\":{payload_bytes}}}",
        publish.0, receive.1
    );
    client.close();
    Ok(())
}

/// Publishes as fast as acknowledgements allow for the warmup and the window; with `subscribe`,
/// one broadcast subscriber takes the topic meanwhile. Returns (acked/s, received/s) in the window.
async fn phase(
    client: &Arc<Client>,
    topic: &str,
    payload_bytes: usize,
    window: Duration,
    subscribe: bool,
) -> Result<(f64, f64), Box<dyn std::error::Error>> {
    let acked = Arc::new(AtomicU64::new(0));
    let received = Arc::new(AtomicU64::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let mut tasks = Vec::new();
    if subscribe {
        let mut sub = client
            .subscribe(SubscribeOptions::broadcast([topic]).credit(10_000))
            .await?;
        let received = received.clone();
        let stop = stop.clone();
        tasks.push(tokio::spawn(async move {
            while !stop.load(Ordering::Relaxed) {
                match tokio::time::timeout(Duration::from_millis(200), sub.recv()).await {
                    Ok(Some(_)) => {
                        received.fetch_add(1, Ordering::Relaxed);
                    }
                    Ok(None) => break,
                    Err(_) => {}
                }
            }
        }));
    }
    for _ in 0..PUBLISHERS {
        let client = client.clone();
        let acked = acked.clone();
        let stop = stop.clone();
        let topic = topic.to_string();
        tasks.push(tokio::spawn(async move {
            while !stop.load(Ordering::Relaxed) {
                let batch = (0..BATCH)
                    .map(|_| Message {
                        topic: topic.clone(),
                        payload: vec![b'x'; payload_bytes],
                        ..Default::default()
                    })
                    .collect();
                match client.publish(batch).await {
                    Ok(results) => {
                        let ok = results.iter().filter(|r| r.error.is_none()).count();
                        acked.fetch_add(ok as u64, Ordering::Relaxed);
                    }
                    Err(e) => {
                        eprintln!("publish failed: {e}");
                        break;
                    }
                }
            }
        }));
    }
    // the first acks take long on a cold gateway: the window starts WARMUP after them
    let deadline = Instant::now() + Duration::from_secs(60);
    while acked.load(Ordering::Relaxed) == 0 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tokio::time::sleep(WARMUP).await;
    let (a0, r0, t0) = (
        acked.load(Ordering::Relaxed),
        received.load(Ordering::Relaxed),
        Instant::now(),
    );
    tokio::time::sleep(window).await;
    let (a1, r1, elapsed) = (
        acked.load(Ordering::Relaxed),
        received.load(Ordering::Relaxed),
        t0.elapsed().as_secs_f64(),
    );
    stop.store(true, Ordering::Relaxed);
    for t in tasks {
        t.await?;
    }
    Ok(((a1 - a0) as f64 / elapsed, (r1 - r0) as f64 / elapsed))
}
