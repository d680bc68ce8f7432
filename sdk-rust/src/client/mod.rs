//! A small client over the gateway's `Connect` stream.
//!
//! One background task (the *connection actor*, [`conn`]) owns the stream: it sends `Hello`,
//! waits for `Welcome`, matches answers to requests by `frame_id`, hands deliveries to
//! [`Subscription`] handles, grants credit as the application consumes messages, and on a
//! broken stream or `GoAway` reconnects (to the next endpoint of its list, so a client given
//! several gateway replicas fails over between them) with exponential backoff, re-subscribes (a broadcast
//! subscription resumes strictly after the last position it saw per topic) and re-sends
//! unacknowledged publishes with their original ids, so the gateway's dedup drops any copy it
//! already stored. GROUP deliveries taken from a broken stream but not acked are void there:
//! the gateway redelivers them (with a higher `delivery_count`), so handlers must be idempotent.
//!
//! ```no_run
//! # async fn demo() -> Result<(), tidegate::client::ClientError> {
//! use tidegate::client::{Client, ClientConfig, SubscribeOptions};
//! let client = Client::connect(ClientConfig::new("127.0.0.1:7400", "demo")).await?;
//! let mut sub = client.subscribe(SubscribeOptions::broadcast(["data.quotes.>"])).await?;
//! while let Some(d) = sub.recv().await {
//!     println!("{:?}", d.position);
//! }
//! # Ok(()) }
//! ```
//!
//! When the gateway's backend loses its stored history (Redis flushed or replaced by an empty
//! one), each subscription gets a [`BackendReset`] in its stream, in order with its deliveries:
//! [`Subscription::next_event`] returns it as [`Event::Reset`], [`Subscription::recv`] keeps it in
//! [`Subscription::resets`]. The subscription goes on with what is stored from then on.
//!
//! A BROADCAST subscriber that falls behind retention (or starts at a position no longer
//! retained) gets a [`Gap`] in its stream, after the deliveries before the hole and before the
//! first one after it: [`Subscription::next_event`] returns it as [`Event::Gap`],
//! [`Subscription::recv`] keeps it in [`Subscription::gaps`].
//!
//! A gateway with security on takes TLS ([`TlsSettings`]: the CA to trust, a client certificate
//! for mTLS) and a bearer token ([`BearerToken`]: a string, or a source asked on every
//! reconnect), set with [`ClientConfig::tls`] and [`ClientConfig::bearer_token`]. A refused
//! connection is [`ClientError::Status`] with `UNAUTHENTICATED` and the gateway's reason:
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use tidegate::client::{BearerToken, Client, ClientConfig, TlsSettings};
//! let tls = TlsSettings::ca_file("ca.pem")?.client_certificate_files("client-chain.pem", "client.key")?;
//! let config = ClientConfig::new("gw.example.org:7400", "demo")
//!     .tls(tls)
//!     .bearer_token(BearerToken::source(|| std::fs::read_to_string("token").unwrap_or_default()));
//! let client = Client::connect(config).await?;
//! # Ok(()) }
//! ```

mod conn;
mod security;

pub use security::{BearerToken, TlsSettings};

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use tokio::sync::{mpsc, oneshot, watch};

use crate::proto::v1::books_service_client::BooksServiceClient;
use crate::proto::v1::{self, start_position, Delivery, Message, Position, PublishResult};
use crate::telemetry::PublishSpans;

pub use crate::proto::v1::{Priority, SubscriptionMode};

/// What went wrong talking to the gateway.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("invalid endpoint {0:?}: {1}")]
    Endpoint(String, String),
    #[error("cannot connect to {endpoint}: {source}")]
    Connect {
        endpoint: String,
        source: tonic::transport::Error,
    },
    #[error("gateway refused the call: {0}")]
    Status(#[from] tonic::Status),
    #[error("gateway rejected the {frame_kind} frame: code {code}: {message}")]
    Frame {
        frame_kind: String,
        code: i32,
        message: String,
    },
    #[error("protocol error: {0}")]
    Protocol(String),
    #[error("no answer within {0:?}")]
    Timeout(Duration),
    #[error("the client is closed")]
    Closed,
    #[error("invalid subscribe options: {0}")]
    InvalidOptions(String),
}

