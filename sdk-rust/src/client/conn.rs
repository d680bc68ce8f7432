//! The connection actor: owns the `Connect` stream, reconnects, and keeps the bookkeeping that
//! makes a reconnect invisible to the application (subscriptions, resume positions, credit,
//! unacknowledged publishes).

use std::collections::{BTreeMap, HashMap};
use std::time::{Duration, Instant};

use tokio::sync::{mpsc, oneshot, watch};
use tokio_stream::wrappers::UnboundedReceiverStream;
use tonic::transport::{Channel, Endpoint};
use tonic::Streaming;

use super::security::Authorization;
use super::{
    now_nanos, start_frame, BackendReset, BearerToken, ClientConfig, ClientError, Command,
    DataKind, Event, Result, SessionInfo, Start, SubscribeOptions,
};
use crate::proto::v1::{
    self, connect_request, connect_response, gateway_service_client::GatewayServiceClient,
    ConnectRequest, ConnectResponse, Message, Position, PublishResult, SubscriptionMode,
};

const MAX_DECODING_BYTES: usize = 64 * 1024 * 1024;

/// A stream that said `Welcome`.
pub(super) struct Established {
    outbound: mpsc::UnboundedSender<ConnectRequest>,
    inbound: Streaming<ConnectResponse>,
    pub(super) welcome: v1::Welcome,
    pub(super) unary: Unary,
}

/// The stream's channel and authorization, for the gateway's unary services (`BooksService`).
#[derive(Clone)]
pub(super) struct Unary {
    pub(super) channel: Channel,
    pub(super) authorization: Authorization,
}

/// Opens a channel and a `Connect` stream to endpoint `attempt` (round the list), sends `Hello`
/// and waits for `Welcome`.
pub(super) async fn open(config: &ClientConfig, attempt: usize) -> Result<Established> {
    let uri = config.uri(attempt)?;
    let endpoint = Endpoint::from_shared(uri.clone())
        .map_err(|e| ClientError::Endpoint(uri.clone(), e.to_string()))?
        .connect_timeout(config.connect_timeout)
        .http2_keep_alive_interval(config.keepalive_interval)
        .keep_alive_timeout(config.keepalive_timeout)
        .keep_alive_while_idle(true)
        .tcp_nodelay(true);
    let endpoint = match &config.tls {
        Some(tls) => {
            endpoint
                .tls_config(tls.client_config())
                .map_err(|source| ClientError::Connect {
                    endpoint: uri.clone(),
                    source,
                })?
        }
        None => endpoint,
    };
    // Asked once per connection, so a token source that refreshes is asked again on reconnect.
    let authorization = Authorization(
        config
            .bearer_token
            .as_ref()
            .map(BearerToken::header)
            .transpose()?,
    );
    let channel: Channel = endpoint
        .connect()
        .await
        .map_err(|source| ClientError::Connect {
            endpoint: uri.clone(),
            source,
        })?;
    let unary = Unary {
        channel: channel.clone(),
        authorization: authorization.clone(),
    };
    let mut grpc = GatewayServiceClient::with_interceptor(channel, authorization)
        .max_decoding_message_size(MAX_DECODING_BYTES);
    let (outbound, rx) = mpsc::unbounded_channel();
    outbound
        .send(ConnectRequest {
            frame_id: 1,
            kind: Some(connect_request::Kind::Hello(v1::Hello {
                client_name: config.client_name.clone(),
                language: "rust".into(),
                client_version: env!("CARGO_PKG_VERSION").into(),
                auth_token: String::new(),
                // with a tracer every publish carries `traceparent`, sampled or not: no hint needed
                samples_traces: false,
            })),
        })
        .map_err(|_| ClientError::Closed)?;
    let handshake = async {
        let mut inbound = grpc
            .connect(UnboundedReceiverStream::new(rx))
            .await?
            .into_inner();
        let first = inbound
            .message()
            .await?
            .ok_or_else(|| ClientError::Protocol("stream ended before Welcome".into()))?;
        match first.kind {
            Some(connect_response::Kind::Welcome(welcome)) => Ok((inbound, welcome)),
            Some(connect_response::Kind::Error(e)) => Err(ClientError::from_frame_error(&e)),
            other => Err(ClientError::Protocol(format!(
                "expected Welcome, got {other:?}"
            ))),
        }
    };
    let (inbound, welcome) = tokio::time::timeout(config.connect_timeout, handshake)
        .await
        .map_err(|_| ClientError::Timeout(config.connect_timeout))??;
    tracing::debug!(session = %welcome.session_id, gateway = %welcome.gateway_id, "connected");
    Ok(Established {
        outbound,
        inbound,
        welcome,
        unary,
    })
}

