//! The execution adapter's runtime: wires the [`Simulator`] to the gateway.
//!
//! - joins GROUP `exec-<venue>` on `exec.commands.<VENUE>.*` (one topic per strategy);
//! - subscribes BROADCAST to the quote pattern (default `data.quotes.>`) and keeps the last
//!   QuoteTick per instrument;
//! - publishes events at HIGH priority on `exec.events.<VENUE>.<STRATEGY>`, ordering key =
//!   client_order_id, message id `exec/<VENUE>/<client_order_id>/<submit|cancel|quote>/<kind>`;
//! - acks a command only after the gateway acknowledged all its events, so a crash before
//!   that redelivers the command; the deterministic message ids make the replay harmless;
//! - traces each command in a `process <topic>` span continuing the trace in its headers; the
//!   events it publishes are children of that span (see [`tidegate::telemetry`]).

use std::time::Duration;

use opentelemetry::context::FutureExt as _;
use prost::Message as _;
use tokio::sync::watch;

use super::sim::{OrderEvent, Routed, SimConfig, Simulator};
use tidegate::client::{now_nanos, Client, Priority, Start, SubscribeOptions, Subscription};
use tidegate::payload::{self, type_name};
use tidegate::proto::market::{CancelOrder, QuoteTick, SubmitOrder};
use tidegate::proto::v1::{Delivery, Message, Position};
use tidegate::{telemetry, topic};

/// How long a command whose events could not be stored waits before redelivery.
const RETRY_DELAY: Duration = Duration::from_secs(1);
/// How long a command whose events the gateway refused (authorisation, risk, validation) waits
/// before redelivery: retrying sooner cannot help, but a corrected ACL lets the events through
/// later without losing the command.
const REFUSED_RETRY_DELAY: Duration = Duration::from_secs(30);

/// Status codes that say the gateway refused a message on purpose (ACL, risk gate, bad input,
/// credentials): retrying at once gets the same answer.
fn is_refusal(code: i32) -> bool {
    matches!(
        tonic::Code::from_i32(code),
        tonic::Code::PermissionDenied
            | tonic::Code::FailedPrecondition
            | tonic::Code::InvalidArgument
            | tonic::Code::Unauthenticated
    )
}

#[derive(Debug, Clone)]
pub struct AdapterConfig {
    pub sim: SimConfig,
    pub group: String,
    pub quote_patterns: Vec<String>,
    pub quote_start: Start,
    /// Credit of the command subscription (commands in flight at once).
    pub command_credit: u32,
}

impl AdapterConfig {
    pub fn new(venue: &str) -> Self {
        AdapterConfig {
            sim: SimConfig::new(venue),
            group: topic::exec_group(venue),
            quote_patterns: vec!["data.quotes.>".into()],
            quote_start: Start::Latest,
            command_credit: 64,
        }
    }
}

/// Counters, observable while the adapter runs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Stats {
    pub quotes: u64,
    pub commands: u64,
    pub events: u64,
    pub rejected: u64,
    pub acked: u64,
    /// Events the gateway refused (e.g. `PERMISSION_DENIED` from its ACL); each is logged at
    /// error level with the gateway's reason.
    pub refused: u64,
    /// The gateway's reason for the last refusal, for the operator.
    pub last_refusal: Option<String>,
}

/// What one command asks the adapter to do.
enum Command {
    Submit(SubmitOrder),
    Cancel(CancelOrder),
    /// Not decodable; the reason, and whatever ids could be salvaged.
    Bad(String),
}

fn decode_command(d: &Message) -> Command {
    match type_name(&d.content_type) {
        Some(payload::SUBMIT_ORDER) => match SubmitOrder::decode(d.payload.as_slice()) {
            Ok(o) => Command::Submit(o),
            Err(e) => Command::Bad(format!("payload is not a valid SubmitOrder: {e}")),
        },
        Some(payload::CANCEL_ORDER) => match CancelOrder::decode(d.payload.as_slice()) {
            Ok(c) => Command::Cancel(c),
            Err(e) => Command::Bad(format!("payload is not a valid CancelOrder: {e}")),
        },
        _ => Command::Bad(format!(
            "content type {:?} is not {} or {}",
            d.content_type,
            payload::content_type(payload::SUBMIT_ORDER),
            payload::content_type(payload::CANCEL_ORDER)
        )),
    }
}

pub struct ExecAdapter {
    client: Client,
    config: AdapterConfig,
    sim: Simulator,
    stats: watch::Sender<Stats>,
}

impl ExecAdapter {
    pub fn new(client: Client, config: AdapterConfig) -> (Self, watch::Receiver<Stats>) {
        let (stats, rx) = watch::channel(Stats::default());
        let sim = Simulator::new(config.sim.clone());
        (
            ExecAdapter {
                client,
                config,
                sim,
                stats,
            },
            rx,
        )
    }