impl ClientError {
    /// The gRPC status code the gateway answered with (`Status` or `Frame`), e.g.
    /// `Code::Unauthenticated` for a refused token; `None` for local and transport errors.
    pub fn code(&self) -> Option<tonic::Code> {
        match self {
            ClientError::Status(s) => Some(s.code()),
            ClientError::Frame { code, .. } => Some(tonic::Code::from_i32(*code)),
            _ => None,
        }
    }

    fn from_frame_error(e: &v1::FrameError) -> Self {
        let (code, message) = e
            .error
            .as_ref()
            .map(|x| (x.code, x.message.clone()))
            .unwrap_or_default();
        ClientError::Frame {
            frame_kind: e.frame_kind.clone(),
            code,
            message,
        }
    }
}

pub type Result<T, E = ClientError> = std::result::Result<T, E>;

/// How to reach the gateway and how patiently.
#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// Gateway replicas to use, each `host:port` or a full `http://host:port` (`https://` with
    /// TLS) URI. The client
    /// connects to them in turn: on a failed attempt or a broken stream it moves to the next one.
    pub endpoints: Vec<String>,
    pub client_name: String,
    pub connect_timeout: Duration,
    /// Longest wait for the answer to a publish, subscribe or ping.
    pub request_timeout: Duration,
    pub backoff_initial: Duration,
    pub backoff_max: Duration,
    /// HTTP/2 keepalive pings, so a dead gateway is noticed.
    pub keepalive_interval: Duration,
    pub keepalive_timeout: Duration,
    /// Trace publishes: a `publish <topic>` span per message, its context in the headers (see
    /// [`crate::telemetry`]). On by default; off, the client adds no headers and no spans.
    pub tracing: bool,
    /// Connect over TLS; `None`: plaintext. A `host:port` endpoint then means `https://`.
    pub tls: Option<TlsSettings>,
    /// Sent as `authorization: Bearer <token>` on every RPC; `None`: no header.
    pub bearer_token: Option<BearerToken>,
}

impl ClientConfig {
    /// `endpoints` is one endpoint or a comma-separated list (`"h1:7400,h2:7400"`).
    pub fn new(endpoints: impl AsRef<str>, client_name: impl Into<String>) -> Self {
        ClientConfig {
            endpoints: endpoints
                .as_ref()
                .split(',')
                .map(str::trim)
                .filter(|e| !e.is_empty())
                .map(String::from)
                .collect(),
            client_name: client_name.into(),
            connect_timeout: Duration::from_secs(5),
            request_timeout: Duration::from_secs(30),
            backoff_initial: Duration::from_millis(100),
            backoff_max: Duration::from_secs(5),
            keepalive_interval: Duration::from_secs(20),
            keepalive_timeout: Duration::from_secs(10),
            tracing: true,
            tls: None,
            bearer_token: None,
        }
    }

    /// Connects over TLS with these settings.
    pub fn tls(mut self, tls: TlsSettings) -> Self {
        self.tls = Some(tls);
        self
    }

    /// Sends this token (a `String`, `&str` or [`BearerToken::source`]) on every RPC.
    pub fn bearer_token(mut self, token: impl Into<BearerToken>) -> Self {
        self.bearer_token = Some(token.into());
        self
    }

    /// The URI of endpoint `attempt` (counting round the list).
    fn uri(&self, attempt: usize) -> Result<String> {
        let endpoint = match self.endpoints.len() {
            0 => {
                return Err(ClientError::Endpoint(
                    String::new(),
                    "no endpoint given".into(),
                ))
            }
            n => &self.endpoints[attempt % n],
        };
        Ok(if endpoint.contains("://") {
            endpoint.clone()
        } else if self.tls.is_some() {
            format!("https://{endpoint}")
        } else {
            format!("http://{endpoint}")
        })
    }
}

/// Where a subscription starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Start {
    Latest,
    Earliest,
    /// Messages accepted at or after this Unix-nanosecond timestamp.
    Timestamp(i64),
    /// Strictly after these per-topic positions.
    After(Vec<Position>),
}