/// A subscription as the actor keeps it across streams.
struct SubState {
    options: SubscribeOptions,
    deliveries: mpsc::UnboundedSender<Event>,
    /// Waiting for the first confirmation.
    reply: Option<oneshot::Sender<Result<v1::Subscribed>>>,
    /// The window: most messages out at once (gateway credit + received, not yet taken).
    window: u32,
    /// Credit the gateway still holds.
    server_credit: u32,
    /// Delivered to the handle, not yet taken with `recv`.
    queued: u32,
    /// BROADCAST resume: last position seen per topic.
    last: BTreeMap<String, String>,
    /// When the subscription was first confirmed (Unix ns), for resuming topics not yet seen.
    since_nanos: i64,
}

impl SubState {
    fn subscribe_frame(&self, frame_id: u64, reconnect: bool) -> ConnectRequest {
        let o = &self.options;
        let start = if reconnect && o.mode != SubscriptionMode::Group {
            self.resume_start()
        } else {
            start_frame(&o.start)
        };
        let initial = if self.window == 0 {
            0
        } else {
            self.window.saturating_sub(self.queued).max(1)
        };
        ConnectRequest {
            frame_id,
            kind: Some(connect_request::Kind::Subscribe(v1::Subscribe {
                subscription_id: o.id.clone(),
                patterns: o.patterns.clone(),
                mode: o.mode as i32,
                group: o.group.clone(),
                start: Some(start),
                initial_credit: i32::try_from(initial).unwrap_or(i32::MAX),
                ack_deadline_ms: o.ack_deadline_ms,
                strict_key_order: o.strict_key_order,
                conflate: o.conflate,
                instruments: o.instruments.clone(),
                data_kind: o
                    .data_kind
                    .map(DataKind::as_str)
                    .unwrap_or_default()
                    .to_string(),
            })),
        }
    }

    /// Strictly after the last position seen on each topic; topics not seen yet from where the
    /// subscription originally started.
    fn resume_start(&self) -> v1::StartPosition {
        let after: Vec<Position> = self
            .last
            .iter()
            .map(|(topic, entry_id)| Position {
                topic: topic.clone(),
                entry_id: entry_id.clone(),
            })
            .collect();
        let timestamp_nanos = match &self.options.start {
            Start::Earliest => 1,
            Start::Timestamp(ns) => *ns,
            Start::Latest | Start::After(_) => self.since_nanos,
        };
        v1::StartPosition {
            kind: v1::start_position::Kind::Position as i32,
            after,
            timestamp_nanos,
        }
    }

    /// Credit to grant now, if enough was consumed to be worth a frame.
    fn credit_due(&self) -> u32 {
        if self.window == 0 || !self.options.auto_credit {
            return 0;
        }
        let room = self
            .window
            .saturating_sub(self.queued)
            .saturating_sub(self.server_credit);
        let threshold = if self.queued == 0 {
            1
        } else {
            (self.window / 4).max(1)
        };
        if room >= threshold {
            room
        } else {
            0
        }
    }
}

/// How often a message refused with UNAVAILABLE (a draining gateway, or a backend that did not
/// take it) is sent again, with its id, before its result is handed to the caller.
const UNAVAILABLE_RESENDS: u32 = 10;
/// Pause before sending refused messages again on the same stream (a draining gateway's
/// `GoAway` usually comes meanwhile, and they go out on the next stream instead).
const RESEND_DELAY: Duration = Duration::from_millis(200);
const UNAVAILABLE: i32 = 14;
const RESOURCE_EXHAUSTED: i32 = 8;
/// Frame limit assumed when the gateway advertises none (an older gateway): gRPC's usual
/// default for inbound messages, which any gateway takes.
const FALLBACK_MAX_FRAME_BYTES: usize = 4 << 20;
/// Batch size assumed when the gateway advertises none: the gateway's default.
const FALLBACK_MAX_BATCH: usize = 1000;
/// Most bytes a `ConnectRequest` adds around its `PublishBatch`: `frame_id` and the batch's tag
/// and length.
const FRAME_OVERHEAD_BYTES: usize = 32;

/// How large a publish frame may be, from the gateway's `Welcome.limits`.
#[derive(Debug, Clone, Copy)]
struct FrameLimits {
    max_messages: usize,
    /// Most bytes of messages (with their tags and lengths) in one frame.
    max_content: usize,
}

