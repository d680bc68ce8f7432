package io.tidegate.sdk;

import io.grpc.Status;
import io.tidegate.proto.v1.Ack;
import io.tidegate.proto.v1.ConnectRequest;
import io.tidegate.proto.v1.Credit;
import io.tidegate.proto.v1.Delivery;
import io.tidegate.proto.v1.DeliveryBatch;
import io.tidegate.proto.v1.ExtendAckDeadline;
import io.tidegate.proto.v1.FrameError;
import io.tidegate.proto.v1.Nack;
import io.tidegate.proto.v1.Position;
import io.tidegate.proto.v1.StartPosition;
import io.tidegate.proto.v1.Subscribe;
import io.tidegate.proto.v1.Subscribed;
import io.tidegate.proto.v1.Unsubscribe;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One subscription of a client: (re)subscribes on each new stream, queues deliveries and runs the
 * handler on the handler executor one message at a time, settles messages (auto ack/nack) and
 * grants credit so that deliveries received but not yet finished by the handler, plus the credit
 * the gateway still holds, never exceed the subscription's credit. Remembers the last position
 * per topic so a broadcast subscription resumes without gaps or repeats. Thread-safe: one lock
 * guards the queue and the credit accounting.
 */
final class ActiveSubscription implements Subscription {

    private static final Logger log = LoggerFactory.getLogger(ActiveSubscription.class);
    /** Messages one handler run takes before giving the executor thread back. */
    private static final int RUN_LENGTH = 128;

    private final String id;
    private final SubscriptionOptions options;
    private final MessageHandler handler;
    private final Executor executor;
    private final AtomicLong frameIds;
    private final Consumer<ActiveSubscription> onClose;
    private final int credit;
    private final boolean group;
    private final CompletableFuture<Void> confirmed = new CompletableFuture<>();
    private final Map<String, StreamPosition> lastPositions = new ConcurrentHashMap<>();

    private final Object lock = new Object();
    /** Deliveries and {@link RetentionGap}s, in the order the gateway sent them. */
    private final ArrayDeque<Object> queue = new ArrayDeque<>();
    private GatewayStream stream;
    private int outstanding;
    private int serverCredit;
    private int deliveredSinceSubscribe;
    private long subscribeFrameId;
    private boolean waitingToSubscribe;
    private boolean running;
    private long firstSubscribedNanos;
    private volatile boolean active = true;

    ActiveSubscription(String id, SubscriptionOptions options, MessageHandler handler, Executor executor,
                       AtomicLong frameIds, int defaultCredit, Consumer<ActiveSubscription> onClose) {
        this.id = id;
        this.options = options;
        this.handler = handler;
        this.executor = executor;
        this.frameIds = frameIds;
        this.onClose = onClose;
        this.credit = options.credit() > 0 ? options.credit() : defaultCredit;
        this.group = options.mode() == SubscriptionMode.GROUP;
    }

    @Override
    public String id() {
        return id;
    }

    @Override
    public SubscriptionOptions options() {
        return options;
    }

    @Override
    public CompletableFuture<Void> confirmed() {
        return confirmed;
    }

    @Override
    public Map<String, StreamPosition> lastPositions() {
        return Map.copyOf(lastPositions);
    }

    @Override
    public int bufferedMessages() {
        synchronized (lock) {
            return outstanding;
        }
    }

    @Override
    public boolean isActive() {
        return active;
    }

    // ------------------------------------------------------------------ stream events

    /** A stream is up: subscribe on it (or as soon as the handler has room for one message). */
    void attach(GatewayStream s) {
        synchronized (lock) {
            if (!active || stream == s) {
                return;
            }
            stream = s;
            serverCredit = 0;
            subscribeLocked();
        }
    }

    private void subscribeLocked() {
        int room = credit - outstanding;
        if (room <= 0) {
            waitingToSubscribe = true;
            return;
        }
        waitingToSubscribe = false;
        StartPosition start = startForNextSubscribe();
        Subscribe.Builder sb = Subscribe.newBuilder()
                .setSubscriptionId(id)
                .addAllPatterns(options.patterns())
                .setMode(group ? io.tidegate.proto.v1.SubscriptionMode.SUBSCRIPTION_MODE_GROUP : io.tidegate.proto.v1.SubscriptionMode.SUBSCRIPTION_MODE_BROADCAST)
                .setGroup(options.group())
                .setStart(start)
                .setInitialCredit(room)
                .setAckDeadlineMs((int) options.ackDeadline().toMillis())
                .setStrictKeyOrder(options.strictKeyOrder())
                .setConflate(options.conflate())
                .addAllInstruments(options.instruments())
                .setDataKind(options.dataKind());
        subscribeFrameId = frameIds.incrementAndGet();
        serverCredit = room;
        deliveredSinceSubscribe = 0;
        if (!stream.send(ConnectRequest.newBuilder().setFrameId(subscribeFrameId).setSubscribe(sb).build())) {
            serverCredit = 0;
        }
        log.debug("subscription {} subscribing on {} from {} with credit {}", id, stream, start.getKind(), room);
    }

