package io.tidegate.sdk;

import io.grpc.Status;
import io.tidegate.proto.v1.ConnectRequest;
import io.tidegate.proto.v1.Hello;
import io.tidegate.proto.v1.Ping;
import io.tidegate.proto.v1.ConnectResponse;
import io.tidegate.proto.v1.Welcome;
import java.util.Collection;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps one Connect stream up: tries the endpoints in turn with backoff, says Hello, waits for
 * Welcome, then attaches the publish pipeline and every subscription to the stream; routes the
 * gateway's frames to them; pings the gateway and drops a stream whose gateway stopped answering;
 * on GoAway stops publishing on the draining stream, lets it finish (bounded by the drain grace)
 * and reconnects to the next endpoint at once. Thread-safe: state changes happen under one lock,
 * and frames are routed outside it.
 */
final class Connector implements GatewayStream.Listener {

    private static final Logger log = LoggerFactory.getLogger(Connector.class);

    private final ClientSettings settings;
    private final ScheduledExecutorService scheduler;
    private final AtomicLong frameIds;
    private final PublishPipeline publisher;
    private final Map<String, ActiveSubscription> subscriptions;
    private final ConnectionListener listener;
    private final String clientVersion;
    /** Sent in Hello: the gateway starts no trace for this client's messages without trace context. */
    private final boolean samplesTraces;

    private final Object lock = new Object();
    private GatewayStream connecting;
    private GatewayStream current;
    private GatewayStream draining;
    private int nextEndpoint;
    private int failures;
    private boolean closed;
    private ScheduledFuture<?> pinger;
    private CompletableFuture<Void> connected = new CompletableFuture<>();
    private volatile Welcome welcome;

    Connector(ClientSettings settings, ScheduledExecutorService scheduler, AtomicLong frameIds, PublishPipeline publisher,
              Map<String, ActiveSubscription> subscriptions, ConnectionListener listener, String clientVersion,
              boolean samplesTraces) {
        this.settings = settings;
        this.scheduler = scheduler;
        this.frameIds = frameIds;
        this.publisher = publisher;
        this.subscriptions = subscriptions;
        this.listener = listener;
        this.clientVersion = clientVersion;
        this.samplesTraces = samplesTraces;
    }

    void start() {
        long ping = settings.pingInterval().toNanos();
        pinger = scheduler.scheduleAtFixedRate(this::checkLiveness, ping, ping, TimeUnit.NANOSECONDS);
        scheduler.execute(this::attempt);
    }

    /** The stream now in use, or null while (re)connecting. */
    GatewayStream current() {
        return current;
    }

    Welcome welcome() {
        return welcome;
    }

    /** Completes when a stream is up (now, or the next time one comes up). */
    CompletableFuture<Void> connected() {
        synchronized (lock) {
            return connected;
        }
    }

    private void attempt() {
        GatewayStream s;
        synchronized (lock) {
            if (closed || connecting != null || current != null || draining != null) {
                return;
            }
            Endpoint ep = settings.endpoints().get(nextEndpoint % settings.endpoints().size());
            nextEndpoint = (nextEndpoint + 1) % settings.endpoints().size();
            log.debug("connecting to {}", ep);
            s = GatewayStream.open(ep, settings, this);
            connecting = s;
        }
        s.send(ConnectRequest.newBuilder().setFrameId(frameIds.incrementAndGet())
                .setHello(Hello.newBuilder().setClientName(settings.clientName()).setLanguage("java")
                        .setClientVersion(clientVersion).setSamplesTraces(samplesTraces)).build());
        scheduler.schedule(() -> {
            boolean stale;
            synchronized (lock) {
                stale = connecting == s;
            }
            if (stale) {
                s.cancel("no Welcome within " + settings.connectTimeout());
            }
        }, settings.connectTimeout().toNanos(), TimeUnit.NANOSECONDS);
    }