impl FrameLimits {
    fn from_welcome(limits: Option<&v1::Limits>) -> Self {
        let advertised = |n: u32, fallback: usize| match usize::try_from(n) {
            Ok(n) if n > 0 => n,
            _ => fallback,
        };
        let (batch, frame) = limits.map_or((0, 0), |l| (l.max_batch_messages, l.max_frame_bytes));
        FrameLimits {
            max_messages: advertised(batch, FALLBACK_MAX_BATCH),
            max_content: advertised(frame, FALLBACK_MAX_FRAME_BYTES)
                .saturating_sub(FRAME_OVERHEAD_BYTES)
                .max(1),
        }
    }

    /// Splits `indices` (into `messages`) into frames within the limits, in order. Messages too
    /// large for any frame are returned apart: they cannot be sent.
    fn split(&self, messages: &[Message], indices: &[usize]) -> (Vec<Vec<usize>>, Vec<usize>) {
        let mut frames: Vec<Vec<usize>> = Vec::new();
        let mut oversize = Vec::new();
        let mut current: Vec<usize> = Vec::new();
        let mut bytes = 0;
        for &i in indices {
            let size = wire_size(&messages[i]);
            if size > self.max_content {
                oversize.push(i);
                continue;
            }
            if !current.is_empty()
                && (current.len() >= self.max_messages || bytes + size > self.max_content)
            {
                frames.push(std::mem::take(&mut current));
                bytes = 0;
            }
            current.push(i);
            bytes += size;
        }
        if !current.is_empty() {
            frames.push(current);
        }
        (frames, oversize)
    }

    fn oversize_result(&self, messages: &[Message], index: usize) -> PublishResult {
        let m = &messages[index];
        PublishResult {
            message_id: m.id.clone(),
            index: u32::try_from(index).unwrap_or(u32::MAX),
            error: Some(v1::Error {
                code: RESOURCE_EXHAUSTED,
                message: format!(
                    "message is {} bytes serialized, more than a publish frame holds ({} bytes, \
                     the gateway's max_frame_bytes); make it smaller",
                    wire_size(m),
                    self.max_content + FRAME_OVERHEAD_BYTES
                ),
            }),
            ..Default::default()
        }
    }
}

/// What a message adds to a `PublishBatch`: itself with its field tag and length prefix.
fn wire_size(m: &Message) -> usize {
    let n = prost::Message::encoded_len(m);
    1 + prost::length_delimiter_len(n) + n
}

struct PendingPublish {
    messages: Vec<Message>,
    reply: oneshot::Sender<Result<Vec<PublishResult>>>,
    /// Final result per message, in the caller's order; `None` until answered.
    results: Vec<Option<PublishResult>>,
    /// Frames of it on the wire, not yet answered.
    frames_out: usize,
    /// Whether an answer since the last send refused some messages with UNAVAILABLE.
    refused: bool,
    /// Rounds in which some of its messages were refused with UNAVAILABLE.
    refusals: u32,
}

impl PendingPublish {
    fn new(messages: Vec<Message>, reply: oneshot::Sender<Result<Vec<PublishResult>>>) -> Self {
        let results = vec![None; messages.len()];
        PendingPublish {
            messages,
            reply,
            results,
            frames_out: 0,
            refused: false,
            refusals: 0,
        }
    }

    /// Messages without a final result, in order.
    fn unanswered(&self) -> Vec<usize> {
        (0..self.messages.len())
            .filter(|&i| self.results[i].is_none())
            .collect()
    }

    fn done(&self) -> bool {
        self.results.iter().all(Option::is_some)
    }

    /// Records the ack of one frame, whose messages were `sent` (indices into `messages`, in
    /// the frame's order); true when every message has its final result.
    fn answer(&mut self, sent: &[usize], acked: Vec<PublishResult>) -> bool {
        let retry = self.refusals < UNAVAILABLE_RESENDS;
        for mut r in acked {
            let Some(&index) = usize::try_from(r.index).ok().and_then(|i| sent.get(i)) else {
                continue;
            };
            if retry && r.error.as_ref().is_some_and(|e| e.code == UNAVAILABLE) {
                self.refused = true;
                continue;
            }
            r.index = u32::try_from(index).unwrap_or(u32::MAX);
            self.results[index] = Some(r);
        }
        self.frames_out = self.frames_out.saturating_sub(1);
        if self.frames_out == 0 && std::mem::take(&mut self.refused) {
            self.refusals += 1;
        }
        self.done()
    }
}

