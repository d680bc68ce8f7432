package io.tidegate.gateway.server;

import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.protobuf.services.ProtoReflectionServiceV1;
import io.tidegate.gateway.backend.Backend;
import io.tidegate.gateway.config.GatewayConfig;
import io.tidegate.gateway.server.limits.ClientLimits;
import io.tidegate.gateway.dispatch.IngressDispatcher;
import io.tidegate.gateway.market.InstrumentDirectory;
import io.tidegate.gateway.market.MarketDataTap;
import io.tidegate.gateway.monitoring.Readiness;
import io.tidegate.gateway.security.GatewaySecurity;
import io.tidegate.gateway.priority.LanePolicies;
import io.tidegate.gateway.telemetry.DeliveryTelemetry;
import io.tidegate.gateway.telemetry.GatewayMetrics;
import io.tidegate.gateway.telemetry.GatewayTracing;
import io.tidegate.gateway.telemetry.TraceMetadataInterceptor;
import io.tidegate.proto.v1.GatewayServiceGrpc;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gRPC listener and its lifecycle: start, graceful drain (stop accepting, flush publishes
 * in flight, tell clients to go away, end streams) and stop. Serves {@code tidegate.v1.GatewayService},
 * the {@link AttachedService}s (e.g. {@code tidegate.v1.IntelligenceService}), {@code grpc.health.v1.Health}
 * and server reflection.
 *
 * <p>Threading: start and drain are called once each, from the main or shutdown thread; the
 * {@link ServerStats} reads are thread-safe.
 */
public final class GatewayServer implements ServerStats, StalledStreams {

    private static final Logger log = LoggerFactory.getLogger(GatewayServer.class);
    private static final Duration ACTIVITY_INTERVAL = Duration.ofMinutes(1);
    /** After the drain timeout: how long the last acks and end statuses may take to reach clients. */
    private static final long FINAL_FLUSH_MILLIS = 2_000;

    private final Settings config;
    private final Backend backend;
    private final IngressDispatcher dispatcher;
    private final Readiness readiness;
    private final HealthStatusManager health = new HealthStatusManager();
    private final SessionRegistry sessions = new SessionRegistry();
    private final SubscriptionFactory subscriptions;
    private final GatewayService service;
    private final TraceMetadataInterceptor traceMetadata;
    private final GatewaySecurity security;
    private final MarketDataTap tap;
    private final List<AttachedService> attached;
    private Server server;
    private ScheduledExecutorService activityTimer;
    private java.util.function.Consumer<io.grpc.ServerBuilder<?>> instrumentation = b -> { };

    /**
     * The configuration slices the server reads.
     *
     * @param drainTimeout {@code shutdown.drain-timeout}
     */
    public record Settings(String gatewayId, GatewayConfig.Grpc grpc, GatewayConfig.Limits limits,
                           GatewayConfig.Delivery delivery, Duration dedupWindow,
                           GatewayConfig.ClientLimits clientLimits, Duration drainTimeout) {
    }

    /**
     * What features add to the plain bus, in one immutable slice so the constructor stays short.
     *
     * @param tap            where accepted market data goes (regimes, arbitrage, instruments, risk prices)
     * @param lanePolicies   the outbound lanes' drain policy
     * @param conflationRule which topics conflate for a conflating subscriber (regime rules)
     * @param attached       further gRPC services served on the same port (IntelligenceService,
     *                       InstrumentsService, RiskService), told when the gateway drains
     * @param instruments    the venue listings that subscriptions by instrument follow
     * @param risk           the pre-trade check of every client publish ({@link RiskGate#OFF} for none)
     */
    public record Features(MarketDataTap tap, LanePolicies lanePolicies, ConflationRule conflationRule,
                           List<AttachedService> attached, InstrumentDirectory instruments, RiskGate risk) {

        public Features {
            attached = List.copyOf(attached);
        }
    }