    @Override
    public void onFrame(GatewayStream s, ConnectResponse frame) {
        switch (frame.getKindCase()) {
            case WELCOME -> onWelcome(s, frame.getWelcome());
            case GO_AWAY -> onGoAway(s, frame.getGoAway().getReason());
            case PONG -> { }
            case PUBLISH_ACK -> publisher.onAck(frame.getFrameId(), frame.getPublishAck());
            case DELIVERIES -> {
                ActiveSubscription sub = subscriptions.get(frame.getDeliveries().getSubscriptionId());
                if (sub != null) {
                    sub.onDeliveries(s, frame.getDeliveries());
                } else {
                    log.debug("deliveries for unknown subscription {} dropped", frame.getDeliveries().getSubscriptionId());
                }
            }
            case SUBSCRIBED -> {
                ActiveSubscription sub = subscriptions.get(frame.getSubscribed().getSubscriptionId());
                if (sub != null) {
                    sub.onSubscribed(s, frame.getFrameId(), frame.getSubscribed());
                }
            }
            case UNSUBSCRIBED -> {
                ActiveSubscription sub = subscriptions.get(frame.getUnsubscribed().getSubscriptionId());
                if (sub != null) {
                    sub.onUnsubscribed(s, frame.getFrameId(), frame.getUnsubscribed().getReason(), scheduler,
                            settings.backoff().delayAfter(1));
                }
            }
            case BACKEND_RESET -> onBackendReset(frame.getBackendReset());
            case GAP -> {
                ActiveSubscription sub = subscriptions.get(frame.getGap().getSubscriptionId());
                if (sub != null) {
                    sub.onGap(s, frame.getGap());
                }
            }
            case ERROR -> {
                if (publisher.onFrameError(frame.getFrameId(), frame.getError())) {
                    return;
                }
                ActiveSubscription sub = subscriptions.get(frame.getError().getSubscriptionId());
                if (sub != null) {
                    sub.onFrameError(s, frame.getFrameId(), frame.getError());
                } else {
                    log.warn("gateway rejected a {} frame (id {}): {} {}", frame.getError().getFrameKind(), frame.getFrameId(),
                            Status.fromCodeValue(frame.getError().getError().getCode()).getCode(),
                            frame.getError().getError().getMessage());
                }
            }
            default -> log.debug("ignored server frame of kind {}", frame.getKindCase());
        }
    }

    private void onBackendReset(io.tidegate.proto.v1.BackendReset reset) {
        if (!subscriptions.containsKey(reset.getSubscriptionId())) {
            log.debug("backend reset for unknown subscription {} ignored", reset.getSubscriptionId());
            return;
        }
        log.error("subscription {}: the gateway's backend lost its stored history: {}", reset.getSubscriptionId(),
                reset.getReason());
        java.time.Instant at = java.time.Instant.ofEpochSecond(0, reset.getDetectedAt());
        try {
            listener.onBackendReset(reset.getSubscriptionId(), reset.getReason(), at);
        } catch (RuntimeException e) {
            log.warn("connection listener failed", e);
        }
    }

    private void onWelcome(GatewayStream s, Welcome w) {
        CompletableFuture<Void> toComplete;
        synchronized (lock) {
            if (s != connecting) {
                return;
            }
            connecting = null;
            if (closed) {
                s.cancel("client closed");
                return;
            }
            current = s;
            failures = 0;
            welcome = w;
            s.welcomed(w.getSessionId(), w.getGatewayId());
            toComplete = connected;
        }
        log.info("connected to gateway {} at {} (session {})", w.getGatewayId(), s.endpoint(), w.getSessionId());
        publisher.attach(s, w.getLimits().getMaxBatchMessages(), w.getLimits().getMaxFrameBytes());
        for (ActiveSubscription sub : snapshot()) {
            sub.attach(s);
        }
        toComplete.complete(null);
        try {
            listener.onConnected(s.endpoint().toString(), w.getGatewayId(), w.getSessionId());
        } catch (RuntimeException e) {
            log.warn("connection listener failed", e);
        }
    }