/// What a frame id on the current stream stands for.
enum Inflight {
    /// A publish frame: the publish's sequence number and the indices of its messages.
    Publish(u64, Vec<usize>),
    Subscribe(String),
    Ping(oneshot::Sender<Result<Duration>>, Instant),
    Other,
}

enum SessionEnd {
    /// All handles dropped, or `close()`.
    Shutdown,
    /// Stream broke or the gateway said `GoAway`; reconnect after `backoff`.
    Reconnect { immediately: bool },
}

struct Actor {
    config: ClientConfig,
    commands: mpsc::UnboundedReceiver<Command>,
    session: watch::Sender<SessionInfo>,
    subs: HashMap<String, SubState>,
    publishes: BTreeMap<u64, PendingPublish>,
    next_publish: u64,
    next_frame: u64,
    inflight: HashMap<u64, Inflight>,
    connections: u64,
    /// When to send publishes refused with UNAVAILABLE again on this stream.
    resend_due: Option<Instant>,
    /// How publishes are split into frames on the current stream.
    frame_limits: FrameLimits,
}

pub(super) async fn run(
    config: ClientConfig,
    first: Established,
    first_endpoint: usize,
    commands: mpsc::UnboundedReceiver<Command>,
    session: watch::Sender<SessionInfo>,
    unary: watch::Sender<Unary>,
) {
    let mut actor = Actor {
        config,
        commands,
        session,
        subs: HashMap::new(),
        publishes: BTreeMap::new(),
        next_publish: 1,
        next_frame: 2,
        inflight: HashMap::new(),
        connections: 1,
        resend_due: None,
        frame_limits: FrameLimits::from_welcome(None),
    };
    let mut established = Some(first);
    let mut failures: u32 = 0;
    // The endpoint of the current or next attempt; moves on after every failure or break, so a
    // dead replica is left for the next one at once.
    let mut endpoint = first_endpoint;
    loop {
        let stream = match established.take() {
            Some(s) => s,
            None => match open(&actor.config, endpoint).await {
                Ok(s) => {
                    actor.connections += 1;
                    failures = 0;
                    let _ = actor.session.send(SessionInfo {
                        session_id: s.welcome.session_id.clone(),
                        gateway_id: s.welcome.gateway_id.clone(),
                        limits: s.welcome.limits.unwrap_or_default(),
                        connection: actor.connections,
                    });
                    let _ = unary.send(s.unary.clone());
                    tracing::info!(gateway = %s.welcome.gateway_id, "reconnected");
                    s
                }
                Err(e) => {
                    endpoint = endpoint.wrapping_add(1);
                    failures = failures.saturating_add(1);
                    let delay = backoff(&actor.config, failures);
                    tracing::warn!(error = %e, ?delay, "connect failed; retrying");
                    if actor.wait_disconnected(delay).await {
                        break;
                    }
                    continue;
                }
            },
        };
        let reconnecting = actor.connections > 1;
        match actor.session_loop(stream, reconnecting).await {
            SessionEnd::Shutdown => break,
            SessionEnd::Reconnect { immediately } => {
                endpoint = endpoint.wrapping_add(1);
                actor.inflight.clear();
                for sub in actor.subs.values_mut() {
                    sub.server_credit = 0;
                }
                if !immediately {
                    failures = failures.saturating_add(1);
                    let delay = backoff(&actor.config, failures);
                    if actor.wait_disconnected(delay).await {
                        break;
                    }
                }
            }
        }
    }
    actor.fail_all();
}

/// Exponential backoff with +-20% jitter.
fn backoff(config: &ClientConfig, failures: u32) -> Duration {
    let exp = failures.saturating_sub(1).min(16);
    let base = config
        .backoff_initial
        .saturating_mul(1u32 << exp)
        .min(config.backoff_max);
    let jitter = (now_nanos().rem_euclid(400) as f64 - 200.0) / 1000.0;
    base.mul_f64(1.0 + jitter)
}

impl Actor {
    fn frame_id(&mut self) -> u64 {
        let id = self.next_frame;
        self.next_frame += 1;
        id
    }

