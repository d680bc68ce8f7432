package io.tidegate.gateway.backend;

import io.tidegate.gateway.routing.TopicPattern;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gateway itself reading what every replica stored on some topics, for state that must follow
 * the whole bus rather than this replica's traffic (the risk gate's orders and events, the
 * instrument registry's listings). A BROADCAST subscription from the earliest retained entry: at
 * start it reads what retention kept, then follows the tail. After a backend failure it subscribes
 * again after the last entry it handed on, so nothing is skipped or handed on twice. Demand is
 * given back only once a batch has been applied, so at most {@value #DEMAND} entries wait in
 * memory whatever the backlog.
 *
 * <p>Threading: {@code apply} runs on {@code applyOn} (the backend's thread when that is a direct
 * executor), one batch after another, each entry once, per topic in stream order; it must not
 * block. {@link #caughtUp()} from any thread; {@link #close()} once.
 */
public final class StoredTopicsFollower implements DeliverySink, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(StoredTopicsFollower.class);
    private static final int DEMAND = 512;
    private static final int MAX_PATTERN = 64;
    private static final Duration RESUBSCRIBE_AFTER = Duration.ofSeconds(1);

    private final Backend backend;
    private final String key;
    private final List<TopicPattern> patterns;
    private final Executor applyOn;
    private final Consumer<StoredMessage> apply;
    private final String what;
    private final ScheduledExecutorService retry;
    /** The last entry handed on per topic, to resume after a failure; confined to the sink calls. */
    private final Map<String, EntryId> last = new HashMap<>();
    private volatile BackendSubscription subscription;
    private volatile boolean caughtUp;
    private volatile boolean closed;

    /**
     * @param key      names the subscription in logs and metrics ({@code <gateway id>/<reader>})
     * @param patterns topic patterns ({@code exec.events.>}), at most 64 characters each
     * @param applyOn  where {@code apply} runs: {@code Runnable::run} for the backend's thread
     * @param apply    gets each stored entry once, per topic in stream order
     * @param what     what is read, for the log lines ("risk: orders and events")
     */
    public StoredTopicsFollower(Backend backend, String key, List<String> patterns, Executor applyOn,
                                Consumer<StoredMessage> apply, String what) {
        this.backend = backend;
        this.key = key;
        this.patterns = patterns.stream().map(p -> TopicPattern.compile(p, MAX_PATTERN)).toList();
        this.applyOn = applyOn;
        this.apply = apply;
        this.what = what;
        this.retry = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "tidegate-follow-" + key);
            t.setDaemon(true);
            return t;
        });
    }

    /** Subscribes from the earliest retained entries. */
    public void start() {
        subscribe(StartAt.EARLIEST);
    }

    private synchronized void subscribe(StartAt start) {
        if (closed) {
            return;
        }
        BackendSubscription sub = backend.subscribe(new SubscriptionSpec(key, patterns, null, null, start, Duration.ZERO),
                this);
        subscription = sub;
        sub.caughtUp().thenRun(() -> {
            if (!caughtUp) {
                caughtUp = true;
                LOG.info("{}: read what the bus retained; following every replica's from now on", what);
            }
        });
        sub.request(DEMAND);
    }

    /**
     * True once every entry stored when this replica started has been handed to {@code applyOn}
     * (and applied, where that is the backend's thread).
     */
    public boolean caughtUp() {
        return caughtUp;
    }

    @Override
    public void onMessages(List<StoredMessage> messages) {
        if (messages.isEmpty()) {
            return;
        }
        for (StoredMessage m : messages) {
            last.put(m.position().topic(), m.position().entryId());
        }
        BackendSubscription sub = subscription;
        applyOn.execute(() -> {
            for (StoredMessage m : messages) {
                apply.accept(m);
            }
            if (sub != null) {
                sub.request(messages.size());
            }
        });
    }

    @Override
    public void onError(Throwable cause) {
        if (closed) {
            return;
        }
        LOG.warn("{}: reading the bus failed ({}); reading on after the last entry read in {}", what, cause.toString(),
                RESUBSCRIBE_AFTER);
        Map<String, EntryId> resumeAt = Map.copyOf(last);
        retry.schedule(() -> subscribe(StartAt.after(resumeAt, 1)), RESUBSCRIBE_AFTER.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public void onReset(String reason, Instant detectedAt) {
        // what was applied stays: Redis losing its history does not undo fills or listings
        LOG.warn("{}: the backend lost its stored history ({}); what was read so far is kept", what, reason);
    }

    @Override
    public void onGap(DeliveryGap gap) {
        LOG.warn("{}: {} entries of {} were trimmed by retention before this replica read them", what,
                gap.lostKnown() ? Long.toString(gap.lost()) : "some", gap.topic());
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
