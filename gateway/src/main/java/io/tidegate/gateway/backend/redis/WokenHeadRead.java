package io.tidegate.gateway.backend.redis;

import io.lettuce.core.StreamMessage;
import io.lettuce.core.XReadArgs;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A shared reader's wait on Redis Cluster, where one XREAD may only name streams of one slot:
 * it reads its topics with non-blocking XREADs on the shared connection (one per slot, {@link
 * SlotReads}), and when they find nothing waits for a wake-up on its topics' wake channels
 * ({@link ShardWakes}), an early end ({@link Attempt#wake}) or the block time, then reads again.
 * The read after the block time makes up for a wake-up pub/sub lost; a reader whose last read
 * found nothing and whose cursors have not moved waits at once, without reading first.
 *
 * <p>Threading: see {@link HeadRead}; the wake-up callback runs on Lettuce's event loop and only
 * completes a future.
 */
final class WokenHeadRead implements HeadRead {

    private final ShardWakes wakes;
    private final SlotReads reads;
    private final ScheduledExecutorService executor;
    private final Duration block;
    private final int count;
    /** Topics whose wake channel this reader follows; confined to the read loop. */
    private final Set<String> watched = new HashSet<>();
    /** A wake-up came since the last XREAD was sent. */
    private final AtomicBoolean signalled = new AtomicBoolean();
    private volatile Woken current;
    /** The offsets of the last read, when it found nothing; changed only by the read loop. */
    private volatile List<String> quietAt;

    WokenHeadRead(ShardWakes wakes, SlotReads reads, ScheduledExecutorService executor, Duration block, int count) {
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
        follow(following);
        Woken woken = (Woken) attempt;
        List<String> at = new ArrayList<>(offsets.length);
        for (XReadArgs.StreamOffset<byte[]> o : offsets) {
            at.add(RedisKeys.string(o.getName()) + " " + o.getOffset());
        }
        boolean quiet = at.equals(quietAt) && !signalled.get();
        CompletableFuture<List<StreamMessage<byte[], byte[]>>> first = quiet
                ? CompletableFuture.completedFuture(List.of()) : readNow(offsets);
        return first.thenCompose(got -> {
            if (!got.isEmpty()) {
                quietAt = null;
                return CompletableFuture.completedFuture(got);
            }
            return woken.await().thenCompose(ignored -> readNow(offsets)).thenApply(again -> {
                quietAt = again.isEmpty() ? at : null;
                return again;
            });
        });
    }

    private CompletableFuture<List<StreamMessage<byte[], byte[]>>> readNow(XReadArgs.StreamOffset<byte[]>[] offsets) {
        // cleared before the read is sent: a wake-up after this is for entries it may miss
        signalled.set(false);
        return reads.read(count, offsets);
    }

    /** Follows the wake channels of exactly {@code topics}. */
    private void follow(List<String> topics) {
        for (String t : topics) {
            if (watched.add(t)) {
                wakes.watch(t, this::signal);
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
    }

    private void signal() {
        signalled.set(true);
        Woken a = current;
        if (a != null) {
            a.wake();
        }
    }

    @Override
    public void idle() {
        follow(List.of());
        quietAt = null;
    }

    @Override
    public void failed() {
        quietAt = null;
    }

    @Override
    public void restart() {
        Woken a = current;
        if (a != null) {
            a.wake();
        }
    }

    @Override
    public void close() {
        restart();
    }

    /** One read: its wait ends at a wake-up, an early end or the block time. */
    private final class Woken extends Attempt {
        private final CompletableFuture<Void> signal = new CompletableFuture<>();

        @Override
        void wake() {
            signal.complete(null);
        }

        /** Completes on the worker pool when woken or after the block time. */
        CompletableFuture<Void> await() {
            if (!signal.isDone()) {
                ScheduledFuture<?> timeout = executor.schedule(() -> signal.complete(null), block.toMillis(),
                        TimeUnit.MILLISECONDS);
                signal.whenComplete((v, e) -> timeout.cancel(false));
            }
            return signal.thenApplyAsync(v -> v, executor);
        }
    }
}