/// What a subscription by instrument gets of each listed market: its topics
/// `data.<kind>.<VENUE>.<native id>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DataKind {
    Quotes,
    Trades,
    Books,
}

impl DataKind {
    /// The name on the wire and in topics: `quotes`, `trades` or `books`.
    pub fn as_str(self) -> &'static str {
        match self {
            DataKind::Quotes => "quotes",
            DataKind::Trades => "trades",
            DataKind::Books => "books",
        }
    }
}

impl std::fmt::Display for DataKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What to subscribe to and how.
#[derive(Debug, Clone)]
pub struct SubscribeOptions {
    /// Client-chosen id, unique on the stream; generated when empty.
    pub id: String,
    pub patterns: Vec<String>,
    pub mode: SubscriptionMode,
    pub group: String,
    pub start: Start,
    /// Most messages out at once (at the gateway's disposal plus received but not yet taken
    /// with [`Subscription::recv`]). 0: the gateway's default.
    pub credit: u32,
    /// Grant credit back automatically as messages are taken with `recv`; otherwise the
    /// application calls [`Subscription::grant`].
    pub auto_credit: bool,
    pub ack_deadline_ms: u32,
    pub strict_key_order: bool,
    /// BROADCAST only: while behind, the gateway keeps only the latest message per ordering key;
    /// each delivery's `conflated_before` counts the older ones of its key it dropped.
    pub conflate: bool,
    /// Subscribe by instrument (BROADCAST only): canonical keys in the ccxt form (`BTC/USDT`,
    /// `BTC/USDT:USDT`; at most 64), whose `data_kind` topics on every venue listing them are
    /// delivered (see [`SubscribeOptions::instruments`]).
    pub instruments: Vec<String>,
    /// With `instruments`: which of their topics; `None` without instruments.
    pub data_kind: Option<DataKind>,
}

impl SubscribeOptions {
    pub fn broadcast<I, S>(patterns: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        SubscribeOptions {
            id: String::new(),
            patterns: patterns.into_iter().map(Into::into).collect(),
            mode: SubscriptionMode::Broadcast,
            group: String::new(),
            start: Start::Latest,
            credit: 0,
            auto_credit: true,
            ack_deadline_ms: 0,
            strict_key_order: false,
            conflate: false,
            instruments: Vec::new(),
            data_kind: None,
        }
    }

    /// A broadcast subscription by instrument: `data.<kind>.<VENUE>.<native id>` of every venue
    /// whose listing (an `InstrumentDefinition` on `data.instruments.<VENUE>`) gives one of these
    /// canonical keys, including venues listed after the subscription was made. The gateway
    /// refuses a key not in the canonical form with `INVALID_ARGUMENT`.
    ///
    /// ```
    /// use tidegate::client::{DataKind, SubscribeOptions};
    /// let options = SubscribeOptions::instruments(DataKind::Quotes, ["BTC/USDT:USDT"]);
    /// assert!(options.patterns.is_empty());
    /// ```
    pub fn instruments<I, S>(kind: DataKind, keys: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Self::broadcast(std::iter::empty::<String>()).with_instruments(kind, keys)
    }

    /// Adds canonical instrument keys (ccxt form) whose `kind` topics on every listing venue are
    /// delivered besides the patterns; sets the data kind for all of them. BROADCAST only.
    pub fn with_instruments<I, S>(mut self, kind: DataKind, keys: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.instruments.extend(keys.into_iter().map(Into::into));
        self.data_kind = Some(kind);
        self
    }

    pub fn group<I, S>(group: impl Into<String>, patterns: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        SubscribeOptions {
            mode: SubscriptionMode::Group,
            group: group.into(),
            ..Self::broadcast(patterns)
        }
    }

    pub fn start(mut self, start: Start) -> Self {
        self.start = start;
        self
    }

    pub fn credit(mut self, credit: u32) -> Self {
        self.credit = credit;
        self
    }

    /// BROADCAST only: the latest message per ordering key instead of a backlog while behind.
    pub fn conflate(mut self, conflate: bool) -> Self {
        self.conflate = conflate;
        self
    }

    pub fn id(mut self, id: impl Into<String>) -> Self {
        self.id = id.into();
        self
    }

