package io.tidegate.sdk;

import io.opentelemetry.api.GlobalOpenTelemetry;
import io.opentelemetry.api.OpenTelemetry;
import io.tidegate.proto.v1.BooksServiceGrpc;
import io.tidegate.proto.v1.GetBookRequest;
import io.tidegate.proto.v1.GetBookResponse;
import io.tidegate.proto.v1.Message;
import io.tidegate.proto.v1.Welcome;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A client of Tidegate gateways: holds one Connect stream to one of the configured endpoints and
 * keeps it up (failover to the next endpoint, reconnect with backoff, keepalive pings); publishes
 * in acknowledged batches; runs subscriptions with credit-based flow control that resume after a
 * reconnect. Built with {@link #builder()}; connecting starts in the background at
 * {@link Builder#build()}, and publishes and subscriptions made before the first connection wait
 * for it.
 *
 * <p>Threading: every public method is thread-safe. {@link #publish} blocks only while
 * {@code maxPendingPublishes} messages await acks. Publish futures complete and message handlers
 * run on the client's handler executor, never on gRPC threads.
 *
 * <pre>{@code
 * try (TidegateClient client = TidegateClient.builder().endpoints("127.0.0.1:7400").clientName("quotes").build()) {
 *     client.subscribe(SubscriptionOptions.broadcast("data.quotes.>"), m -> System.out.println(m.message()));
 *     client.publish(Message.newBuilder().setTopic("data.quotes.BINANCE.BTCUSDT").setPayload(bytes).build()).join();
 * }
 * }</pre>
 */
public final class TidegateClient implements AutoCloseable {

    /** The SDK version sent in Hello. */
    public static final String VERSION = "0.1.0";

    private final ClientSettings settings;
    private final ScheduledExecutorService scheduler;
    private final Executor handlerExecutor;
    private final ExecutorService ownedExecutor;
    private final AtomicLong frameIds = new AtomicLong();
    private final AtomicInteger subscriptionIds = new AtomicInteger();
    private final Map<String, ActiveSubscription> subscriptions = new ConcurrentHashMap<>();
    private final PublishPipeline publisher;
    private final Connector connector;
    private final ClientTracing tracing;
    private volatile boolean closed;

    private TidegateClient(Builder b, ClientSettings settings) {
        this.settings = settings;
        this.scheduler = new ScheduledThreadPoolExecutor(1, daemonThreads("tidegate-client-timer"));
        ((ScheduledThreadPoolExecutor) scheduler).setRemoveOnCancelPolicy(true);
        if (b.handlerExecutor != null) {
            this.handlerExecutor = b.handlerExecutor;
            this.ownedExecutor = null;
        } else {
            this.ownedExecutor = Executors.newCachedThreadPool(daemonThreads("tidegate-handler"));
            this.handlerExecutor = ownedExecutor;
        }
        this.tracing = new ClientTracing(b.openTelemetry != null ? b.openTelemetry : GlobalOpenTelemetry.get());
        this.publisher = new PublishPipeline(settings, frameIds, handlerExecutor, scheduler);
        this.connector = new Connector(settings, scheduler, frameIds, publisher, subscriptions, b.connectionListener, VERSION,
                tracing.samplesTraces());
        connector.start();
    }

    private static ThreadFactory daemonThreads(String prefix) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, prefix + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * Publishes a message. It is batched with others and sent as soon as the batch is full or the
     * linger time passed; while disconnected it waits and is sent after the reconnect. A message
     * without an id gets a random UUID, so a re-send after a reconnect is deduplicated by the
     * gateway.
     *
     * @return completes with the position the gateway stored the message at, or exceptionally with
     *         a {@link PublishException} carrying the gRPC code and the gateway's reason
     */
    public CompletableFuture<PublishReceipt> publish(Message message) {
        Objects.requireNonNull(message, "message");
        if (closed) {
            return CompletableFuture.failedFuture(new PublishException(message.getId(), io.grpc.Status.Code.CANCELLED,
                    "client is closed"));
        }
        return tracing.publish(message, publisher::publish);
    }

    /** Sends the publishes waiting for their batch to fill without waiting for the linger time. */
    public void flush() {
        publisher.flush();
    }

    /**
     * Subscribes; the handler then receives matching messages on the handler executor, one at a
     * time, in order. Returns at once; {@link Subscription#confirmed()} tells when the gateway
     * accepted (or rejected) it.
     */
    public Subscription subscribe(SubscriptionOptions options, MessageHandler handler) {
        Objects.requireNonNull(options, "options");
        Objects.requireNonNull(handler, "handler");
        if (closed) {
            throw new IllegalStateException("client is closed");
        }
        String id = options.subscriptionId().isEmpty() ? "sub-" + subscriptionIds.incrementAndGet() : options.subscriptionId();
        MessageHandler traced = new MessageHandler() {
            @Override
            public void onMessage(ReceivedMessage m) throws Exception {
                tracing.process(m, handler);
            }

            @Override
            public void onGap(RetentionGap gap) throws Exception {
                handler.onGap(gap);
            }
        };
        ActiveSubscription sub = new ActiveSubscription(id, options, traced, handlerExecutor, frameIds,
                settings.defaultCredit(), s -> subscriptions.remove(s.id(), s));
        if (subscriptions.putIfAbsent(id, sub) != null) {
            throw new IllegalArgumentException("subscription id \"" + id + "\" is already in use on this client");
        }
        GatewayStream s = connector.current();
        if (s != null) {
            sub.attach(s);
        }
        return sub;
    }

    /**
     * The order book the gateway keeps from {@code data.books.<venue>.<symbol>}
     * ({@code BooksService.GetBook}), waiting up to 10 s; see
     * {@link #getBook(String, String, int, Duration)}.
     */
    public CompletableFuture<GetBookResponse> getBook(String venue, String symbol, int depth) {
        return getBook(venue, symbol, depth, Duration.ofSeconds(10));
    }

    /**
     * The order book the gateway keeps from {@code data.books.<venue>.<symbol>}
     * ({@code BooksService.GetBook}): the best {@code depth} levels per side (0: all it holds) and
     * the venue's sequence. Asked on the current stream's connection (waiting for one within
     * {@code timeout}). Fails with a {@link TidegateException} carrying the gRPC code and what to
     * fix: NOT_FOUND when no batch of that book was published, UNAVAILABLE while the book waits for
     * a snapshot after a reset or a sequence gap (retry), INVALID_ARGUMENT for a bad venue, symbol
     * or depth, FAILED_PRECONDITION when the gateway keeps no books, DEADLINE_EXCEEDED after
     * {@code timeout}. Completes on the handler executor. To keep a book yourself from a
     * subscription, see {@link io.tidegate.sdk.book.OrderBook}.
     */
    public CompletableFuture<GetBookResponse> getBook(String venue, String symbol, int depth, Duration timeout) {
        GetBookRequest request = GetBookRequest.newBuilder().setVenue(Objects.requireNonNull(venue, "venue"))
                .setSymbol(Objects.requireNonNull(symbol, "symbol")).setDepth(depth).build();
        if (closed) {
            return CompletableFuture.failedFuture(new TidegateException(io.grpc.Status.Code.CANCELLED, "client is closed"));
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        return connector.connected().copy()
                .orTimeout(timeout.toNanos(), TimeUnit.NANOSECONDS)
                .handle((up, failure) -> failure)
                .thenCompose(failure -> {
                    GatewayStream s = connector.current();
                    if (failure != null || s == null) {
                        return CompletableFuture.failedFuture(new TidegateException(io.grpc.Status.Code.UNAVAILABLE,
                                "no stream to a gateway within " + timeout + "; is a gateway running at "
                                        + settings.endpoints() + "?"));
                    }
                    return askBook(s, request, deadline);
                });
    }

    private CompletableFuture<GetBookResponse> askBook(GatewayStream stream, GetBookRequest request, long deadlineNanos) {
        CompletableFuture<GetBookResponse> answer = new CompletableFuture<>();
        BooksServiceGrpc.newStub(stream.channel())
                .withExecutor(handlerExecutor)
                .withDeadlineAfter(Math.max(0, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS)
                .getBook(request, new io.grpc.stub.StreamObserver<>() {
                    @Override
                    public void onNext(GetBookResponse value) {
                        answer.complete(value);
                    }

                    @Override
                    public void onError(Throwable t) {
                        io.grpc.Status status = io.grpc.Status.fromThrowable(t);
                        answer.completeExceptionally(new TidegateException(status.getCode(),
                                status.getDescription() == null ? "" : status.getDescription(), t));
                    }

                    @Override
                    public void onCompleted() {
                        // the unary answer came in onNext
                    }
                });
        return answer;
    }

    /** True while a stream to a gateway is up. */
    public boolean isConnected() {
        return connector.current() != null;
    }

    /**
     * Waits until a stream is up.
     *
     * @return false when none came up within {@code timeout}
     */
    public boolean awaitConnected(Duration timeout) throws InterruptedException {
        try {
            connector.connected().get(timeout.toNanos(), TimeUnit.NANOSECONDS);
            return true;
        } catch (TimeoutException e) {
            return false;
        } catch (java.util.concurrent.ExecutionException e) {
            return false;
        }
    }

    /** The gateway's Welcome on the current (or last) stream, or null before the first one. */
    public Welcome welcome() {
        return connector.welcome();
    }

    /** Publishes not yet acked or failed. */
    public int pendingPublishes() {
        return publisher.pendingCount();
    }

    /**
     * Sends queued publishes and waits (up to the close timeout) for their acks, fails what is left
     * with CANCELLED, closes every subscription and the stream. Idempotent.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        publisher.close(settings.closeTimeout());
        for (ActiveSubscription sub : new ArrayList<>(subscriptions.values())) {
            sub.close();
        }
        connector.close();
        scheduler.shutdownNow();
        if (ownedExecutor != null) {
            ownedExecutor.shutdown();
        }
    }

    /**
     * Configures a {@link TidegateClient}. Not thread-safe; every setting has a default except the
     * endpoints.
     */
    public static final class Builder {
        private final List<Endpoint> endpoints = new ArrayList<>();
        private String clientName = "tidegate-java";
        private ReconnectBackoff backoff = ReconnectBackoff.DEFAULT;
        private Duration connectTimeout = Duration.ofSeconds(10);
        private Duration keepaliveTime = Duration.ofSeconds(20);
        private Duration keepaliveTimeout = Duration.ofSeconds(10);
        private Duration pingInterval = Duration.ofSeconds(5);
        private Duration pingTimeout = Duration.ofSeconds(10);
        private Duration drainGrace = Duration.ofSeconds(15);
        private int maxBatchMessages = 1000;
        private int maxBatchBytes = 4 << 20;
        private Duration linger = Duration.ZERO;
        private int maxPendingPublishes = 100_000;
        private Duration maxBlock = Duration.ofSeconds(60);
        private int defaultCredit = 1000;
        private int maxInboundMessageBytes = 64 << 20;
        private Duration closeTimeout = Duration.ofSeconds(5);
        private Executor handlerExecutor;
        private ConnectionListener connectionListener = new ConnectionListener() { };
        private OpenTelemetry openTelemetry;
        private java.nio.file.Path tlsCaFile;
        private java.nio.file.Path tlsCertChainFile;
        private java.nio.file.Path tlsKeyFile;
        private boolean tls;
        private java.util.function.Supplier<String> bearerToken;

        private Builder() {
        }

        /**
         * Connects over TLS (1.2 or 1.3), trusting the gateway certificate's CA from this PEM file,
         * or the JVM's default trust store when null.
         */
        public Builder tls(java.nio.file.Path caFile) {
            this.tls = true;
            this.tlsCaFile = caFile;
            return this;
        }

        /**
         * Presents this client certificate (PEM chain, PKCS#8 PEM key) to a gateway that asks for
         * one (mTLS); implies {@link #tls} with the JVM's trust store unless a CA file was given.
         */
        public Builder clientCertificate(java.nio.file.Path certChainFile, java.nio.file.Path keyFile) {
            this.tls = true;
            this.tlsCertChainFile = Objects.requireNonNull(certChainFile, "certChainFile");
            this.tlsKeyFile = Objects.requireNonNull(keyFile, "keyFile");
            return this;
        }

        /** Sends {@code authorization: Bearer <token>} on every call. */
        public Builder bearerToken(String token) {
            Objects.requireNonNull(token, "token");
            return bearerToken(() -> token);
        }

        /**
         * Asks {@code source} for the token on every call (a stream asks once, when it opens), so a
         * source that refreshes short-lived JWTs keeps reconnects authenticated. Called on gRPC
         * threads; must not block for long.
         */
        public Builder bearerToken(java.util.function.Supplier<String> source) {
            this.bearerToken = Objects.requireNonNull(source, "source");
            return this;
        }

        /** Gateway addresses "host:port", tried in turn (failover). */
        public Builder endpoints(String... hostPorts) {
            for (String e : hostPorts) {
                endpoints.add(Endpoint.parse(e));
            }
            return this;
        }

        public Builder endpoints(List<String> hostPorts) {
            return endpoints(hostPorts.toArray(String[]::new));
        }

        /** Names this client in the gateway's logs and metrics. */
        public Builder clientName(String name) {
            this.clientName = Objects.requireNonNull(name, "clientName");
            return this;
        }

        public Builder reconnectBackoff(ReconnectBackoff backoff) {
            this.backoff = Objects.requireNonNull(backoff, "backoff");
            return this;
        }

        public Builder reconnectBackoff(Duration initial, Duration max, double jitter) {
            return reconnectBackoff(new ReconnectBackoff(initial, max, jitter));
        }

        /** How long to wait for the gateway's Welcome before trying the next endpoint. */
        public Builder connectTimeout(Duration timeout) {
            this.connectTimeout = positive(timeout, "connectTimeout");
            return this;
        }

        /**
         * HTTP/2 keepalive on the channel: ping after {@code time} without reads, drop the connection
         * when no answer comes within {@code timeout}. Zero time disables it. The gateway by default
         * permits one every 5 s at most.
         */
        public Builder keepalive(Duration time, Duration timeout) {
            this.keepaliveTime = Objects.requireNonNull(time, "time");
            this.keepaliveTimeout = positive(timeout, "keepalive timeout");
            return this;
        }

        /**
         * Ping frames on the stream: one every {@code interval}; when the gateway has sent nothing for
         * {@code interval + timeout}, the stream is dropped and the client reconnects.
         */
        public Builder streamPing(Duration interval, Duration timeout) {
            this.pingInterval = positive(interval, "ping interval");
            this.pingTimeout = positive(timeout, "ping timeout");
            return this;
        }

        /** After GoAway, how long the draining gateway may take to end its stream. */
        public Builder drainGrace(Duration grace) {
            this.drainGrace = positive(grace, "drainGrace");
            return this;
        }

        /** Most messages in one PublishBatch (also capped by the gateway's limit). */
        public Builder maxBatchMessages(int n) {
            if (n < 1) {
                throw new IllegalArgumentException("maxBatchMessages must be >= 1, was " + n);
            }
            this.maxBatchMessages = n;
            return this;
        }

        /**
         * Most serialized message bytes in one PublishBatch; the gateway's advertised frame
         * limit ({@code max_frame_bytes}) caps it too.
         */
        public Builder maxBatchBytes(int n) {
            if (n < 1) {
                throw new IllegalArgumentException("maxBatchBytes must be >= 1, was " + n);
            }
            this.maxBatchBytes = n;
            return this;
        }

        /**
         * How long a batch waits for more messages after its first. Zero (the default) batches
         * adaptively: a message goes out at once when no publish frame awaits its ack, otherwise it
         * joins the next frame, sent when that ack returns or the batch is full.
         */
        public Builder linger(Duration linger) {
            if (linger.isNegative()) {
                throw new IllegalArgumentException("linger must be >= 0, was " + linger);
            }
            this.linger = linger;
            return this;
        }

        /** Most publishes awaiting acks; {@link #publish} blocks up to {@code maxBlock} beyond it. */
        public Builder maxPendingPublishes(int n, Duration maxBlock) {
            if (n < 1) {
                throw new IllegalArgumentException("maxPendingPublishes must be >= 1, was " + n);
            }
            this.maxPendingPublishes = n;
            this.maxBlock = Objects.requireNonNull(maxBlock, "maxBlock");
            return this;
        }

        /** Credit of subscriptions that do not set their own. */
        public Builder defaultCredit(int credit) {
            if (credit < 1) {
                throw new IllegalArgumentException("defaultCredit must be >= 1, was " + credit);
            }
            this.defaultCredit = credit;
            return this;
        }

        public Builder maxInboundMessageBytes(int n) {
            this.maxInboundMessageBytes = n;
            return this;
        }

        /** How long {@link TidegateClient#close()} waits for outstanding publish acks. */
        public Builder closeTimeout(Duration timeout) {
            if (timeout.isNegative()) {
                throw new IllegalArgumentException("closeTimeout must be >= 0, was " + timeout);
            }
            this.closeTimeout = timeout;
            return this;
        }

        /**
         * Where handlers run and publish futures complete. Default: a cached pool of daemon threads
         * owned (and shut down) by the client.
         */
        public Builder handlerExecutor(Executor executor) {
            this.handlerExecutor = Objects.requireNonNull(executor, "executor");
            return this;
        }

        /**
         * Where the client's spans go: a {@code publish <topic>} span (PRODUCER) per message, its
         * context sent in the message headers ({@code traceparent}, {@code tracestate},
         * {@code baggage}), and a {@code process <topic>} span (CONSUMER) around each handler call,
         * child of the gateway's delivery span. Default: {@link GlobalOpenTelemetry#get()}, a no-op
         * unless the application registered an SDK.
         */
        public Builder openTelemetry(OpenTelemetry openTelemetry) {
            this.openTelemetry = Objects.requireNonNull(openTelemetry, "openTelemetry");
            return this;
        }

        public Builder connectionListener(ConnectionListener listener) {
            this.connectionListener = Objects.requireNonNull(listener, "listener");
            return this;
        }

        private static Duration positive(Duration d, String what) {
            if (d == null || d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException(what + " must be > 0, was " + d);
            }
            return d;
        }

        /** Builds the client and starts connecting in the background. */
        public TidegateClient build() {
            if (endpoints.isEmpty()) {
                throw new IllegalArgumentException("at least one endpoint (host:port) is needed");
            }
            return new TidegateClient(this, settings());
        }

        /** The settings {@link #build()} hands the client; for tests of its parts. */
        ClientSettings settings() {
            return new ClientSettings(List.copyOf(endpoints), clientName, backoff, connectTimeout,
                    keepaliveTime, keepaliveTimeout, pingInterval, pingTimeout, drainGrace, maxBatchMessages,
                    maxBatchBytes, linger, maxPendingPublishes, maxBlock, defaultCredit, maxInboundMessageBytes,
                    closeTimeout, tls ? ClientTls.context(tlsCaFile, tlsCertChainFile, tlsKeyFile) : null, bearerToken);
        }
    }
}