    /// Sleeps between connection attempts while still taking commands; true on shutdown.
    async fn wait_disconnected(&mut self, delay: Duration) -> bool {
        let sleep = tokio::time::sleep(delay);
        tokio::pin!(sleep);
        loop {
            tokio::select! {
                _ = &mut sleep => return false,
                cmd = self.commands.recv() => match cmd {
                    None | Some(Command::Close) => return true,
                    Some(cmd) => self.handle_offline(cmd),
                },
            }
        }
    }

    /// Commands while no stream is up: remembered for the next stream, or refused.
    fn handle_offline(&mut self, cmd: Command) {
        match cmd {
            Command::Publish { messages, reply } => {
                let seq = self.next_publish;
                self.next_publish += 1;
                self.publishes
                    .insert(seq, PendingPublish::new(messages, reply));
            }
            Command::Subscribe {
                options,
                deliveries,
                reply,
            } => self.add_sub(options, deliveries, reply),
            Command::Unsubscribe { id } => {
                self.subs.remove(&id);
            }
            Command::Consumed { id } => {
                if let Some(s) = self.subs.get_mut(&id) {
                    s.queued = s.queued.saturating_sub(1);
                }
            }
            Command::Ping { reply } => {
                let _ = reply.send(Err(ClientError::Protocol("not connected".into())));
            }
            // Acks of deliveries from a broken stream are void: the gateway redelivers.
            Command::Ack { .. } | Command::Nack { .. } | Command::Grant { .. } => {}
            Command::Close => {}
        }
    }

    fn add_sub(
        &mut self,
        options: SubscribeOptions,
        deliveries: mpsc::UnboundedSender<Event>,
        reply: oneshot::Sender<Result<v1::Subscribed>>,
    ) {
        if self.subs.contains_key(&options.id) {
            let _ = reply.send(Err(ClientError::Protocol(format!(
                "subscription id {:?} is already in use",
                options.id
            ))));
            return;
        }
        let window = options.credit;
        self.subs.insert(
            options.id.clone(),
            SubState {
                options,
                deliveries,
                reply: Some(reply),
                window,
                server_credit: 0,
                queued: 0,
                last: BTreeMap::new(),
                since_nanos: now_nanos(),
            },
        );
    }

    fn fail_all(&mut self) {
        for (_, p) in std::mem::take(&mut self.publishes) {
            let _ = p.reply.send(Err(ClientError::Closed));
        }
        for (_, mut s) in self.subs.drain() {
            if let Some(r) = s.reply.take() {
                let _ = r.send(Err(ClientError::Closed));
            }
        }
    }

    async fn session_loop(&mut self, stream: Established, reconnecting: bool) -> SessionEnd {
        let Established {
            outbound,
            mut inbound,
            welcome,
            ..
        } = stream;
        self.frame_limits = FrameLimits::from_welcome(welcome.limits.as_ref());
        // Re-subscribe, then re-send what was not acknowledged, oldest first.
        let ids: Vec<String> = self.subs.keys().cloned().collect();
        for id in ids {
            let fid = self.frame_id();
            if let Some(sub) = self.subs.get(&id) {
                let resume = reconnecting && sub.reply.is_none();
                let _ = outbound.send(sub.subscribe_frame(fid, resume));
                self.inflight.insert(fid, Inflight::Subscribe(id));
            }
        }
        self.resend_due = None;
        let seqs: Vec<u64> = self.publishes.keys().copied().collect();
        for seq in seqs {
            self.send_publish(&outbound, seq);
        }
        loop {
            let resend_at = self
                .resend_due
                .unwrap_or_else(|| Instant::now() + Duration::from_secs(3600));
            tokio::select! {
                _ = tokio::time::sleep_until(resend_at.into()), if self.resend_due.is_some() => {
                    self.resend_due = None;
                    let refused: Vec<u64> = self
                        .publishes
                        .iter()
                        .filter(|(_, p)| p.frames_out == 0)
                        .map(|(&seq, _)| seq)
                        .collect();
                    for seq in refused {
                        self.send_publish(&outbound, seq);
                    }
                }
                cmd = self.commands.recv() => match cmd {
                    None | Some(Command::Close) => {
                        drop(outbound); // half-close: the gateway ends the stream
                        return SessionEnd::Shutdown;
                    }
                    Some(cmd) => self.handle(&outbound, cmd),
                },
                frame = inbound.message() => match frame {
                    Ok(Some(frame)) => {
                        if let Some(end) = self.on_frame(&outbound, frame) {
                            return end;
                        }
                    }
                    Ok(None) => {
                        tracing::warn!("gateway closed the stream; reconnecting");
                        return SessionEnd::Reconnect { immediately: false };
                    }
                    Err(status) => {
                        tracing::warn!(%status, "stream broke; reconnecting");
                        return SessionEnd::Reconnect { immediately: false };
                    }
                },
            }
        }
    }