    /// What is wrong with options the gateway would refuse anyway, said before sending.
    fn check(&self) -> Result<()> {
        let invalid = |what: &str| Err(ClientError::InvalidOptions(what.into()));
        if !self.instruments.is_empty() && self.data_kind.is_none() {
            return invalid("instruments need a data kind (DataKind::Quotes, Trades or Books)");
        }
        if self.instruments.is_empty() && self.data_kind.is_some() {
            return invalid(
                "a data kind goes with instruments; give the instruments to subscribe to",
            );
        }
        if !self.instruments.is_empty() && self.mode == SubscriptionMode::Group {
            return invalid("instruments are for BROADCAST subscriptions");
        }
        Ok(())
    }
}

/// The gateway's greeting on the current stream.
#[derive(Debug, Clone, Default)]
pub struct SessionInfo {
    pub session_id: String,
    pub gateway_id: String,
    pub limits: v1::Limits,
    /// How many streams this client has opened so far (1 for the first).
    pub connection: u64,
}

/// Requests from handles to the connection actor.
enum Command {
    Publish {
        messages: Vec<Message>,
        reply: oneshot::Sender<Result<Vec<PublishResult>>>,
    },
    Subscribe {
        options: SubscribeOptions,
        deliveries: mpsc::UnboundedSender<Event>,
        reply: oneshot::Sender<Result<v1::Subscribed>>,
    },
    Unsubscribe {
        id: String,
    },
    Ack {
        id: String,
        positions: Vec<Position>,
    },
    Nack {
        id: String,
        positions: Vec<Position>,
        delay_ms: u32,
    },
    Grant {
        id: String,
        messages: u32,
    },
    Consumed {
        id: String,
    },
    Ping {
        reply: oneshot::Sender<Result<Duration>>,
    },
    Close,
}

/// A handle on the connection; cheap to clone. The connection lives while a handle (a client
/// or a subscription) does, or until [`Client::close`].
#[derive(Clone)]
pub struct Client {
    commands: mpsc::UnboundedSender<Command>,
    session: watch::Receiver<SessionInfo>,
    unary: watch::Receiver<conn::Unary>,
    ids: Arc<IdGen>,
    request_timeout: Duration,
    tracing: bool,
}

struct IdGen {
    prefix: String,
    next: AtomicU64,
}

impl IdGen {
    fn new(client_name: &str) -> Self {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default();
        IdGen {
            prefix: format!("{client_name}-{}-{nanos:x}", std::process::id()),
            next: AtomicU64::new(1),
        }
    }

    fn next(&self) -> String {
        format!(
            "{}-{}",
            self.prefix,
            self.next.fetch_add(1, Ordering::Relaxed)
        )
    }
}

impl Client {
    /// Opens the stream and waits for `Welcome`, trying each endpoint once in turn. Fails when
    /// none answers; later breaks are repaired in the background.
    pub async fn connect(config: ClientConfig) -> Result<Client> {
        let mut attempt = 0;
        let established = loop {
            match conn::open(&config, attempt).await {
                Ok(s) => break s,
                Err(e) if attempt + 1 >= config.endpoints.len() => return Err(e),
                Err(e) => {
                    tracing::warn!(error = %e, "endpoint unavailable; trying the next one");
                    attempt += 1;
                }
            }
        };
        let info = SessionInfo {
            session_id: established.welcome.session_id.clone(),
            gateway_id: established.welcome.gateway_id.clone(),
            limits: established.welcome.limits.unwrap_or_default(),
            connection: 1,
        };
        let (session_tx, session) = watch::channel(info);
        let (unary_tx, unary) = watch::channel(established.unary.clone());
        let (commands, command_rx) = mpsc::unbounded_channel();
        let ids = Arc::new(IdGen::new(&config.client_name));
        let request_timeout = config.request_timeout;
        let tracing = config.tracing;
        tokio::spawn(conn::run(
            config,
            established,
            attempt,
            command_rx,
            session_tx,
            unary_tx,
        ));
        Ok(Client {
            commands,
            session,
            unary,
            ids,
            request_timeout,
            tracing,
        })
    }

    /// The session of the current stream.
    pub fn session(&self) -> SessionInfo {
        self.session.borrow().clone()
    }