    private void onGoAway(GatewayStream s, String reason) {
        synchronized (lock) {
            if (s != current) {
                return;
            }
            current = null;
            draining = s;
            connected = new CompletableFuture<>();
        }
        log.info("gateway {} is draining ({}); reconnecting once its stream ends", s.gatewayId(), reason);
        publisher.pause(s);
        scheduler.schedule(() -> {
            if (!s.isClosed()) {
                s.cancel("gateway did not close its stream within " + settings.drainGrace() + " after GoAway");
            }
        }, settings.drainGrace().toNanos(), TimeUnit.NANOSECONDS);
    }

    @Override
    public void onClosed(GatewayStream s, Throwable cause) {
        boolean wasUp;
        boolean wasDraining;
        long delayNanos;
        synchronized (lock) {
            wasUp = s == current;
            wasDraining = s == draining;
            if (s == connecting) {
                connecting = null;
            } else if (wasUp) {
                current = null;
                connected = new CompletableFuture<>();
            } else if (wasDraining) {
                draining = null;
            } else {
                return;
            }
            if (closed) {
                delayNanos = -1;
            } else if (wasUp || wasDraining) {
                failures = 0;
                delayNanos = 0;
            } else {
                failures++;
                delayNanos = settings.backoff().delayAfter(failures).toNanos();
            }
        }
        publisher.onStreamClosed(s);
        for (ActiveSubscription sub : snapshot()) {
            sub.onStreamClosed(s);
        }
        if (delayNanos < 0) {
            log.debug("closed {}", s);
        } else if (wasUp || wasDraining) {
            if (wasDraining) {
                log.info("draining {} ended: {}", s, describe(cause));
            } else {
                log.warn("lost {}: {}", s, describe(cause));
            }
            try {
                listener.onDisconnected(s.endpoint().toString(), cause);
            } catch (RuntimeException e) {
                log.warn("connection listener failed", e);
            }
        } else if (refusedCredentials(cause)) {
            // a settings problem the user must see, unlike an unreachable gateway being retried
            if (failures == 1 || failures % 20 == 0) {
                log.warn("gateway at {} refused the connection: {} (attempt {}; retrying)", s.endpoint(), describe(cause), failures);
            }
            try {
                listener.onRefused(s.endpoint().toString(), cause);
            } catch (RuntimeException e) {
                log.warn("connection listener failed", e);
            }
        } else {
            log.debug("connecting to {} failed: {}", s.endpoint(), describe(cause));
        }
        if (delayNanos >= 0) {
            scheduler.schedule(this::attempt, delayNanos, TimeUnit.NANOSECONDS);
        }
    }

    private static boolean refusedCredentials(Throwable cause) {
        io.grpc.Status.Code code = io.grpc.Status.fromThrowable(cause).getCode();
        return cause != null && (code == io.grpc.Status.Code.UNAUTHENTICATED || code == io.grpc.Status.Code.PERMISSION_DENIED);
    }

    private static String describe(Throwable t) {
        return t == null ? "closed" : t.getMessage();
    }

    private void checkLiveness() {
        GatewayStream s = current;
        if (s == null) {
            return;
        }
        long silent = System.nanoTime() - s.lastInboundNanos();
        if (silent > settings.pingInterval().toNanos() + settings.pingTimeout().toNanos()) {
            log.warn("gateway at {} sent nothing for {} ms (pings unanswered); reconnecting", s.endpoint(), silent / 1_000_000);
            s.cancel("gateway stopped answering pings");
            return;
        }
        s.send(ConnectRequest.newBuilder().setFrameId(frameIds.incrementAndGet())
                .setPing(Ping.newBuilder().setNonce(System.nanoTime())).build());
    }

    private Collection<ActiveSubscription> snapshot() {
        return java.util.List.copyOf(subscriptions.values());
    }

    /** Stops reconnecting, half-closes the stream and drops it after {@code grace}. */
    void close() {
        GatewayStream[] streams;
        synchronized (lock) {
            closed = true;
            streams = new GatewayStream[] {connecting, current, draining};
            if (pinger != null) {
                pinger.cancel(false);
            }
        }
        for (GatewayStream s : streams) {
            if (s != null) {
                s.finishSending();
                s.cancel("client closed");
            }
        }
    }
}