    /// Sends the messages of a publish that have no final result yet, in as many frames as the
    /// gateway's limits need. A message too large for any frame gets its RESOURCE_EXHAUSTED
    /// result here, since the gateway would refuse its whole frame.
    fn send_publish(&mut self, outbound: &mpsc::UnboundedSender<ConnectRequest>, seq: u64) {
        let limits = self.frame_limits;
        let Some(p) = self.publishes.get_mut(&seq) else {
            return;
        };
        let (frames, oversize) = limits.split(&p.messages, &p.unanswered());
        for i in oversize {
            p.results[i] = Some(limits.oversize_result(&p.messages, i));
        }
        if p.done() {
            let p = self.publishes.remove(&seq).expect("present");
            let _ = p.reply.send(Ok(p.results.into_iter().flatten().collect()));
            return;
        }
        p.frames_out = frames.len();
        let batches: Vec<(Vec<usize>, Vec<Message>)> = frames
            .into_iter()
            .map(|indices| {
                let messages = indices.iter().map(|&i| p.messages[i].clone()).collect();
                (indices, messages)
            })
            .collect();
        for (indices, messages) in batches {
            let fid = self.frame_id();
            self.inflight.insert(fid, Inflight::Publish(seq, indices));
            let _ = outbound.send(ConnectRequest {
                frame_id: fid,
                kind: Some(connect_request::Kind::Publish(v1::PublishBatch {
                    messages,
                })),
            });
        }
    }

    fn send_simple(
        &mut self,
        outbound: &mpsc::UnboundedSender<ConnectRequest>,
        kind: connect_request::Kind,
    ) {
        let fid = self.frame_id();
        self.inflight.insert(fid, Inflight::Other);
        let _ = outbound.send(ConnectRequest {
            frame_id: fid,
            kind: Some(kind),
        });
    }

    fn handle(&mut self, outbound: &mpsc::UnboundedSender<ConnectRequest>, cmd: Command) {
        match cmd {
            Command::Publish { messages, reply } => {
                let seq = self.next_publish;
                self.next_publish += 1;
                self.publishes
                    .insert(seq, PendingPublish::new(messages, reply));
                self.send_publish(outbound, seq);
            }
            Command::Subscribe {
                options,
                deliveries,
                reply,
            } => {
                let id = options.id.clone();
                self.add_sub(options, deliveries, reply);
                let fid = self.frame_id();
                if let Some(sub) = self.subs.get(&id) {
                    if sub.reply.is_some() {
                        let _ = outbound.send(sub.subscribe_frame(fid, false));
                        self.inflight.insert(fid, Inflight::Subscribe(id));
                    }
                }
            }
            Command::Unsubscribe { id } => {
                if self.subs.remove(&id).is_some() {
                    self.send_simple(
                        outbound,
                        connect_request::Kind::Unsubscribe(v1::Unsubscribe {
                            subscription_id: id,
                        }),
                    );
                }
            }
            Command::Ack { id, positions } => self.send_simple(
                outbound,
                connect_request::Kind::Ack(v1::Ack {
                    subscription_id: id,
                    positions,
                }),
            ),
            Command::Nack {
                id,
                positions,
                delay_ms,
            } => self.send_simple(
                outbound,
                connect_request::Kind::Nack(v1::Nack {
                    subscription_id: id,
                    positions,
                    delay_ms,
                }),
            ),
            Command::Grant { id, messages } => {
                if let Some(s) = self.subs.get_mut(&id) {
                    s.server_credit = s.server_credit.saturating_add(messages);
                }
                self.send_simple(
                    outbound,
                    connect_request::Kind::Credit(v1::Credit {
                        subscription_id: id,
                        messages: i32::try_from(messages).unwrap_or(i32::MAX),
                    }),
                );
            }
            Command::Consumed { id } => {
                let grant = match self.subs.get_mut(&id) {
                    Some(s) => {
                        s.queued = s.queued.saturating_sub(1);
                        s.credit_due()
                    }
                    None => 0,
                };
                if grant > 0 {
                    self.handle(
                        outbound,
                        Command::Grant {
                            id,
                            messages: grant,
                        },
                    );
                }
            }
            Command::Ping { reply } => {
                let fid = self.frame_id();
                self.inflight
                    .insert(fid, Inflight::Ping(reply, Instant::now()));
                let _ = outbound.send(ConnectRequest {
                    frame_id: fid,
                    kind: Some(connect_request::Kind::Ping(v1::Ping {
                        nonce: i64::try_from(fid).unwrap_or_default(),
                    })),
                });
            }
            Command::Close => {}
        }
    }