    /**
     * The first subscribe uses the caller's start. Later ones (after a reconnect): a group just
     * rejoins; a broadcast subscription starts after the last position it saw per topic, and
     * topics it has not seen start where the original subscription would have started them.
     */
    private StartPosition startForNextSubscribe() {
        SubscriptionStart original = options.start();
        if (firstSubscribedNanos == 0) {
            firstSubscribedNanos = wallClockNanos();
            return original.toProto();
        }
        if (group) {
            return original.toProto();
        }
        Map<String, StreamPosition> after = new java.util.HashMap<>();
        for (StreamPosition p : original.afterPositions()) {
            after.put(p.topic(), p);
        }
        lastPositions.forEach((topic, p) -> after.merge(topic, p, (a, b) -> a.compareTo(b) >= 0 ? a : b));
        long others = switch (original.kind()) {
            case KIND_EARLIEST -> 1; // the first entry of every stream
            case KIND_TIMESTAMP -> original.timestampNanos();
            case KIND_POSITION -> original.timestampNanos() > 0 ? original.timestampNanos() : firstSubscribedNanos;
            default -> firstSubscribedNanos;
        };
        StartPosition.Builder b = StartPosition.newBuilder().setKind(StartPosition.Kind.KIND_POSITION).setTimestampNanos(others);
        after.values().forEach(p -> b.addAfter(p.toProto()));
        return b.build();
    }

    private static long wallClockNanos() {
        java.time.Instant now = java.time.Instant.now();
        return now.getEpochSecond() * 1_000_000_000L + now.getNano();
    }

    void onSubscribed(GatewayStream s, long frameId, Subscribed subscribed) {
        synchronized (lock) {
            if (s != stream || frameId != subscribeFrameId) {
                return;
            }
            if (subscribed.getCredit() > 0) {
                serverCredit = Math.max(0, subscribed.getCredit() - deliveredSinceSubscribe);
            }
        }
        log.debug("subscription {} confirmed on {} (consumer {}, credit {})", id, s, subscribed.getConsumerName(),
                subscribed.getCredit());
        confirmed.complete(null);
    }

    void onFrameError(GatewayStream s, long frameId, FrameError error) {
        TidegateException e = TidegateException.of(error.getError());
        boolean subscribeRejected;
        synchronized (lock) {
            subscribeRejected = frameId == subscribeFrameId || "subscribe".equals(error.getFrameKind());
        }
        if (!subscribeRejected) {
            log.warn("gateway rejected a {} frame of subscription {}: {}", error.getFrameKind(), id, e.getMessage());
            return;
        }
        if (confirmed.completeExceptionally(e)) {
            log.debug("gateway rejected subscription {}: {}", id, e.getMessage());
        } else {
            log.error("gateway rejected subscription {} (re-subscribing or opening it); the subscription is closed: {}", id, e.getMessage());
        }
        closeLocally();
    }