    fn venue(&self) -> &str {
        &self.config.sim.venue
    }

    /// Subscribes and processes quotes and commands until the client closes.
    pub async fn run(mut self) -> anyhow::Result<()> {
        let venue = self.venue().to_string();
        let mut quotes = self
            .client
            .subscribe(
                SubscribeOptions::broadcast(self.config.quote_patterns.clone())
                    .id(format!("quotes-{venue}"))
                    .start(self.config.quote_start.clone()),
            )
            .await?;
        let mut commands = self
            .client
            .subscribe(
                SubscribeOptions::group(
                    self.config.group.clone(),
                    [topic::command_pattern(&venue)?],
                )
                .id(format!("commands-{venue}"))
                .credit(self.config.command_credit),
            )
            .await?;
        tracing::info!(venue = %venue, group = %self.config.group, consumer = %commands.consumer_name(), "execution adapter running");
        loop {
            tokio::select! {
                // Quotes first: a command is filled against every quote that arrived before it
                // (an unbiased select may take a command ahead of the quote it needs).
                biased;
                d = quotes.recv() => match d {
                    Some(d) => self.on_quote(d).await,
                    None => break,
                },
                d = commands.recv() => match d {
                    Some(d) => {
                        let cx = telemetry::process_context(&d, &self.config.group);
                        self.on_command(&commands, d).with_context(cx.clone()).await;
                        telemetry::end_process(&cx, None);
                    }
                    None => break,
                },
            }
        }
        tracing::info!("execution adapter stopped: subscriptions ended");
        Ok(())
    }

    async fn on_quote(&mut self, d: Delivery) {
        let Some(m) = d.message else { return };
        if !m.content_type.is_empty() && type_name(&m.content_type) != Some(payload::QUOTE_TICK) {
            return; // another payload on a quote topic: not ours to read
        }
        let quote = match QuoteTick::decode(m.payload.as_slice()) {
            Ok(q) => q,
            Err(e) => {
                tracing::warn!(topic = %m.topic, error = %e, "undecodable quote ignored");
                return;
            }
        };
        match self.sim.on_quote(&quote, now_nanos()) {
            Ok(fills) => {
                self.stats.send_modify(|s| s.quotes += 1);
                if !fills.is_empty() {
                    if let Err(e) = self.publish_events("quote", fills).await {
                        // The order is no longer resting: these fills are reported only in the
                        // log. A production adapter would persist and retry them.
                        tracing::error!(error = %e, "could not publish resting-order fills");
                    }
                }
            }
            Err(e) => tracing::warn!(topic = %m.topic, reason = %e, "bad quote ignored"),
        }
    }

    async fn on_command(&mut self, sub: &Subscription, d: Delivery) {
        let (Some(m), Some(position)) = (d.message, d.position) else {
            return;
        };
        self.stats.send_modify(|s| s.commands += 1);
        let now = now_nanos();
        let strategy = match topic::parse_command_topic(&m.topic) {
            Ok((_, strategy)) => strategy,
            Err(e) => {
                // Cannot happen with our pattern; ack so it does not loop.
                tracing::warn!(error = %e, "command on an unexpected topic dropped");
                let _ = sub.ack(vec![position]);
                return;
            }
        };
        let (kind, routed) = match decode_command(&m) {
            Command::Submit(o) => ("submit", self.sim.submit(&strategy, &o, now)),
            Command::Cancel(c) => ("cancel", self.sim.cancel(&strategy, &c, now)),
            Command::Bad(reason) => {
                let r = tidegate::proto::market::OrderRejected {
                    client_order_id: String::new(),
                    instrument_id: String::new(),
                    reason,
                    ts_event: now,
                    ts_init: now,
                };
                // No client_order_id to key on: key on the command's message id (or position).
                let key = if m.id.is_empty() {
                    position.entry_id.clone()
                } else {
                    m.id.clone()
                };
                let event = OrderEvent::Rejected(r);
                let msg = self.event_message(&strategy, &format!("bad/{key}"), &key, &event);
                self.finish(sub, position, vec![msg]).await;
                return;
            }
        };
        let routed: Vec<Routed> = routed
            .into_iter()
            .map(|event| Routed {
                strategy: strategy.clone(),
                event,
            })
            .collect();
        let messages = self.messages(kind, routed);
        self.finish(sub, position, messages).await;
    }

