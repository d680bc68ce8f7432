//! Runs `conformance/scenario.json` with the Rust client against a gateway and prints PASS/FAIL
//! per step and a total; exits 0 only when every step passed. The Rust counterpart of
//! `conformance/run_python.py`, step by step.
//!
//! `tidegate-conformance --endpoint 127.0.0.1:7400 --scenario conformance/scenario.json`, and
//! against a secured gateway `--ca ca.pem --token-file conformance.token` (or `--cert`/`--key`).

use std::collections::{BTreeMap, HashSet};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, ensure, Context};
use clap::Parser;
use serde_json::Value;
use tidegate::client::{
    now_nanos, Client, ClientConfig, ClientError, Event, Start, SubscribeOptions, Subscription,
};
use tidegate::proto::v1::{Delivery, Message, Position};
use tidegate_examples::connect::ConnectFlags;
use tokio::task::JoinHandle;

const WAIT: Duration = Duration::from_secs(15);

#[derive(Parser, Debug)]
#[command(
    version,
    about = "Runs the Tidegate conformance scenario with the Rust client"
)]
struct Args {
    /// Gateway address (host:port or http://host:port)
    #[arg(long, default_value = "127.0.0.1:7400")]
    endpoint: String,
    /// The scenario file
    #[arg(long, default_value = "conformance/scenario.json")]
    scenario: PathBuf,
    #[command(flatten)]
    connect: ConnectFlags,
}

/// gRPC status code names (google.rpc.Code numbering), as the scenario spells them.
fn code_name(code: i32) -> &'static str {
    const NAMES: [&str; 17] = [
        "OK",
        "CANCELLED",
        "UNKNOWN",
        "INVALID_ARGUMENT",
        "DEADLINE_EXCEEDED",
        "NOT_FOUND",
        "ALREADY_EXISTS",
        "PERMISSION_DENIED",
        "RESOURCE_EXHAUSTED",
        "FAILED_PRECONDITION",
        "ABORTED",
        "OUT_OF_RANGE",
        "UNIMPLEMENTED",
        "INTERNAL",
        "UNAVAILABLE",
        "DATA_LOSS",
        "UNAUTHENTICATED",
    ];
    usize::try_from(code)
        .ok()
        .and_then(|i| NAMES.get(i).copied())
        .unwrap_or("UNKNOWN_CODE")
}

fn str_of<'a>(v: &'a Value, key: &str) -> anyhow::Result<&'a str> {
    v[key]
        .as_str()
        .ok_or_else(|| anyhow!("scenario: {key:?} is not a string in {v}"))
}

fn num_of(v: &Value, key: &str) -> anyhow::Result<u64> {
    v[key]
        .as_u64()
        .ok_or_else(|| anyhow!("scenario: {key:?} is not a number in {v}"))
}

fn ms_of(v: &Value, key: &str) -> anyhow::Result<Duration> {
    num_of(v, key).map(Duration::from_millis)
}

/// The subscription's next event within [`WAIT`].
async fn next_event(sub: &mut Subscription) -> anyhow::Result<Event> {
    tokio::time::timeout(WAIT, sub.next_event())
        .await
        .map_err(|_| anyhow!("nothing within {WAIT:?}"))?
        .ok_or_else(|| anyhow!("the subscription ended"))
}