    fn on_frame(
        &mut self,
        outbound: &mpsc::UnboundedSender<ConnectRequest>,
        frame: ConnectResponse,
    ) -> Option<SessionEnd> {
        use connect_response::Kind;
        let answered = if frame.frame_id == 0 {
            None
        } else {
            self.inflight.remove(&frame.frame_id)
        };
        match frame.kind? {
            Kind::PublishAck(ack) => {
                if let Some(Inflight::Publish(seq, sent)) = answered {
                    if let Some(p) = self.publishes.get_mut(&seq) {
                        if p.answer(&sent, ack.results) {
                            let p = self.publishes.remove(&seq).expect("present");
                            let results = p.results.into_iter().flatten().collect();
                            let _ = p.reply.send(Ok(results));
                        } else if p.frames_out == 0 {
                            tracing::debug!(
                                seq,
                                "publishes refused with UNAVAILABLE; sending them again"
                            );
                            self.resend_due.get_or_insert(Instant::now() + RESEND_DELAY);
                        }
                    }
                }
            }
            Kind::Deliveries(batch) => self.on_deliveries(outbound, batch),
            Kind::Subscribed(confirmed) => {
                if let Some(s) = self.subs.get_mut(&confirmed.subscription_id) {
                    let credit = u32::try_from(confirmed.credit).unwrap_or_default();
                    if s.window == 0 {
                        s.window = credit;
                    }
                    s.server_credit = credit;
                    if let Some(reply) = s.reply.take() {
                        s.since_nanos = now_nanos();
                        let _ = reply.send(Ok(confirmed));
                    }
                }
            }
            Kind::Unsubscribed(u) => {
                tracing::info!(subscription = %u.subscription_id, reason = %u.reason, "unsubscribed by the gateway");
                self.subs.remove(&u.subscription_id);
            }
            Kind::Error(e) => {
                let err = ClientError::from_frame_error(&e);
                match answered {
                    Some(Inflight::Publish(seq, _)) => {
                        if let Some(p) = self.publishes.remove(&seq) {
                            let _ = p.reply.send(Err(err));
                        }
                    }
                    Some(Inflight::Subscribe(id)) => {
                        if let Some(mut s) = self.subs.remove(&id) {
                            match s.reply.take() {
                                Some(reply) => {
                                    let _ = reply.send(Err(err));
                                }
                                None => {
                                    tracing::error!(subscription = %id, error = %err, "re-subscribe refused; subscription ended")
                                }
                            }
                        }
                    }
                    Some(Inflight::Ping(reply, _)) => {
                        let _ = reply.send(Err(err));
                    }
                    _ => tracing::warn!(error = %err, "gateway rejected a frame"),
                }
            }
            Kind::Pong(_) => {
                if let Some(Inflight::Ping(reply, sent)) = answered {
                    let _ = reply.send(Ok(sent.elapsed()));
                }
            }
            Kind::BackendReset(r) => {
                tracing::error!(subscription = %r.subscription_id, reason = %r.reason,
                    "the gateway's backend lost its stored history");
                if let Some(s) = self.subs.get(&r.subscription_id) {
                    let _ = s.deliveries.send(Event::Reset(BackendReset {
                        reason: r.reason,
                        detected_at: r.detected_at,
                    }));
                }
            }
            Kind::Gap(g) => {
                if let Some(s) = self.subs.get(&g.subscription_id) {
                    let _ = s.deliveries.send(Event::Gap(g.into()));
                }
            }
            Kind::GoAway(g) => {
                tracing::info!(reason = %g.reason, "gateway going away; reconnecting");
                return Some(SessionEnd::Reconnect { immediately: true });
            }
            Kind::Welcome(_) => {
                tracing::warn!("unexpected second Welcome");
            }
        }
        None
    }