    /// Watches session changes (a new value after each reconnect).
    pub fn session_watch(&self) -> watch::Receiver<SessionInfo> {
        self.session.clone()
    }

    /// A fresh message id, unique for this process.
    pub fn next_id(&self) -> String {
        self.ids.next()
    }

    fn send(&self, command: Command) -> Result<()> {
        self.commands.send(command).map_err(|_| ClientError::Closed)
    }

    async fn wait<T>(&self, rx: oneshot::Receiver<Result<T>>) -> Result<T> {
        match tokio::time::timeout(self.request_timeout, rx).await {
            Ok(Ok(result)) => result,
            Ok(Err(_)) => Err(ClientError::Closed),
            Err(_) => Err(ClientError::Timeout(self.request_timeout)),
        }
    }

    /// Publishes a batch and returns one result per message, in batch order, once the gateway
    /// answered (accepted messages are stored). Messages without an id get one, so a re-send
    /// after a reconnect is deduplicated. The batch goes out in as many frames as the gateway's
    /// limits (`max_batch_messages`, `max_frame_bytes`) need; a message too large for any frame
    /// gets a `RESOURCE_EXHAUSTED` result without being sent. If the gateway refuses one of those
    /// frames as a whole, the call fails with that error. With tracing on, each message gets a `publish` span,
    /// child of the current OpenTelemetry context, whose context goes into its headers.
    pub async fn publish(&self, mut messages: Vec<Message>) -> Result<Vec<PublishResult>> {
        for m in &mut messages {
            if m.id.is_empty() {
                m.id = self.ids.next();
            }
        }
        let spans = self
            .tracing
            .then(|| PublishSpans::start(&opentelemetry::Context::current(), &mut messages));
        let (reply, rx) = oneshot::channel();
        let result = match self.send(Command::Publish { messages, reply }) {
            Ok(()) => self.wait(rx).await,
            Err(e) => Err(e),
        };
        if let Some(spans) = spans {
            match &result {
                Ok(results) => spans.end(Ok(results)),
                Err(e) => spans.end(Err(&e.to_string())),
            }
        }
        result
    }

    /// Publishes one message; an error when the gateway rejected it.
    pub async fn publish_one(&self, message: Message) -> Result<PublishResult> {
        let mut results = self.publish(vec![message]).await?;
        let result = results
            .pop()
            .ok_or_else(|| ClientError::Protocol("empty publish ack".into()))?;
        match &result.error {
            Some(e) => Err(ClientError::Frame {
                frame_kind: "publish".into(),
                code: e.code,
                message: e.message.clone(),
            }),
            None => Ok(result),
        }
    }

    /// Subscribes and waits for the gateway's confirmation. Instrument options that cannot work
    /// (instruments without a data kind, a data kind without instruments, instruments on a group) fail with
    /// [`ClientError::InvalidOptions`] before anything is sent.
    pub async fn subscribe(&self, mut options: SubscribeOptions) -> Result<Subscription> {
        options.check()?;
        if options.id.is_empty() {
            options.id = format!("sub-{}", self.ids.next.fetch_add(1, Ordering::Relaxed));
        }
        let (tx, deliveries) = mpsc::unbounded_channel();
        let (reply, rx) = oneshot::channel();
        let id = options.id.clone();
        let mode = options.mode;
        let auto_credit = options.auto_credit;
        self.send(Command::Subscribe {
            options,
            deliveries: tx,
            reply,
        })?;
        let confirmed = self.wait(rx).await?;
        Ok(Subscription {
            id,
            mode,
            consumer_name: confirmed.consumer_name,
            auto_credit,
            deliveries,
            commands: self.commands.clone(),
            resets: Vec::new(),
            gaps: Vec::new(),
        })
    }