    public GatewayServer(Settings config, Backend backend, IngressDispatcher dispatcher,
                         MessageValidatorFactory validators, Readiness readiness,
                         GatewayTracing tracing, GatewayMetrics metrics, ConflationCounter conflation,
                         OutboundBudget outboundBudget, ReadAhead readAhead, GatewaySecurity security,
                         Features features) {
        this.config = config;
        this.security = security;
        this.tap = features.tap();
        this.attached = features.attached();
        this.backend = backend;
        this.dispatcher = dispatcher;
        this.readiness = readiness;
        StreamTerms terms = new StreamTerms(config.gatewayId(), config.limits(), config.delivery(), config.dedupWindow());
        PublishPath publishing = new PublishPath(new BatchPublisher(validators.create(), dispatcher, tracing, tap,
                security.topicAccess(), features.risk()), new ClientLimits(config.clientLimits()));
        this.subscriptions = new SubscriptionFactory(new SubscribeParser(config.limits(), config.delivery(),
                features.instruments()), backend, new DeliveryTelemetry(tracing, metrics), conflation, outboundBudget,
                readAhead, config.limits().maxCredit(), config.delivery(), features.lanePolicies(),
                security.topicAccess(), features.instruments(), features.conflationRule());
        this.traceMetadata = new TraceMetadataInterceptor(tracing);
        this.service = new GatewayService(terms, publishing, subscriptions, sessions);
        // a subscription the new rules no longer allow at all ends; see ClientSession#reauthorise
        security.topicAccess().onChange(() -> sessions.sessions().forEach(ClientSession::reauthorise));
    }