    /// Publishes a command's events; acks the command when all were stored, else asks for a
    /// delayed redelivery.
    async fn finish(&mut self, sub: &Subscription, position: Position, messages: Vec<Message>) {
        let n = messages.len() as u64;
        let rejected = messages
            .iter()
            .filter(|m| m.content_type.ends_with(payload::ORDER_REJECTED))
            .count() as u64;
        match self.client.publish(messages).await {
            Ok(results) if results.iter().all(|r| r.error.is_none()) => {
                self.stats.send_modify(|s| {
                    s.events += n;
                    s.rejected += rejected;
                    s.acked += 1;
                });
                if let Err(e) = sub.ack(vec![position]) {
                    tracing::warn!(error = %e, "ack not sent");
                }
            }
            Ok(results) => {
                let mut delay = RETRY_DELAY;
                for r in &results {
                    let Some(e) = r.error.as_ref() else { continue };
                    if is_refusal(e.code) {
                        delay = REFUSED_RETRY_DELAY;
                        self.refused(&r.message_id, e.code, &e.message);
                    } else {
                        tracing::warn!(code = e.code, message = %e.message, "event not stored; command will be redelivered");
                    }
                }
                mark_failed("an event was not stored; command nacked for redelivery");
                let _ = sub.nack(vec![position], delay);
            }
            Err(e) => {
                tracing::warn!(error = %e, "events not published; command will be redelivered");
                mark_failed(&format!(
                    "events not published ({e}); command nacked for redelivery"
                ));
                let _ = sub.nack(vec![position], RETRY_DELAY);
            }
        }
    }

    /// Logs and counts one event the gateway refused; the adapter goes on with the next.
    fn refused(&self, message_id: &str, code: i32, reason: &str) {
        let code = tonic::Code::from_i32(code);
        tracing::error!(message_id = %message_id, code = ?code, reason = %reason,
            "gateway refused an event; check this adapter's identity and the gateway's ACL / risk limits");
        let text = format!("{message_id}: {code:?}: {reason}");
        self.stats.send_modify(|s| {
            s.refused += 1;
            s.last_refusal = Some(text);
        });
    }

    async fn publish_events(&mut self, kind: &str, routed: Vec<Routed>) -> anyhow::Result<()> {
        let messages = self.messages(kind, routed);
        let n = messages.len() as u64;
        let results = self.client.publish(messages).await?;
        for r in &results {
            if let Some(e) = r.error.as_ref().filter(|e| is_refusal(e.code)) {
                self.refused(&r.message_id, e.code, &e.message);
            }
        }
        if let Some(e) = results.iter().find_map(|r| r.error.as_ref()) {
            anyhow::bail!("event rejected: code {}: {}", e.code, e.message);
        }
        self.stats.send_modify(|s| s.events += n);
        Ok(())
    }

    fn messages(&self, kind: &str, routed: Vec<Routed>) -> Vec<Message> {
        routed
            .iter()
            .map(|r| {
                let coid = r.event.client_order_id().to_string();
                self.event_message(&r.strategy, &format!("{coid}/{kind}"), &coid, &r.event)
            })
            .collect()
    }

    /// One event as a gateway message: id `exec/<VENUE>/<id_stem>/<event kind>`.
    fn event_message(
        &self,
        strategy: &str,
        id_stem: &str,
        key: &str,
        event: &OrderEvent,
    ) -> Message {
        let venue = self.venue();
        Message {
            id: format!("exec/{venue}/{id_stem}/{}", event.kind()),
            topic: topic::event_topic(venue, strategy)
                .unwrap_or_else(|_| format!("exec.events.{venue}.unknown")),
            priority: Priority::High as i32,
            ordering_key: key.to_string(),
            headers: Default::default(),
            payload: event.encode(),
            content_type: payload::content_type(event.type_name()),
            ts_event: event.ts_event(),
            ts_init: now_nanos(),
        }
    }
}

/// Marks the current `process` span (if any) as failed.
fn mark_failed(reason: &str) {
    opentelemetry::trace::get_active_span(|span| {
        span.set_status(opentelemetry::trace::Status::error(reason.to_string()));
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_commands_by_content_type() {
        let o = SubmitOrder {
            client_order_id: "c1".into(),
            ..Default::default()
        };
        let m = Message {
            payload: o.encode_to_vec(),
            content_type: payload::content_type(payload::SUBMIT_ORDER),
            ..Default::default()
        };
        assert!(matches!(decode_command(&m), Command::Submit(x) if x.client_order_id == "c1"));
        let bad = Message {
            payload: vec![0xff, 0xff, 0xff],
            content_type: payload::content_type(payload::CANCEL_ORDER),
            ..Default::default()
        };
        assert!(
            matches!(decode_command(&bad), Command::Bad(r) if r.contains("not a valid CancelOrder"))
        );
        let unknown = Message {
            content_type: "text/plain".into(),
            ..Default::default()
        };
        assert!(matches!(decode_command(&unknown), Command::Bad(r) if r.contains("content type")));
    }
}
