package io.tidegate.gateway.risk;

import io.tidegate.gateway.backend.Backend;
import io.tidegate.gateway.backend.BackendSubscription;
import io.tidegate.gateway.backend.DeliveryGap;
import io.tidegate.gateway.backend.DeliverySink;
import io.tidegate.gateway.backend.EntryId;
import io.tidegate.gateway.backend.StartAt;
import io.tidegate.gateway.backend.StoredMessage;
import io.tidegate.gateway.backend.SubscriptionSpec;
import io.tidegate.gateway.routing.TopicPattern;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the order commands and execution events every replica stored ({@code exec.commands.>},
 * {@code exec.events.>}) through the backend, so that the gate's positions and open orders follow
 * the whole bus rather than this replica's traffic. A BROADCAST subscription of the gateway
 * itself, from the earliest retained entry: at start it rebuilds from what retention kept, then
 * follows the tail. {@link #caughtUp()} turns true once the first read finds nothing more.
 * After a backend failure it subscribes again after the last entry it handed on.
 *
 * <p>Threading: the backend calls the sink one call at a time; {@code apply} runs there and must
 * not block. With the redis backend that is its worker pool ({@code tidegate-redis-*}: a read
 * cycle continues there off Lettuce's event loop before it decodes and delivers), never the
 * event loop that also completes every append. {@link #caughtUp()} from any thread;
 * {@link #close()} once.
 */
final class SharedOrderFlow implements DeliverySink, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(SharedOrderFlow.class);
    private static final int DEMAND = 512;
    private static final int MAX_PATTERN = 64;
    private static final Duration RESUBSCRIBE_AFTER = Duration.ofSeconds(1);

    private final Backend backend;
    private final Consumer<StoredMessage> apply;
    private final String key;
    private final ScheduledExecutorService retry;
    /** The last entry handed on per topic, to resume after a failure; confined to the sink calls. */
    private final Map<String, EntryId> last = new HashMap<>();
    private volatile BackendSubscription subscription;
    private volatile boolean caughtUp;
    private volatile boolean closed;

    /**
     * @param apply gets each stored command and event once, per topic in stream order
     * @param gatewayId names the subscription in logs and metrics
     */
    SharedOrderFlow(Backend backend, Consumer<StoredMessage> apply, String gatewayId) {
        this.backend = backend;
        this.apply = apply;
        this.key = gatewayId + "/risk-shared-order-flow";
        this.retry = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "tidegate-risk-flow");
            t.setDaemon(true);
            return t;
        });
    }

    /** Subscribes from the earliest retained entries. */
    void start() {
        subscribe(StartAt.EARLIEST);
    }

    private synchronized void subscribe(StartAt start) {
        if (closed) {
            return;
        }
        SubscriptionSpec spec = new SubscriptionSpec(key,
                List.of(TopicPattern.compile(OrderRiskGate.COMMANDS + ">", MAX_PATTERN), TopicPattern.compile(OrderRiskGate.EVENTS + ">", MAX_PATTERN)),
                null, null, start, Duration.ZERO);
        BackendSubscription sub = backend.subscribe(spec, this);
        subscription = sub;
        sub.caughtUp().thenRun(() -> {
            if (!caughtUp) {
                caughtUp = true;
                LOG.info("risk: positions and open orders rebuilt from the bus; following every replica's orders and events");
            }
        });
        sub.request(DEMAND);
    }

    /** True once every command and event stored when this replica started has been applied. */
    boolean caughtUp() {
        return caughtUp;
    }

    @Override
    public void onMessages(List<StoredMessage> messages) {
        for (StoredMessage m : messages) {
            last.put(m.position().topic(), m.position().entryId());
            apply.accept(m);
        }
        BackendSubscription sub = subscription;
        if (sub != null && !messages.isEmpty()) {
            sub.request(messages.size());
        }
    }

    @Override
    public void onError(Throwable cause) {
        if (closed) {
            return;
        }
        LOG.warn("risk: reading the shared order flow failed ({}); reading on after the last entry applied in {}",
                cause.toString(), RESUBSCRIBE_AFTER);
        Map<String, EntryId> resumeAt = Map.copyOf(last);
        retry.schedule(() -> subscribe(StartAt.after(resumeAt, 1)), RESUBSCRIBE_AFTER.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public void onReset(String reason, Instant detectedAt) {
        // positions and open orders stay as they were: Redis losing its history does not undo fills
        LOG.warn("risk: the backend lost its stored history ({}); positions and open orders read so far are kept", reason);
    }

    @Override
    public void onGap(DeliveryGap gap) {
        LOG.warn("risk: {} entries of {} were trimmed by retention before this replica read them; positions and open "
                + "orders miss them", gap.lostKnown() ? Long.toString(gap.lost()) : "some", gap.topic());
    }

    @Override
    public synchronized void close() {
        closed = true;
        retry.shutdownNow();
        BackendSubscription sub = subscription;
        if (sub != null) {
            sub.close();
        }
    }
}