    /**
     * Binds the port and starts serving: over TLS when {@code security.tls} is set; the gateway
     * service and reflection authenticate every call when authentication is on, while the health
     * service stays open to load balancers' probes.
     */
    public void start() throws IOException {
        var grpc = config.grpc();
        NettyServerBuilder builder = NettyServerBuilder.forAddress(new InetSocketAddress(grpc.host(), grpc.port()));
        if (security.grpcTls() != null) {
            builder.sslContext(security.grpcTls());
        }
        instrumentation.accept(builder);
        var authenticator = security.authenticator();
        // the last interceptor listed runs first: authentication before anything else
        var gateway = authenticator == null ? ServerInterceptors.intercept(service, traceMetadata, Caller.INTERCEPTOR)
                : ServerInterceptors.intercept(service, traceMetadata, Caller.INTERCEPTOR, authenticator);
        var reflection = authenticator == null ? ProtoReflectionServiceV1.newInstance().bindService()
                : ServerInterceptors.intercept(ProtoReflectionServiceV1.newInstance(), authenticator);
        builder.addService(gateway);
        for (AttachedService s : attached) {
            builder.addService(authenticator == null ? s.bindService() : ServerInterceptors.intercept(s, authenticator));
        }
        server = builder
                .addService(health.getHealthService())
                .addService(reflection)
                .keepAliveTime(grpc.keepaliveTime().toMillis(), TimeUnit.MILLISECONDS)
                .keepAliveTimeout(grpc.keepaliveTimeout().toMillis(), TimeUnit.MILLISECONDS)
                .permitKeepAliveTime(grpc.permitKeepaliveTime().toMillis(), TimeUnit.MILLISECONDS)
                .permitKeepAliveWithoutCalls(true)
                .maxInboundMessageSize(grpc.maxInboundMessageBytes())
                .addStreamTracerFactory(new OversizeMessageLog(grpc.maxInboundMessageBytes(), config.limits().maxFrameBytes()))
                .build()
                .start();
        health.setStatus("", ServingStatus.SERVING);
        health.setStatus(GatewayServiceGrpc.SERVICE_NAME, ServingStatus.SERVING);
        readiness.markStarted();
        log.info("gateway {} serving gRPC{} on {}:{} with the {} backend", config.gatewayId(),
                security.grpcTls() == null ? "" : " over TLS", grpc.host(), port(), backend.name());
        activityTimer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "tidegate-stream-activity");
            t.setDaemon(true);
            return t;
        });
        activityTimer.scheduleAtFixedRate(() -> sessions.activity().report(sessions.count(), ACTIVITY_INTERVAL),
                ACTIVITY_INTERVAL.toMillis(), ACTIVITY_INTERVAL.toMillis(), TimeUnit.MILLISECONDS);
    }

    /**
     * Lets call metrics (grpc-java's OpenTelemetry module) configure the server builder; before
     * {@link #start()}.
     */
    public void instrumentWith(java.util.function.Consumer<io.grpc.ServerBuilder<?>> configurer) {
        this.instrumentation = configurer;
    }

    @Override
    public List<StreamView> streams() {
        return sessions.sessions().stream().map(ClientSession::view).toList();
    }

    /** The bound gRPC port (useful when configured as 0). */
    public int port() {
        return server.getPort();
    }

    @Override
    public int sessionCount() {
        return sessions.count();
    }

    @Override
    public long conflatedMessages() {
        return subscriptions.conflatedMessages();
    }

    @Override
    public long queuedOutboundBytes() {
        return subscriptions.queuedOutboundBytes();
    }

    @Override
    public int stalledStreams(java.time.Duration after) {
        long now = System.nanoTime();
        long limit = after.toNanos();
        int n = 0;
        for (ClientSession s : sessions.sessions()) {
            if (s.blockedForNanos(now) >= Math.max(1, limit)) {
                n++;
            }
        }
        return n;
    }

    @Override
    public List<String> stalledFor(java.time.Duration after) {
        long now = System.nanoTime();
        long limit = Math.max(1, after.toNanos());
        List<String> stalled = new java.util.ArrayList<>();
        for (ClientSession s : sessions.sessions()) {
            if (s.blockedForNanos(now) >= limit) {
                stalled.add(s.sessionId());
            }
        }
        return stalled;
    }

    @Override
    public boolean end(String sessionId, io.grpc.Status status) {
        for (ClientSession s : sessions.sessions()) {
            if (s.sessionId().equals(sessionId)) {
                s.endWith(status);
                return true;
            }
        }
        return false;
    }

    @Override
    public long shortOutboundReservations() {
        return subscriptions.shortOutboundReservations();
    }

    /**
     * Drains and stops: refuses new streams, lets publishes already queued reach the backend
     * and be acknowledged, sends GoAway, ends every stream and closes the backend. Nothing
     * acknowledged is lost. A stream whose publishes were all answered ends OK; one that still
     * has publishes unanswered when {@code shutdown.drain-timeout} passes ends UNAVAILABLE with
     * their count, so its client resends them elsewhere even if it ignored the GoAway.
     *
     * @return true when the drain was clean: every publish received was answered and every
     *         stream ended in time
     */
    public boolean drainAndStop() {
        if (server == null) {
            tap.close();
            return true;
        }
        long deadline = System.nanoTime() + config.drainTimeout().toNanos();
        log.info("gateway {} draining", config.gatewayId());
        activityTimer.shutdownNow();
        readiness.markDraining();
        health.enterTerminalState();
        service.startDraining();
        attached.forEach(AttachedService::startDraining);
        List<ClientSession> open = List.copyOf(sessions.sessions());
        for (ClientSession s : open) {
            s.goAway("gateway " + config.gatewayId() + " is shutting down; reconnect and resume");
        }
        boolean clean = true;
        try {
            if (!dispatcher.drain(remainingMillis(deadline), TimeUnit.MILLISECONDS)) {
                log.warn("drain timeout passed with publishes still queued or at the backend");
                clean = false;
            }
            for (ClientSession s : open) {
                s.finish();
            }
            server.shutdown();
            if (!server.awaitTermination(remainingMillis(deadline), TimeUnit.MILLISECONDS)) {
                clean = false;
                long unanswered = 0;
                for (ClientSession s : open) {
                    unanswered += s.endUnanswered();
                }
                log.warn("drain timeout passed; streams with {} unanswered publishes end UNAVAILABLE and their "
                        + "clients resend them", unanswered);
                if (!server.awaitTermination(FINAL_FLUSH_MILLIS, TimeUnit.MILLISECONDS)) {
                    server.shutdownNow();
                    server.awaitTermination(1, TimeUnit.SECONDS);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            server.shutdownNow();
            clean = false;
        }
        tap.close();
        backend.close();
        log.info("gateway {} stopped{}", config.gatewayId(), clean ? "" : " (the drain timed out)");
        return clean;
    }

    private static long remainingMillis(long deadlineNanos) {
        return Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadlineNanos - System.nanoTime()));
    }
}