    /**
     * The gateway ended the subscription on its own (e.g. a backend failure): subscribe again on the
     * same stream after {@code retryAfter}, resuming like after a reconnect.
     */
    void onUnsubscribed(GatewayStream s, long frameId, String reason, java.util.concurrent.ScheduledExecutorService scheduler,
                        Duration retryAfter) {
        if (frameId != 0) {
            return; // answers our own Unsubscribe
        }
        synchronized (lock) {
            if (!active || s != stream) {
                return;
            }
            log.warn("gateway ended subscription {} ({}); subscribing again in {} ms", id, reason, retryAfter.toMillis());
            onStreamClosed(s);
        }
        scheduler.schedule(() -> {
            if (!s.isClosed()) {
                attach(s);
            }
        }, retryAfter.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
    }

    void onDeliveries(GatewayStream s, DeliveryBatch batch) {
        synchronized (lock) {
            if (!active || s != stream) {
                return;
            }
            for (Delivery d : batch.getDeliveriesList()) {
                Delivered m = new Delivered(this, d);
                StreamPosition p = m.position();
                lastPositions.merge(p.topic(), p, (a, b) -> a.compareTo(b) >= 0 ? a : b);
                queue.add(m);
                outstanding++;
                serverCredit--;
                deliveredSinceSubscribe++;
            }
            if (serverCredit < 0) {
                log.warn("gateway sent {} deliveries more than the credit it held on subscription {}", -serverCredit, id);
                serverCredit = 0;
            }
            if (!running && !queue.isEmpty()) {
                running = true;
                executor.execute(this::run);
            }
        }
    }

    /** A hole trimmed by retention: queued in order with the deliveries, so the handler sees it between them. */
    void onGap(GatewayStream s, io.tidegate.proto.v1.Gap gap) {
        synchronized (lock) {
            if (!active || s != stream) {
                return;
            }
            queue.add(RetentionGap.of(gap));
            if (!running) {
                running = true;
                executor.execute(this::run);
            }
        }
    }

    /** {@code s} is gone; a group drops what the handler has not started (the gateway redelivers it). */
    void onStreamClosed(GatewayStream s) {
        synchronized (lock) {
            if (s != stream) {
                return;
            }
            stream = null;
            serverCredit = 0;
            waitingToSubscribe = false;
            if (group) {
                outstanding -= (int) queue.stream().filter(Delivered.class::isInstance).count();
                queue.clear();
            }
        }
    }

    // ------------------------------------------------------------------ handler

    private void run() {
        List<Position> acks = new ArrayList<>();
        int done = 0;
        while (done < RUN_LENGTH) {
            Object next;
            synchronized (lock) {
                next = queue.poll();
            }
            if (next == null) {
                break;
            }
            if (next instanceof RetentionGap gap) {
                try {
                    handler.onGap(gap);
                } catch (Throwable t) {
                    log.warn("gap handler of subscription {} failed on {}", id, gap, t);
                }
                continue;
            }
            Delivered m = (Delivered) next;
            boolean ok;
            Throwable failure = null;
            try {
                handler.onMessage(m);
                ok = true;
            } catch (Throwable t) {
                ok = false;
                failure = t;
            }
            if (group) {
                if (!ok) {
                    log.warn("handler of subscription {} failed on {}; nacking with delay {}", id, m, options.retryDelay(), failure);
                    m.nack(options.retryDelay());
                } else if (options.ackMode() == AckMode.AUTO && m.settleForBatchAck()) {
                    acks.add(m.position().toProto());
                }
            } else if (!ok) {
                log.warn("handler of subscription {} failed on {}", id, m, failure);
            }
            done++;
            synchronized (lock) {
                outstanding--;
            }
        }
        GatewayStream s;
        boolean again;
        synchronized (lock) {
            s = stream;
            if (!acks.isEmpty() && s != null) {
                s.send(ConnectRequest.newBuilder().setFrameId(frameIds.incrementAndGet())
                        .setAck(Ack.newBuilder().setSubscriptionId(id).addAllPositions(acks)).build());
            }
            grantCreditLocked();
            again = !queue.isEmpty() && active;
            running = again;
        }
        if (again) {
            executor.execute(this::run);
        }
    }

    private void grantCreditLocked() {
        if (!active || stream == null) {
            return;
        }
        if (waitingToSubscribe) {
            if (credit - outstanding > 0) {
                subscribeLocked();
            }
            return;
        }
        int grant = credit - outstanding - serverCredit;
        int threshold = queue.isEmpty() ? 1 : Math.max(1, credit / 4);
        if (grant >= threshold) {
            if (stream.send(ConnectRequest.newBuilder().setFrameId(frameIds.incrementAndGet())
                    .setCredit(Credit.newBuilder().setSubscriptionId(id).setMessages(grant)).build())) {
                serverCredit += grant;
            }
        }
    }

    // ------------------------------------------------------------------ settling

    void sendAck(StreamPosition p) {
        if (group) {
            send(ConnectRequest.newBuilder().setAck(Ack.newBuilder().setSubscriptionId(id).addPositions(p.toProto())));
        }
    }

    void sendNack(StreamPosition p, Duration delay) {
        if (group) {
            send(ConnectRequest.newBuilder().setNack(Nack.newBuilder().setSubscriptionId(id).addPositions(p.toProto())
                    .setDelayMs((int) Math.min(Integer.MAX_VALUE, Math.max(0, delay.toMillis())))));
        }
    }

    void sendExtend(StreamPosition p, Duration extension) {
        if (group) {
            send(ConnectRequest.newBuilder().setExtendAckDeadline(ExtendAckDeadline.newBuilder().setSubscriptionId(id)
                    .addPositions(p.toProto()).setExtendMs((int) Math.min(Integer.MAX_VALUE, Math.max(0, extension.toMillis())))));
        }
    }

    private void send(ConnectRequest.Builder frame) {
        GatewayStream s;
        synchronized (lock) {
            s = stream;
        }
        if (s == null || !s.send(frame.setFrameId(frameIds.incrementAndGet()).build())) {
            log.debug("subscription {} not connected; {} dropped (the gateway redelivers after the ack deadline)",
                    id, frame.getKindCase());
        }
    }

    // ------------------------------------------------------------------ closing

    @Override
    public void close() {
        GatewayStream s;
        synchronized (lock) {
            if (!active) {
                return;
            }
            s = stream;
        }
        closeLocally();
        if (s != null) {
            s.send(ConnectRequest.newBuilder().setFrameId(frameIds.incrementAndGet())
                    .setUnsubscribe(Unsubscribe.newBuilder().setSubscriptionId(id)).build());
        }
    }

    /** Stops without telling the gateway (it already knows, or the stream is gone). */
    void closeLocally() {
        synchronized (lock) {
            if (!active) {
                return;
            }
            active = false;
            outstanding -= (int) queue.stream().filter(Delivered.class::isInstance).count();
            queue.clear();
            stream = null;
        }
        confirmed.completeExceptionally(new TidegateException(Status.Code.CANCELLED, "subscription closed"));
        onClose.accept(this);
    }

    @Override
    public String toString() {
        return "subscription " + id + " " + options.mode() + " " + options.patterns();
    }
}
