package io.tidegate.gateway.backend.memory;

import io.tidegate.gateway.backend.AppendResult;
import io.tidegate.gateway.backend.Backend;
import io.tidegate.gateway.backend.BackendSubscription;
import io.tidegate.gateway.backend.DeliverySink;
import io.tidegate.gateway.backend.DeadLetter;
import io.tidegate.gateway.backend.Envelope;
import io.tidegate.gateway.backend.GroupSteering;
import io.tidegate.gateway.backend.GroupSteerings;
import io.tidegate.gateway.backend.GapCounter;
import io.tidegate.gateway.backend.StoredMessage;
import io.tidegate.gateway.backend.SubscriptionSpec;
import io.tidegate.gateway.config.GatewayConfig;
import io.tidegate.gateway.routing.TopicPattern;
import io.tidegate.proto.v1.Message;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedded backend: every topic is an in-process append-only log ({@link TopicLog}),
 * trimmed by {@code retention.max-length} and {@code retention.max-age}, with a per-topic
 * dedup window; consumer groups keep a cursor and pending entries per topic. Nothing survives
 * a restart. It is the default when no Redis is configured, so the gateway runs out of the box.
 *
 * <p>Dead-lettered messages go to {@code dlq.<group>.<topic>} as {@link DeadLetter} describes.
 *
 * <p>Threading: every method is thread-safe. {@link #append} runs on the caller's thread but
 * only takes one topic's lock at a time, briefly; the returned future is already complete.
 * Delivery runs on a small pool of daemon threads owned by the backend, and one daemon timer
 * thread handles ack deadlines, nack delays and age trimming of quiet topics.
 */
public final class MemoryBackend implements Backend {

    private final GapCounter gapCounter = new GapCounter();


    private static final Logger LOG = LoggerFactory.getLogger(MemoryBackend.class);

    private final long maxLength;
    private final long maxAgeMillis;
    private final long dedupWindowMillis;
    private final long defaultAckDeadlineNanos;
    private final long maxAckDeadlineNanos;
    private final int maxDeliveries;
    private final LongSupplier wallClock;

    private final ConcurrentHashMap<String, TopicLog> topics = new ConcurrentHashMap<>();
    // Topic creation and subscribing are serialised, so a subscription either sees a topic
    // among the existing ones or is attached by its creator before its first entry: never
    // neither, never both.
    private final Object registry = new Object();
    private final List<MemorySubscription> subscriptions = new ArrayList<>();

    /** Predictive balancing: per group name, shared by the group's cursors on every topic. */
    private final GroupSteerings<MemorySubscription> steerings;

    private final ExecutorService delivery;
    private final ScheduledThreadPoolExecutor timer;
    private volatile boolean closed;

    /** Builds the backend from the retention, dedup and delivery settings. */
    public MemoryBackend(GatewayConfig.Storage storage) {
        this(storage, System::currentTimeMillis);
    }

    /** As {@link #MemoryBackend(GatewayConfig.Storage)}, with the wall clock that stamps entry ids. */
    MemoryBackend(GatewayConfig.Storage storage, LongSupplier wallClockMillis) {
        this.maxLength = storage.retention().maxLength();
        this.maxAgeMillis = storage.retention().maxAge().toMillis();
        this.dedupWindowMillis = storage.dedupWindow().toMillis();
        this.defaultAckDeadlineNanos = storage.delivery().defaultAckDeadline().toNanos();
        this.maxAckDeadlineNanos = storage.delivery().maxAckDeadline().toNanos();
        this.maxDeliveries = storage.delivery().maxDeliveries();
        this.steerings = new GroupSteerings<>(storage.delivery().balancing());
        this.wallClock = wallClockMillis;
        int threads = Math.max(2, Runtime.getRuntime().availableProcessors());
        this.delivery = Executors.newFixedThreadPool(threads, daemonThreads("tidegate-memory-delivery-"));
        this.timer = new ScheduledThreadPoolExecutor(1, daemonThreads("tidegate-memory-timer-"));
        this.timer.setRemoveOnCancelPolicy(true);
        long sweepMillis = maxAgeMillis > 0 ? Math.max(10, Math.min(1000, maxAgeMillis / 10)) : 1000;
        timer.scheduleWithFixedDelay(this::sweep, sweepMillis, sweepMillis, TimeUnit.MILLISECONDS);
    }

    @Override
    public CompletableFuture<List<AppendResult>> append(List<Envelope> batch) {
        if (closed) {
            return CompletableFuture.failedFuture(new IllegalStateException("memory backend is closed"));
        }
        int n = batch.size();
        AppendResult[] results = new AppendResult[n];
        int i = 0;
        while (i < n) {
            String topic = batch.get(i).topic();
            int end = i + 1;
            while (end < n && batch.get(end).topic().equals(topic)) {
                end++;
            }
            TopicLog log = logFor(topic);
            log.append(batch, i, end, results);
            log.signalListeners();
            i = end;
        }
        return CompletableFuture.completedFuture(Arrays.asList(results));
    }

    @Override
    public BackendSubscription subscribe(SubscriptionSpec spec, DeliverySink sink) {
        if (closed) {
            throw new IllegalStateException("memory backend is closed");
        }
        long ackDeadline = spec.ackDeadline() == null ? defaultAckDeadlineNanos
                : Math.max(1, Math.min(spec.ackDeadline().toNanos(), maxAckDeadlineNanos));
        GroupSteering<MemorySubscription> steering = spec.isGroup() ? steerings.forGroup(spec.group()) : null;
        MemorySubscription sub = new MemorySubscription(spec, sink, this, delivery, ackDeadline, steering);
        sub.subscribedAtMillis = wallClock.getAsLong();
        synchronized (registry) {
            subscriptions.add(sub);
            if (spec.patterns().stream().allMatch(TopicPattern::isLiteral)) {
                for (String topic : spec.patterns().stream().map(TopicPattern::toString).distinct().toList()) {
                    TopicLog log = topics.get(topic);
                    if (log != null) {
                        sub.attach(log, false);
                    }
                }
            } else {
                for (TopicLog log : topics.values()) {
                    if (spec.matches(log.topic)) {
                        sub.attach(log, false);
                    }
                }
            }
        }
        return sub;
    }

    @Override
    public boolean isReady() {
        return !closed;
    }

    /** The clock that stamps entry ids, in Unix millis. */
    long wallClockMillis() {
        return wallClock.getAsLong();
    }

    @Override
    public long steeredAway() {
        return steerings.steeredAway();
    }

    @Override
    public String name() {
        return "memory";
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        List<MemorySubscription> open;
        synchronized (registry) {
            open = new ArrayList<>(subscriptions);
        }
        open.forEach(MemorySubscription::close);
        timer.shutdownNow();
        delivery.shutdown();
        try {
            if (!delivery.awaitTermination(1, TimeUnit.SECONDS)) {
                delivery.shutdownNow();
            }
        } catch (InterruptedException e) {
            delivery.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }

    /** The log of {@code topic}, or null when nothing was ever appended to it. For tests and metrics. */
    TopicLog existingLog(String topic) {
        return topics.get(topic);
    }

    /** Summed over topics when asked (a scrape): cheap, one small lock per group and topic. */
    @Override
    public Map<String, Long> consumerLag() {
        Map<String, Long> lag = new HashMap<>();
        for (TopicLog log : topics.values()) {
            for (GroupCursor cursor : log.groups.values()) {
                lag.merge(cursor.group, cursor.lag(), Long::sum);
            }
        }
        return lag;
    }

    @Override
    public Map<String, Long> consumerPending() {
        Map<String, Long> pending = new HashMap<>();
        for (TopicLog log : topics.values()) {
            for (GroupCursor cursor : log.groups.values()) {
                pending.merge(cursor.group, (long) cursor.pendingCount(), Long::sum);
            }
        }
        return pending;
    }

    GroupCursor groupCursor(String topic, String group) {
        TopicLog log = topics.get(topic);
        return log == null ? null : log.groups.get(group);
    }

    int maxDeliveries() {
        return maxDeliveries;
    }

    long maxAckDeadlineNanos() {
        return maxAckDeadlineNanos;
    }

    void unregister(MemorySubscription sub) {
        synchronized (registry) {
            subscriptions.remove(sub);
        }
    }

    void schedule(Runnable task, long delayNanos) {
        try {
            timer.schedule(task, Math.max(0, delayNanos), TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
            // closing: deadlines no longer matter
        }
    }

    /** Moves entries that used up their deliveries to {@code dlq.<group>.<topic>}. */
    void deadLetter(String group, String topic, List<StoredMessage> entries, int deliveries) {
        String dlqTopic = DeadLetter.topicFor(group, topic);
        List<Envelope> envelopes = new ArrayList<>(entries.size());
        for (StoredMessage e : entries) {
            envelopes.add(DeadLetter.of(e, group, deliveries));
        }
        LOG.info("group {}: {} message(s) of {} not acked after {} deliveries, moved to {}",
                group, entries.size(), topic, deliveries, dlqTopic);
        append(envelopes);
    }

    /** Attaches {@code sub} to every topic it now matches and does not read yet (from the topic's latest). */
    void rescan(MemorySubscription sub) {
        synchronized (registry) {
            if (!subscriptions.contains(sub)) {
                return;
            }
            for (TopicLog log : topics.values()) {
                if (sub.spec.matches(log.topic)) {
                    sub.attachFound(log);
                }
            }
        }
    }

    private TopicLog logFor(String topic) {
        TopicLog log = topics.get(topic);
        return log != null ? log : createLog(topic);
    }

    private TopicLog createLog(String topic) {
        synchronized (registry) {
            TopicLog log = topics.get(topic);
            if (log == null) {
                log = new TopicLog(topic, maxLength, maxAgeMillis, dedupWindowMillis, wallClock);
                for (MemorySubscription sub : subscriptions) {
                    if (sub.spec.matches(topic)) {
                        sub.attach(log, true);
                    }
                }
                // published last: appenders racing for the same topic wait above, so none
                // appends before every matching subscription is attached
                topics.put(topic, log);
            }
            return log;
        }
    }

    GapCounter gapCounter() {
        return gapCounter;
    }

    @Override
    public long deliveryGaps() {
        return gapCounter.gaps();
    }

    @Override
    public long entriesLostToRetention() {
        return gapCounter.lost();
    }

    private void sweep() {
        try {
            for (TopicLog log : topics.values()) {
                log.sweep();
            }
        } catch (RuntimeException e) {
            LOG.warn("memory backend sweep failed; retrying next round", e);
        }
    }

    private static ThreadFactory daemonThreads(String prefix) {
        AtomicInteger count = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, prefix + count.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }
}
