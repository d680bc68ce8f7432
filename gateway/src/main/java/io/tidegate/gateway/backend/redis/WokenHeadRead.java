package io.tidegate.gateway.backend.redis;

import io.lettuce.core.StreamMessage;
import io.lettuce.core.XReadArgs;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;

/**
 * A shared reader's wait on Redis Cluster, where one XREAD may only name streams of one slot:
 * it reads with non-blocking XREADs on the shared connection (one per slot, {@link SlotReads}),
 * and when they find nothing waits for a wake-up on its topics' wake channels ({@link
 * ShardWakes}), an early end ({@link Attempt#wake}) or the block time, then reads again.
 *
 * <p>Only what may hold something is read: a topic whose last read found nothing at the same
 * cursor is <em>quiet</em> and is read again only after a wake-up for it, or after the block
 * time, when every topic is read (that makes up for a wake-up pub/sub lost). So a wake-up costs
 * one XREAD for its topic, however many topics the reader follows.
 *
 * <p>Threading: see {@link HeadRead}; the wake-up callback runs on Lettuce's event loop and only
 * marks the topic and completes a future.
 */
final class WokenHeadRead implements HeadRead {

    private final ShardWakes wakes;
    private final SlotReads reads;
    private final ScheduledExecutorService executor;
    private final Duration block;
    /** Read at each XREAD: the tuning controller may move it. */
    private final IntSupplier count;
    /** Topics whose wake channel this reader follows; confined to the read loop. */
    private final Set<String> watched = new HashSet<>();
    /** Topics woken since their last XREAD was sent. */
    private final Set<String> signalled = ConcurrentHashMap.newKeySet();
    /** Per topic, the cursor at which its last read found nothing; confined to the read loop. */
    private final Map<String, String> quietAt = new ConcurrentHashMap<>();
    private volatile Woken current;
    /**
     * When every followed topic was last read: the re-read is due a block time later, however
     * often wake-ups or early ends come between. Changed only by the read loop.
     */
    private volatile long readAllNanos = System.nanoTime();

    WokenHeadRead(ShardWakes wakes, SlotReads reads, ScheduledExecutorService executor, Duration block, IntSupplier count) {
        this.wakes = wakes;
        this.reads = reads;
        this.executor = executor;
        this.block = block;
        this.count = count;
    }

    @Override
    public Attempt begin() {
        Woken a = new Woken();
        current = a;
        return a;
    }

    @Override
    public CompletableFuture<List<StreamMessage<byte[], byte[]>>> read(Attempt attempt, List<String> following,
                                                                       XReadArgs.StreamOffset<byte[]>[] offsets) {
        CompletableFuture<Void> followed = follow(following);
        quietAt.keySet().retainAll(following);
        Woken woken = (Woken) attempt;
        return followed.thenCompose(ignored -> readNow(due(offsets))).thenCompose(got -> {
            if (!got.isEmpty()) {
                return CompletableFuture.completedFuture(got);
            }
            return woken.await().thenCompose(ignored -> readNow(due(offsets)));
        });
    }

    /**
     * The offsets that may hold something: not quiet at that cursor, or woken since; all of them
     * once a block time has passed since the last time all were read.
     */
    private List<XReadArgs.StreamOffset<byte[]>> due(XReadArgs.StreamOffset<byte[]>[] offsets) {
        long now = System.nanoTime();
        if (now - readAllNanos >= block.toNanos()) {
            readAllNanos = now;
            return List.of(offsets);
        }
        List<XReadArgs.StreamOffset<byte[]>> due = new ArrayList<>(offsets.length);
        for (XReadArgs.StreamOffset<byte[]> o : offsets) {
            String topic = RedisKeys.tag(o.getName());
            if (signalled.contains(topic) || !o.getOffset().equals(quietAt.get(topic))) {
                due.add(o);
            }
        }
        return due;
    }

    private CompletableFuture<List<StreamMessage<byte[], byte[]>>> readNow(List<XReadArgs.StreamOffset<byte[]>> due) {
        if (due.isEmpty()) {
            return CompletableFuture.completedFuture(List.of());
        }
        for (XReadArgs.StreamOffset<byte[]> o : due) {
            // cleared before the read is sent: a wake-up after this is for entries it may miss
            signalled.remove(RedisKeys.tag(o.getName()));
        }
        XReadArgs.StreamOffset<byte[]>[] array = due.toArray(RedisSubscription.offsetArray(due.size()));
        return reads.read(count.getAsInt(), array).thenApply(got -> {
            Set<String> answered = new HashSet<>();
            for (StreamMessage<byte[], byte[]> m : got) {
                answered.add(RedisKeys.tag(m.getStream()));
            }
            for (XReadArgs.StreamOffset<byte[]> o : due) {
                String topic = RedisKeys.tag(o.getName());
                if (answered.contains(topic)) {
                    quietAt.remove(topic);
                } else {
                    quietAt.put(topic, o.getOffset());
                }
            }
            return got;
        });
    }

    /** Follows the wake channels of exactly {@code topics}; completes once the new ones are subscribed. */
    private CompletableFuture<Void> follow(List<String> topics) {
        List<CompletableFuture<Void>> subscribed = new ArrayList<>();
        for (String t : topics) {
            if (watched.add(t)) {
                subscribed.add(wakes.watch(t, () -> signal(t)));
            }
        }
        if (watched.size() > topics.size()) {
            Set<String> now = new HashSet<>(topics);
            watched.removeIf(t -> {
                if (now.contains(t)) {
                    return false;
                }
                wakes.unwatch(t);
                return true;
            });
        }
        return subscribed.isEmpty() ? CompletableFuture.completedFuture(null)
                : CompletableFuture.allOf(subscribed.toArray(CompletableFuture[]::new));
    }

    private void signal(String topic) {
        signalled.add(topic);
        Woken a = current;
        if (a != null) {
            a.wake();
        }
    }

    @Override
    public void idle() {
        follow(List.of());
        quietAt.clear();
    }

    @Override
    public void failed() {
        quietAt.clear();
    }

    @Override
    public void restart() {
        Woken a = current;
        if (a != null) {
            a.wake();
        }
    }

    /** One read: its wait ends at a wake-up, an early end or when the re-read of every topic is due. */
    private final class Woken extends Attempt {
        private final CompletableFuture<Void> signal = new CompletableFuture<>();

        @Override
        void wake() {
            signal.complete(null);
        }

        /** Completes on the worker pool when woken or when the re-read is due. */
        CompletableFuture<Void> await() {
            if (!signal.isDone()) {
                long dueInNanos = Math.max(0, readAllNanos + block.toNanos() - System.nanoTime());
                ScheduledFuture<?> timeout = executor.schedule(() -> signal.complete(null), dueInNanos,
                        TimeUnit.NANOSECONDS);
                signal.whenComplete((v, e) -> timeout.cancel(false));
            }
            return signal.thenApplyAsync(v -> v, executor);
        }
    }
}