    fn on_deliveries(
        &mut self,
        outbound: &mpsc::UnboundedSender<ConnectRequest>,
        batch: v1::DeliveryBatch,
    ) {
        let id = batch.subscription_id;
        let Some(s) = self.subs.get_mut(&id) else {
            return; // already unsubscribed locally
        };
        let n = u32::try_from(batch.deliveries.len()).unwrap_or(u32::MAX);
        s.server_credit = s.server_credit.saturating_sub(n);
        let mut gone = false;
        for d in batch.deliveries {
            if let Some(p) = &d.position {
                s.last.insert(p.topic.clone(), p.entry_id.clone());
            }
            if s.deliveries.send(Event::Delivery(d)).is_err() {
                gone = true;
                break;
            }
            s.queued = s.queued.saturating_add(1);
        }
        if gone {
            self.handle(outbound, Command::Unsubscribe { id });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pending(n: usize) -> PendingPublish {
        let messages = (0..n)
            .map(|i| Message {
                id: format!("m{i}"),
                ..Default::default()
            })
            .collect();
        PendingPublish::new(messages, oneshot::channel().0)
    }

    fn result(index: u32, code: Option<i32>) -> PublishResult {
        PublishResult {
            index,
            error: code.map(|code| v1::Error {
                code,
                ..Default::default()
            }),
            ..Default::default()
        }
    }

    #[test]
    fn unavailable_messages_wait_for_a_resend_and_keep_their_place() {
        let mut p = pending(3);
        p.frames_out = 1;
        let done = p.answer(
            &[0, 1, 2],
            vec![
                result(0, None),
                result(1, Some(UNAVAILABLE)),
                result(2, Some(3)), // INVALID_ARGUMENT is final
            ],
        );
        assert!(!done);
        assert_eq!(p.refusals, 1);
        assert!(p.results[1].is_none());
        assert_eq!(
            p.results[2].as_ref().unwrap().error.as_ref().unwrap().code,
            3
        );

        // the resend carries only message 1, at index 0 of its frame
        p.frames_out = 1;
        assert!(p.answer(&[1], vec![result(0, None)]));
        let indices: Vec<u32> = p
            .results
            .iter()
            .map(|r| r.as_ref().unwrap().index)
            .collect();
        assert_eq!(
            indices,
            [0, 1, 2],
            "results are reported at the caller's indices"
        );
    }

    #[test]
    fn unavailable_is_handed_to_the_caller_after_the_last_resend() {
        let mut p = pending(1);
        for _ in 0..UNAVAILABLE_RESENDS {
            p.frames_out = 1;
            assert!(!p.answer(&[0], vec![result(0, Some(UNAVAILABLE))]));
        }
        p.frames_out = 1;
        assert!(p.answer(&[0], vec![result(0, Some(UNAVAILABLE))]));
        assert_eq!(
            p.results[0].as_ref().unwrap().error.as_ref().unwrap().code,
            UNAVAILABLE
        );
    }

    fn sized(n: usize, payload: usize) -> Vec<Message> {
        (0..n)
            .map(|_| Message {
                payload: vec![0; payload],
                ..Default::default()
            })
            .collect()
    }

    #[test]
    fn frames_are_split_by_bytes_and_by_count() {
        let limits = FrameLimits::from_welcome(Some(&v1::Limits {
            max_batch_messages: 4,
            max_frame_bytes: 10_000,
            ..Default::default()
        }));
        // each message ~3 kB: three fit the bytes, the fourth would not
        let messages = sized(7, 3000);
        let all: Vec<usize> = (0..7).collect();
        let (frames, oversize) = limits.split(&messages, &all);
        assert!(oversize.is_empty());
        assert_eq!(frames, [vec![0, 1, 2], vec![3, 4, 5], vec![6]]);
        // small messages: the count limit splits
        let (frames, _) = limits.split(&sized(9, 1), &(0..9).collect::<Vec<_>>());
        assert_eq!(frames, [vec![0, 1, 2, 3], vec![4, 5, 6, 7], vec![8]]);
    }

    #[test]
    fn a_message_too_large_for_any_frame_is_set_apart_and_the_default_limit_applies_without_one() {
        let limits = FrameLimits::from_welcome(None);
        assert_eq!(
            limits.max_content,
            FALLBACK_MAX_FRAME_BYTES - FRAME_OVERHEAD_BYTES
        );
        let mut messages = sized(2, 10);
        messages[0].payload = vec![0; FALLBACK_MAX_FRAME_BYTES];
        let (frames, oversize) = limits.split(&messages, &[0, 1]);
        assert_eq!(frames, [vec![1]]);
        assert_eq!(oversize, [0]);
        let r = limits.oversize_result(&messages, 0);
        assert_eq!(r.error.as_ref().map(|e| e.code), Some(RESOURCE_EXHAUSTED));
    }
}