    /// The order book the gateway keeps from `data.books.<venue>.<symbol>` (`BooksService`): the
    /// best `depth` levels per side (0: all it holds) and the venue's sequence; levels convert
    /// with [`crate::book::Level::from_proto`]. Asked on the current stream's connection, waiting
    /// at most `request_timeout`. A refusal is [`ClientError::Status`] with the gRPC code and what
    /// to fix: `NotFound` when no batch of that book was published, `Unavailable` while the book
    /// waits for a snapshot after a reset or a sequence gap (retry), `InvalidArgument` for a bad
    /// venue, symbol or depth, `FailedPrecondition` when the gateway keeps no books. To keep a
    /// book yourself from a subscription, see [`crate::book`]. [`ClientError::Closed`] after
    /// [`Client::close`].
    pub async fn get_book(
        &self,
        venue: &str,
        symbol: &str,
        depth: u32,
    ) -> Result<v1::GetBookResponse> {
        if self.commands.is_closed() {
            return Err(ClientError::Closed);
        }
        let conn::Unary {
            channel,
            authorization,
        } = self.unary.borrow().clone();
        let mut books = BooksServiceClient::with_interceptor(channel, authorization);
        let request = v1::GetBookRequest {
            venue: venue.into(),
            symbol: symbol.into(),
            depth,
        };
        match tokio::time::timeout(self.request_timeout, books.get_book(request)).await {
            Ok(answer) => Ok(answer?.into_inner()),
            Err(_) => Err(ClientError::Timeout(self.request_timeout)),
        }
    }

    /// Round trip time of a `Ping`.
    pub async fn ping(&self) -> Result<Duration> {
        let (reply, rx) = oneshot::channel();
        self.send(Command::Ping { reply })?;
        self.wait(rx).await
    }

    /// Half-closes the stream and stops reconnecting. Subscriptions end.
    pub fn close(&self) {
        let _ = self.commands.send(Command::Close);
    }
}

/// The gateway's backend lost its stored history (e.g. Redis was flushed or replaced by an empty
/// one): messages stored before `detected_at` may be gone and were never delivered, and positions
/// from before it no longer name them. The subscription stays open and goes on with what is
/// stored from now on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackendReset {
    /// The gateway's description, for logs.
    pub reason: String,
    /// When the gateway noticed the loss, Unix nanoseconds.
    pub detected_at: i64,
}

/// Messages of a topic were trimmed by the gateway's retention before this BROADCAST subscriber
/// read them (it fell behind, or started at a position no longer retained); delivery goes on at
/// `to`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Gap {
    pub topic: String,
    /// The last position delivered on the topic, or the start position asked for; `None` when
    /// neither exists.
    pub from: Option<Position>,
    /// The first position delivered after the hole.
    pub to: Position,
    /// Messages trimmed unread; `None` when the gateway cannot tell (a start position older than
    /// what Redis retains).
    pub lost: Option<u64>,
}

impl From<v1::Gap> for Gap {
    fn from(g: v1::Gap) -> Self {
        Gap {
            topic: g.topic,
            from: g.from,
            to: g.to.unwrap_or_default(),
            lost: g.lost,
        }
    }
}

/// What a subscription receives, in the order the gateway sent it.
// Deliveries go by value: boxing them to shrink the rare Reset would allocate once per message.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone)]
pub enum Event {
    Delivery(Delivery),
    Reset(BackendReset),
    /// Retention trimmed messages before this subscriber read them; comes before the first
    /// delivery after the hole.
    Gap(Gap),
}

/// Deliveries of one subscription. Dropping it unsubscribes.
pub struct Subscription {
    id: String,
    mode: SubscriptionMode,
    consumer_name: String,
    auto_credit: bool,
    deliveries: mpsc::UnboundedReceiver<Event>,
    commands: mpsc::UnboundedSender<Command>,
    resets: Vec<BackendReset>,
    gaps: Vec<Gap>,
}

impl Subscription {
    pub fn id(&self) -> &str {
        &self.id
    }

    pub fn mode(&self) -> SubscriptionMode {
        self.mode
    }

    /// GROUP: this member's consumer name.
    pub fn consumer_name(&self) -> &str {
        &self.consumer_name
    }

    /// The next delivery; `None` once the subscription or the client is closed. A
    /// [`BackendReset`] met on the way is kept in [`Subscription::resets`], a [`Gap`] in
    /// [`Subscription::gaps`].
    pub async fn recv(&mut self) -> Option<Delivery> {
        loop {
            match self.next_event().await? {
                Event::Delivery(d) => return Some(d),
                Event::Reset(r) => self.resets.push(r),
                Event::Gap(g) => {
                    tracing::warn!(subscription = %self.id, topic = %g.topic, lost = ?g.lost,
                        "messages were trimmed by retention before they were read");
                    self.gaps.push(g);
                }
            }
        }
    }

