package io.tidegate.gateway.backend.redis;

import io.lettuce.core.api.async.RedisStreamAsyncCommands;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The shared readers of one backend ({@code backend.redis.shared-readers}, standalone Redis
 * only): a fixed pool of {@link SharedStreamReader}s, each topic always read by the same one, and
 * one shared connection for the non-blocking reads of subscriptions catching up on their own
 * (XREAD without BLOCK, XRANGE, XINFO STREAM) and of group members (XREADGROUP without BLOCK,
 * the claim scripts), so a gateway holds a few connections for all its broadcast subscriptions
 * and plain group members, however many there are. A group member cannot share a blocking
 * XREADGROUP (it names one consumer), so it parks here as a broadcast wait does and is only
 * woken by the readers, then reads for itself. Thread-safe; never blocks.
 */
final class SharedStreamReaders implements AutoCloseable {

    private final SharedStreamReader[] readers;
    private final SharedConnection catchUp;
    private final ScheduledExecutorService executor;
    private final Duration block;

    SharedStreamReaders(int size, String name, RedisConnector connector, SharedConnection control,
                        SharedConnection catchUp, ScheduledExecutorService executor, ReadGuard reads, Duration block,
                        int count) {
        this.readers = new SharedStreamReader[size];
        for (int i = 0; i < size; i++) {
            readers[i] = new SharedStreamReader(name + ":shared-" + i, connector, control, catchUp, executor, reads,
                    block, count);
        }
        this.catchUp = catchUp;
        this.executor = executor;
        this.block = block;
    }

    /** Commands for reads that return at once, shared by every subscription catching up. */
    RedisStreamAsyncCommands<byte[], byte[]> catchUp() {
        return catchUp.async();
    }

    /**
     * Commands for the non-blocking reads, claims and holds of group members (pooled group
     * reads): the same shared connection, pipelined, since none of them blocks.
     */
    RedisClusterAsyncCommands<byte[], byte[]> groupReads() {
        return catchUp.async();
    }

    /**
     * Parks a read cycle at {@code spots} until a reader hands it entries, the block time passes
     * or it is woken. Null when refused: without {@code mayLower}, a topic's shared cursor has
     * passed the subscription's (see {@link SharedStreamReader#park}).
     */
    LiveWait park(List<LiveWait.Spot> spots, boolean mayLower) {
        return park(new LiveWait(spots, null), mayLower, block.toMillis());
    }

    /**
     * Parks a group member whose non-blocking XREADGROUP found nothing new, at each topic's newest
     * id when it read: the wait completes (a wake-up, its entries are read with XREADGROUP) once
     * a reader finds something newer, the shorter of {@code timeout} and the block time passes,
     * or it is woken. Never refused.
     */
    LiveWait parkMember(List<LiveWait.Spot> spots, String group, Duration timeout) {
        return park(new LiveWait(spots, group), true, Math.max(1, Math.min(block.toMillis(), timeout.toMillis())));
    }

    private LiveWait park(LiveWait wait, boolean mayLower, long timeoutMillis) {
        Map<SharedStreamReader, List<LiveWait.Spot>> byReader = new LinkedHashMap<>();
        for (LiveWait.Spot s : wait.spots) {
            byReader.computeIfAbsent(readerOf(s.topic()), r -> new ArrayList<>()).add(s);
        }
        List<SharedStreamReader> joined = new ArrayList<>(byReader.size());
        for (Map.Entry<SharedStreamReader, List<LiveWait.Spot>> e : byReader.entrySet()) {
            if (!e.getKey().park(wait, e.getValue(), mayLower)) {
                joined.forEach(r -> r.leave(wait, byReader.get(r)));
                if (!mayLower) {
                    return null;
                }
                // only a closed reader refuses a wait that may move the cursor back: wait out the block time
                break;
            }
            joined.add(e.getKey());
        }
        ScheduledFuture<?> timeout = executor.schedule(wait::timedOut, timeoutMillis, TimeUnit.MILLISECONDS);
        wait.result.whenComplete((batches, error) -> {
            timeout.cancel(false);
            joined.forEach(r -> r.leave(wait, byReader.get(r)));
        });
        return wait;
    }

    /** Redis lost its data: drops the entries kept from each topic's last read, which Redis no longer has. */
    void forgetLastBatches() {
        for (SharedStreamReader r : readers) {
            r.forgetLastBatches();
        }
    }

    /** The readers, for the read-loop watchdog. */
    List<SharedStreamReader> readers() {
        return List.of(readers);
    }

    /** How many topics the readers read now. */
    int topicsInDemand() {
        int n = 0;
        for (SharedStreamReader r : readers) {
            n += r.topicsInDemand();
        }
        return n;
    }

    private SharedStreamReader readerOf(String topic) {
        return readers[Math.floorMod(topic.hashCode(), readers.length)];
    }

    @Override
    public void close() {
        for (SharedStreamReader r : readers) {
            r.close();
        }
        catchUp.close();
    }
}