async fn until(pred: impl Fn() -> bool, timeout: Duration) -> bool {
    let deadline = Instant::now() + timeout;
    while !pred() {
        if Instant::now() > deadline {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    true
}

/// Deliveries received by a subscription's task, shared with the step that checks them.
#[derive(Clone, Default)]
struct Seen(Arc<Mutex<Vec<Delivery>>>);

impl Seen {
    fn all(&self) -> Vec<Delivery> {
        self.0.lock().map(|v| v.clone()).unwrap_or_default()
    }
    fn len(&self) -> usize {
        self.0.lock().map(|v| v.len()).unwrap_or_default()
    }
    fn ids(&self) -> Vec<String> {
        self.all().iter().map(id).collect()
    }
    fn distinct_ids(&self) -> usize {
        self.ids().into_iter().collect::<HashSet<_>>().len()
    }
}

fn id(d: &Delivery) -> String {
    d.message.as_ref().map(|m| m.id.clone()).unwrap_or_default()
}

fn topic(d: &Delivery) -> String {
    d.message
        .as_ref()
        .map(|m| m.topic.clone())
        .unwrap_or_default()
}

/// How a subscription's task treats each delivery.
#[derive(Clone, Copy, Default)]
struct Handling {
    /// GROUP: ack after handling.
    ack: bool,
    /// Time the "handler" is busy with a message.
    busy: Duration,
    /// Grant one credit after handling (the subscription has `auto_credit = false`).
    grant: bool,
}

/// Takes the subscription's deliveries in a task until it is aborted (which drops the
/// subscription and so unsubscribes).
fn collect(mut sub: Subscription, how: Handling) -> (Seen, JoinHandle<()>) {
    let seen = Seen::default();
    let out = seen.clone();
    let task = tokio::spawn(async move {
        while let Some(d) = sub.recv().await {
            let position = d.position.clone();
            if let Ok(mut v) = out.0.lock() {
                v.push(d);
            }
            if !how.busy.is_zero() {
                tokio::time::sleep(how.busy).await; // busy: the next message goes to a free member
            }
            if how.ack {
                if let Some(p) = position {
                    let _ = sub.ack(vec![p]);
                }
            }
            if how.grant {
                let _ = sub.grant(1);
            }
        }
    });
    (seen, task)
}

/// The answer the gateway gave to a frame it should have rejected.
fn rejection<T>(result: Result<T, ClientError>) -> anyhow::Result<Option<(i32, String)>> {
    match result {
        Ok(_) => Ok(None),
        Err(ClientError::Frame { code, message, .. }) => Ok(Some((code, message))),
        Err(ClientError::Status(s)) => Ok(Some((s.code() as i32, s.message().to_string()))),
        Err(e) => Err(anyhow!("{e}")),
    }
}

fn expect_error(step: &Value, code: i32, message: &str) -> anyhow::Result<()> {
    let want = str_of(step, "code")?;
    ensure!(
        code_name(code) == want,
        "got {}: {message}, want {want}",
        code_name(code)
    );
    if let Some(says) = step["says"].as_str() {
        ensure!(
            message.to_lowercase().contains(&says.to_lowercase()),
            "message {message:?} does not mention {says:?}"
        );
    }
    Ok(())
}

struct Runner {
    endpoint: String,
    connect: ConnectFlags,
    run: String,
    client: Client,
}

impl Runner {
    fn t(&self, s: &str) -> String {
        s.replace("{run}", &self.run)
    }

    fn ts(&self, step: &Value, key: &str) -> anyhow::Result<String> {
        Ok(self.t(str_of(step, key)?))
    }

    async fn new_client(
        endpoint: &str,
        connect: &ConnectFlags,
        name: &str,
    ) -> anyhow::Result<Client> {
        let config = connect.apply(ClientConfig::new(
            endpoint,
            format!("conformance-rust-{name}"),
        ))?;
        tokio::time::timeout(WAIT, Client::connect(config))
            .await
            .map_err(|_| anyhow!("client {name} did not connect within {WAIT:?}"))?
            .with_context(|| format!("client {name} connecting to {endpoint}"))
    }

    async fn client(&self, name: &str) -> anyhow::Result<Client> {
        Self::new_client(&self.endpoint, &self.connect, name).await
    }

    async fn publish(&self, topic: &str, n: u64, prefix: &str) -> anyhow::Result<Vec<String>> {
        let messages = (0..n)
            .map(|i| Message {
                id: format!("{prefix}-{}-{topic}-{i}", self.run),
                topic: topic.to_string(),
                payload: i.to_string().into_bytes(),
                ..Default::default()
            })
            .collect();
        let results = tokio::time::timeout(WAIT, self.client.publish(messages))
            .await
            .map_err(|_| anyhow!("no publish ack within {WAIT:?}"))??;
        results
            .into_iter()
            .map(|r| match (r.error, r.position) {
                (Some(e), _) => Err(anyhow!(
                    "publish {} rejected: {}: {}",
                    r.message_id,
                    code_name(e.code),
                    e.message
                )),
                (None, Some(p)) => Ok(p.entry_id),
                (None, None) => Ok(String::new()),
            })
            .collect()
    }

    async fn subscribe(client: &Client, options: SubscribeOptions) -> anyhow::Result<Subscription> {
        tokio::time::timeout(WAIT, client.subscribe(options))
            .await
            .map_err(|_| anyhow!("no answer to subscribe within {WAIT:?}"))?
            .context("subscribe")
    }

    async fn step(&self, s: &Value) -> anyhow::Result<()> {
        match str_of(s, "op")? {
            "publish" => self.op_publish(s).await,
            "pattern_subscribe" => self.op_pattern_subscribe(s).await,
            "group_share" => self.op_group_share(s).await,
            "ack" => self.op_ack(s).await,
            "redelivery" => self.op_redelivery(s).await,
            "resume" => self.op_resume(s).await,
            "gap" => self.op_gap(s).await,
            "bad_publish" => self.op_bad_publish(s).await,
            "bad_subscribe" => self.op_bad_subscribe(s).await,
            "refused_connect" => self.op_refused_connect(s).await,
            other => bail!("unknown op {other:?}"),
        }
    }

    // ------------------------------------------------------------------ ops

    async fn op_publish(&self, s: &Value) -> anyhow::Result<()> {
        let count = num_of(s, "count")?;
        let entries = self.publish(&self.ts(s, "topic")?, count, "m").await?;
        ensure!(
            entries.len() as u64 == count && entries.iter().all(|e| !e.is_empty()),
            "positions {entries:?}"
        );
        ensure!(
            entries.iter().collect::<HashSet<_>>().len() == entries.len(),
            "positions not distinct: {entries:?}"
        );
        Ok(())
    }

    async fn op_pattern_subscribe(&self, s: &Value) -> anyhow::Result<()> {
        let sub = Self::subscribe(
            &self.client,
            SubscribeOptions::broadcast([self.ts(s, "pattern")?]),
        )
        .await?;
        let (got, task) = collect(sub, Handling::default());
        let result = async {
            let topics = s["publish"].as_array().context("scenario: publish")?;
            for (i, t) in topics.iter().enumerate() {
                let t = self.t(t.as_str().context("scenario: publish topic")?);
                let prefix = format!("pat{i}-{:x}", now_nanos());
                self.publish(&t, 1, &prefix).await?;
            }
            let mut want: Vec<String> = s["expect"]
                .as_array()
                .context("scenario: expect")?
                .iter()
                .filter_map(Value::as_str)
                .map(|x| self.t(x))
                .collect();
            want.sort();
            until(|| got.len() >= want.len(), Duration::from_secs(10)).await;
            tokio::time::sleep(Duration::from_millis(300)).await; // anything unwanted comes now
            let mut topics: Vec<String> = got.all().iter().map(topic).collect();
            topics.sort();
            ensure!(topics == want, "received {topics:?}, want {want:?}");
            Ok(())
        }
        .await;
        task.abort();
        result
    }

    async fn op_group_share(&self, s: &Value) -> anyhow::Result<()> {
        let (topic, group) = (self.ts(s, "topic")?, self.ts(s, "group")?);
        let count = num_of(s, "count")?;
        let credit = u32::try_from(num_of(s, "credit")?)?;
        let how = Handling {
            ack: true,
            busy: ms_of(s, "handle_ms")?,
            grant: true,
        };
        let mut clients = Vec::new();
        let mut members = Vec::new();
        let result = async {
            for i in 0..num_of(s, "members")? {
                let c = self.client(&format!("member{i}")).await?;
                // Credit is given back when the handler is done, not when a message is taken.
                let mut options =
                    SubscribeOptions::group(group.clone(), [topic.clone()]).credit(credit);
                options.auto_credit = false;
                let sub = Self::subscribe(&c, options).await;
                clients.push(c);
                members.push(collect(sub?, how));
            }
            self.publish(&topic, count, "m").await?;
            let total = || members.iter().map(|(g, _)| g.len()).sum::<usize>();
            until(|| total() as u64 >= count, WAIT).await;
            tokio::time::sleep(Duration::from_millis(300)).await;
            let sizes: Vec<usize> = members.iter().map(|(g, _)| g.len()).collect();
            let all: Vec<String> = members.iter().flat_map(|(g, _)| g.ids()).collect();
            let distinct = all.iter().collect::<HashSet<_>>().len();
            ensure!(
                all.len() as u64 == count && distinct as u64 == count,
                "members got {sizes:?} messages ({distinct} distinct), want {count} once"
            );
            ensure!(
                sizes.iter().all(|n| *n > 0),
                "a member got nothing: {sizes:?}"
            );
            Ok(())
        }
        .await;
        for (_, task) in &members {
            task.abort();
        }
        for c in &clients {
            c.close();
        }
        result
    }

    async fn op_ack(&self, s: &Value) -> anyhow::Result<()> {
        let (topic, group) = (self.ts(s, "topic")?, self.ts(s, "group")?);
        let count = num_of(s, "count")?;
        let c = self.client("ack").await?;
        let mut options = SubscribeOptions::group(group, [topic.clone()]);
        options.ack_deadline_ms = u32::try_from(num_of(s, "ack_deadline_ms")?)?;
        let result = async {
            let sub = Self::subscribe(&c, options).await?;
            let how = Handling {
                ack: true,
                ..Handling::default()
            };
            let (got, task) = collect(sub, how);
            self.publish(&topic, count, "m").await?;
            until(|| got.len() as u64 >= count, WAIT).await;
            tokio::time::sleep(ms_of(s, "quiet_ms")?).await; // past the ack deadline: quiet
            task.abort();
            let deliveries: Vec<(String, u32)> = got
                .all()
                .iter()
                .map(|d| (id(d), d.delivery_count))
                .collect();
            ensure!(
                deliveries.len() as u64 == count && deliveries.iter().all(|(_, dc)| *dc == 1),
                "deliveries {deliveries:?}, want {count} first deliveries and no redelivery"
            );
            Ok(())
        }
        .await;
        c.close();
        result
    }

    async fn op_redelivery(&self, s: &Value) -> anyhow::Result<()> {
        let (topic, group) = (self.ts(s, "topic")?, self.ts(s, "group")?);
        let count = num_of(s, "count")?;
        let deadline = u32::try_from(num_of(s, "ack_deadline_ms")?)?;
        let mut options = SubscribeOptions::group(group, [topic.clone()]);
        options.ack_deadline_ms = deadline;

        let vanishing = self.client("vanishing").await?;
        let first = async {
            let sub = Self::subscribe(&vanishing, options.clone()).await?;
            let (first, task) = collect(sub, Handling::default()); // never acks
            self.publish(&topic, count, "m").await?;
            let ok = until(|| first.len() as u64 >= count, WAIT).await;
            anyhow::Ok((first, task, ok))
        }
        .await;
        vanishing.close(); // gone without acking
        let (first, task, ok) = first?;
        task.abort();
        let mut want = first.ids();
        want.sort();
        ensure!(ok, "the first member got {} of {count}", want.len());

        let heir = self.client("heir").await?;
        let result = async {
            let sub = Self::subscribe(&heir, options).await?;
            let how = Handling {
                ack: true,
                ..Handling::default()
            };
            let (second, task) = collect(sub, how);
            until(
                || second.distinct_ids() as u64 >= count,
                ms_of(s, "timeout_ms")?,
            )
            .await;
            task.abort();
            let got: Vec<(String, u32)> = second
                .all()
                .iter()
                .map(|d| (id(d), d.delivery_count))
                .collect();
            let mut ids: Vec<String> = second
                .ids()
                .into_iter()
                .collect::<HashSet<_>>()
                .into_iter()
                .collect();
            ids.sort();
            ensure!(ids == want, "redelivered {got:?}, want {want:?}");
            ensure!(
                got.iter().all(|(_, dc)| *dc >= 2),
                "delivery counts {got:?}, want >= 2"
            );
            Ok(())
        }
        .await;
        heir.close();
        result
    }

    /// Credit for `before` messages, all received and not consumed (no credit goes back), while
    /// `after` more are published past retention: then the `before`, one Gap counting the lost,
    /// and the rest in order.
    async fn op_gap(&self, s: &Value) -> anyhow::Result<()> {
        let topic = self.ts(s, "topic")?;
        let (before, after) = (num_of(s, "before")?, num_of(s, "after")?);
        let c = self.client("gap").await?;
        let result = async {
            let mut options =
                SubscribeOptions::broadcast([topic.clone()]).credit(u32::try_from(before)?);
            options.auto_credit = false;
            let mut sub = Self::subscribe(&c, options).await?;
            let first = self.publish(&topic, before, "before").await?;
            let mut events = Vec::new();
            for _ in 0..before {
                events.push(next_event(&mut sub).await?);
            }
            self.publish(&topic, after, "after").await?;
            sub.grant(u32::try_from(after)?)?;
            let newest = format!("after-{}-{topic}-{}", self.run, after - 1);
            loop {
                let event = next_event(&mut sub).await?;
                let done = matches!(&event, Event::Delivery(d)
                    if d.message.as_ref().map(|m| m.id.as_str()) == Some(newest.as_str()));
                events.push(event);
                if done {
                    break;
                }
            }
            let id = |e: &Event| match e {
                Event::Delivery(d) => {
                    Ok(d.message.as_ref().map(|m| m.id.clone()).unwrap_or_default())
                }
                other => Err(anyhow!("expected a delivery, got {other:?}")),
            };
            let before = usize::try_from(before)?;
            let got: Vec<String> = events[..before]
                .iter()
                .map(id)
                .collect::<anyhow::Result<_>>()?;
            let want: Vec<String> = (0..before)
                .map(|i| format!("before-{}-{topic}-{i}", self.run))
                .collect();
            ensure!(got == want, "first {got:?}, want {want:?}");
            let Event::Gap(gap) = &events[before] else {
                bail!(
                    "after the first {before} got {:?}, want a Gap",
                    events[before]
                );
            };
            let rest: Vec<String> = events[before + 1..]
                .iter()
                .map(id)
                .collect::<anyhow::Result<_>>()
                .context("more than one Gap")?;
            let from = gap.from.as_ref().map(|p| p.entry_id.as_str());
            ensure!(
                from == first.last().map(String::as_str),
                "gap from {from:?}, want {:?}",
                first.last()
            );
            let after = usize::try_from(after)?;
            ensure!(
                gap.lost == Some((after - rest.len()) as u64) && rest.len() < after,
                "gap lost {:?}, {} of {after} came",
                gap.lost,
                rest.len()
            );
            let want_rest: Vec<String> = (after - rest.len()..after)
                .map(|i| format!("after-{}-{topic}-{i}", self.run))
                .collect();
            ensure!(
                rest == want_rest,
                "the rest is not the newest messages in order"
            );
            Ok(())
        }
        .await;
        c.close();
        result
    }

    async fn op_resume(&self, s: &Value) -> anyhow::Result<()> {
        let topic = self.ts(s, "topic")?;
        let (before, after) = (num_of(s, "before")?, num_of(s, "after")?);
        let c = self.client("resume").await?;
        let first = async {
            let sub = Self::subscribe(
                &c,
                SubscribeOptions::broadcast([topic.clone()]).start(Start::Earliest),
            )
            .await?;
            let (seen, task) = collect(sub, Handling::default());
            self.publish(&topic, before, "before").await?;
            let ok = until(|| seen.len() as u64 >= before, Duration::from_secs(10)).await;
            anyhow::Ok((seen, task, ok))
        }
        .await;
        c.close();
        let (seen, task, ok) = first?;
        task.abort();
        ensure!(ok, "got {} of {before} before the reconnect", seen.len());
        // The last position received per topic: what the new subscription starts after.
        let mut last: BTreeMap<String, Position> = BTreeMap::new();
        for p in seen.all().into_iter().filter_map(|d| d.position) {
            last.insert(p.topic.clone(), p);
        }

        self.publish(&topic, after, "after").await?;
        let c2 = self.client("resumed").await?;
        let result = async {
            let sub = Self::subscribe(
                &c2,
                SubscribeOptions::broadcast([topic.clone()])
                    .start(Start::After(last.into_values().collect())),
            )
            .await?;
            let (rest, task) = collect(sub, Handling::default());
            until(|| rest.len() as u64 >= after, Duration::from_secs(10)).await;
            tokio::time::sleep(Duration::from_millis(300)).await;
            task.abort();
            let got = rest.ids();
            let want: Vec<String> = (0..after)
                .map(|i| format!("after-{}-{topic}-{i}", self.run))
                .collect();
            ensure!(
                got == want,
                "after the reconnect got {got:?}, want {want:?}"
            );
            Ok(())
        }
        .await;
        c2.close();
        result
    }

    async fn op_bad_publish(&self, s: &Value) -> anyhow::Result<()> {
        let m = &s["message"];
        let message = Message {
            id: format!("bad-{}-{:x}", self.run, now_nanos()),
            topic: self.t(m["topic"].as_str().unwrap_or_default()),
            priority: i32::try_from(m["priority"].as_i64().unwrap_or(0))?,
            payload: vec![b'x'; usize::try_from(m["payload_bytes"].as_u64().unwrap_or(1))?],
            ..Default::default()
        };
        let result = tokio::time::timeout(WAIT, self.client.publish_one(message))
            .await
            .map_err(|_| anyhow!("no publish ack within {WAIT:?}"))?;
        match rejection(result)? {
            Some((code, message)) => expect_error(s, code, &message),
            None => bail!("accepted, want {}", str_of(s, "code")?),
        }
    }

    async fn op_bad_subscribe(&self, s: &Value) -> anyhow::Result<()> {
        let sub = &s["subscribe"];
        let patterns: Vec<String> = sub["patterns"]
            .as_array()
            .context("scenario: patterns")?
            .iter()
            .filter_map(Value::as_str)
            .map(|p| self.t(p))
            .collect();
        // The Rust client refuses nothing itself: the frame goes to the gateway as given.
        let options = if sub["mode"].as_str() == Some("GROUP") {
            SubscribeOptions::group(self.t(sub["group"].as_str().unwrap_or_default()), patterns)
        } else {
            SubscribeOptions::broadcast(patterns)
        };
        let result = tokio::time::timeout(WAIT, self.client.subscribe(options))
            .await
            .map_err(|_| anyhow!("no answer to subscribe within {WAIT:?}"))?;
        match rejection(result)? {
            Some((code, message)) => expect_error(s, code, &message),
            None => bail!("subscribed, want {}", str_of(s, "code")?),
        }
    }
}

impl Runner {
    /// Connects with the runner's TLS settings but the step's `token`: the gateway must refuse.
    async fn op_refused_connect(&self, s: &Value) -> anyhow::Result<()> {
        let token = str_of(s, "token")?;
        let config = ConnectFlags {
            token_file: None,
            ..self.connect.clone()
        }
        .apply(ClientConfig::new(
            &self.endpoint,
            "conformance-rust-refused",
        ))?
        .bearer_token(token);
        let result = tokio::time::timeout(WAIT, Client::connect(config))
            .await
            .map_err(|_| anyhow!("no answer to connect within {WAIT:?}"))?;
        match rejection(result)? {
            Some((code, message)) => expect_error(s, code, &message),
            None => bail!("connected, want {}", str_of(s, "code")?),
        }
    }
}

async fn run(args: Args) -> anyhow::Result<bool> {
    let text = std::fs::read_to_string(&args.scenario)
        .with_context(|| format!("reading {}", args.scenario.display()))?;
    let scenario: Value = serde_json::from_str(&text)
        .with_context(|| format!("parsing {}", args.scenario.display()))?;
    let steps = scenario["steps"]
        .as_array()
        .context("the scenario has no steps")?;
    let run = format!(
        "{:08x}",
        (now_nanos() as u64 ^ u64::from(std::process::id()).rotate_left(32)) as u32
    );
    let client = Runner::new_client(&args.endpoint, &args.connect, "main").await?;
    let runner = Runner {
        endpoint: args.endpoint,
        connect: args.connect,
        run,
        client,
    };
    let mut failed = 0;
    for s in steps {
        let name = s["name"].as_str().unwrap_or("(unnamed step)");
        let t0 = Instant::now();
        match runner.step(s).await {
            Ok(()) => println!("PASS  {name}  ({} ms)", t0.elapsed().as_millis()),
            Err(e) => {
                failed += 1;
                println!("FAIL  {name}: {e:#}");
            }
        }
    }
    runner.client.close();
    println!(
        "conformance (rust): {}/{} steps passed",
        steps.len() - failed,
        steps.len()
    );
    Ok(failed == 0)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tidegate_examples::init_logging("warn");
    let args = Args::parse();
    if !run(args).await? {
        std::process::exit(1);
    }
    Ok(())
}