    /// The next delivery, backend reset or gap notice, in order; `None` once the subscription or the
    /// client is closed.
    pub async fn next_event(&mut self) -> Option<Event> {
        let event = self.deliveries.recv().await?;
        if self.auto_credit && matches!(event, Event::Delivery(_)) {
            let _ = self.commands.send(Command::Consumed {
                id: self.id.clone(),
            });
        }
        Some(event)
    }

    /// The backend reset notices [`Subscription::recv`] passed over, oldest first.
    pub fn resets(&self) -> &[BackendReset] {
        &self.resets
    }

    /// The gap notices [`Subscription::recv`] passed over, oldest first.
    pub fn gaps(&self) -> &[Gap] {
        &self.gaps
    }

    fn send(&self, command: Command) -> Result<()> {
        self.commands.send(command).map_err(|_| ClientError::Closed)
    }

    /// GROUP: acknowledges deliveries (by position). Rejections are logged.
    pub fn ack(&self, positions: Vec<Position>) -> Result<()> {
        self.send(Command::Ack {
            id: self.id.clone(),
            positions,
        })
    }

    /// GROUP: asks for redelivery after `delay`.
    pub fn nack(&self, positions: Vec<Position>, delay: Duration) -> Result<()> {
        self.send(Command::Nack {
            id: self.id.clone(),
            positions,
            delay_ms: u32::try_from(delay.as_millis()).unwrap_or(u32::MAX),
        })
    }

    /// Grants the gateway `messages` more deliveries (for `auto_credit = false`).
    pub fn grant(&self, messages: u32) -> Result<()> {
        self.send(Command::Grant {
            id: self.id.clone(),
            messages,
        })
    }
}

impl Drop for Subscription {
    fn drop(&mut self) {
        let _ = self.commands.send(Command::Unsubscribe {
            id: self.id.clone(),
        });
    }
}

/// The wire form of a start position.
fn start_frame(start: &Start) -> v1::StartPosition {
    use start_position::Kind;
    match start {
        Start::Latest => v1::StartPosition {
            kind: Kind::Latest as i32,
            ..Default::default()
        },
        Start::Earliest => v1::StartPosition {
            kind: Kind::Earliest as i32,
            ..Default::default()
        },
        Start::Timestamp(ns) => v1::StartPosition {
            kind: Kind::Timestamp as i32,
            timestamp_nanos: *ns,
            ..Default::default()
        },
        Start::After(positions) => v1::StartPosition {
            kind: Kind::Position as i32,
            after: positions.clone(),
            timestamp_nanos: 0,
        },
    }
}

/// Unix time in nanoseconds.
pub fn now_nanos() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_nanos()).unwrap_or(i64::MAX))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoint_uri() {
        assert_eq!(
            ClientConfig::new("127.0.0.1:7400", "x").uri(0).unwrap(),
            "http://127.0.0.1:7400"
        );
        assert_eq!(
            ClientConfig::new("http://h:1", "x").uri(0).unwrap(),
            "http://h:1"
        );
        assert!(ClientConfig::new("", "x").uri(0).is_err());
    }

    #[test]
    fn endpoint_list_is_used_in_turn() {
        let c = ClientConfig::new("a:1, b:2", "x");
        assert_eq!(c.endpoints, ["a:1", "b:2"]);
        assert_eq!(c.uri(1).unwrap(), "http://b:2");
        assert_eq!(c.uri(2).unwrap(), "http://a:1");
    }

    #[test]
    fn ids_are_unique() {
        let ids = IdGen::new("t");
        assert_ne!(ids.next(), ids.next());
    }

    #[test]
    fn start_frames() {
        use start_position::Kind;
        assert_eq!(start_frame(&Start::Earliest).kind, Kind::Earliest as i32);
        let ts = start_frame(&Start::Timestamp(42));
        assert_eq!((ts.kind, ts.timestamp_nanos), (Kind::Timestamp as i32, 42));
    }
}
