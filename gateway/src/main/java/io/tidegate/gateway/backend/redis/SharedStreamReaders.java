package io.tidegate.gateway.backend.redis;

import io.lettuce.core.Consumer;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.XReadArgs;
import io.lettuce.core.api.async.RedisStreamAsyncCommands;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;

/**
 * The shared readers of one backend ({@code backend.redis.shared-readers}): a fixed pool of {@link SharedStreamReader}s, each topic always read by the same one, and
 * one shared connection for the non-blocking reads of subscriptions catching up on their own
 * (XREAD without BLOCK, XRANGE, XINFO STREAM) and of group members (XREADGROUP without BLOCK,
 * the strict key order and steering scripts), so a gateway holds a few connections for all its
 * broadcast subscriptions and group members (strict key order and predictive balancing
 * included), however many there are. On Redis Cluster the readers wait for wake-ups ({@link
 * ShardWakes}) instead of blocking on connections of their own, and the non-blocking reads go
 * out one command per slot ({@link SlotReads}), so the gateway holds a few connections per shard
 * for all of them. A group member cannot share a blocking XREADGROUP (it names
 * one consumer), so it parks here as a broadcast wait does and is only woken by the readers, then
 * reads for itself.
 *
 * <p>A parked member whose wait times out parks again without asking Redis anything, so a
 * thousand idle members cost Redis nothing each. What the shared XREAD cannot see (an entry a woken member did not take because it closed
 * or spent its credit on a reclaim, entries idle past their deadline, a group deleted under it)
 * is looked for once per block time per group and topic: the <em>re-check</em> wakes the
 * longest-waiting member of each, which reclaims when due, reads and parks again at the back.
 * Thread-safe; never blocks.
 */
final class SharedStreamReaders implements AutoCloseable {

    private final SharedStreamReader[] readers;
    private final SharedConnection catchUp;
    private final SlotReads slotReads;
    /** Redis Cluster only: the wake channels the readers wait on; null on standalone Redis. */
    private final ShardWakes wakes;
    private final ScheduledExecutorService executor;
    private final Duration block;
    /** Parked group members per group and topic, longest-waiting first. Guarded by itself. */
    private final Map<GroupTopic, Set<LiveWait>> members = new HashMap<>();
    /** The re-check, running from the first park of a member until close; guarded by {@link #members}. */
    private ScheduledFuture<?> recheck;
    private boolean closed;

    /**
     * @param wakes on Redis Cluster the wake channels the readers wait on (they then hold no
     *              connection of their own); null on standalone Redis, where each reader blocks
     *              on a reader connection
     */
    SharedStreamReaders(int size, String name, RedisConnector connector, SharedConnection control,
                        SharedConnection catchUp, ShardWakes wakes, ScheduledExecutorService executor, ReadGuard reads,
                        Duration block, IntSupplier count) {
        this.readers = new SharedStreamReader[size];
        this.slotReads = new SlotReads(catchUp);
        this.wakes = wakes;
        for (int i = 0; i < size; i++) {
            String readerName = name + ":shared-" + i;
            HeadRead head = wakes != null ? new WokenHeadRead(wakes, slotReads, executor, block, count)
                    : new BlockingHeadRead(readerName, connector, control, executor, block, count);
            readers[i] = new SharedStreamReader(readerName, head, catchUp, executor, reads, count);
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
     * A non-blocking {@code XREAD COUNT count} over streams of any slots (one command per slot on
     * a cluster), for a subscription catching up on several topics.
     */
    CompletableFuture<List<StreamMessage<byte[], byte[]>>> readNow(int count, XReadArgs.StreamOffset<byte[]>[] offsets) {
        return slotReads.read(count, offsets);
    }

    /**
     * A non-blocking {@code XREADGROUP COUNT count} of {@code consumer} over streams of any slots
     * (one command per slot on a cluster), for a pooled group member's read of new entries.
     */
    CompletableFuture<List<StreamMessage<byte[], byte[]>>> readGroupNow(Consumer<byte[]> consumer, int count,
                                                                       XReadArgs.StreamOffset<byte[]>[] offsets) {
        return slotReads.readGroup(consumer, count, offsets);
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
     * a reader finds something newer, the re-check picks it or it is woken (null: look again),
     * or {@code timeout} passes (an empty map: nothing happened, park again at {@link
     * LiveWait#spotsNow} without a read; the timeout keeps a read cycle within its time limit).
     * Never refused.
     */
    LiveWait parkMember(List<LiveWait.Spot> spots, String group, Duration timeout) {
        LiveWait wait = park(new LiveWait(spots, group), true, Math.max(1, timeout.toMillis()));
        synchronized (members) {
            if (!closed) {
                for (LiveWait.Spot s : spots) {
                    members.computeIfAbsent(new GroupTopic(group, s.topic()), k -> new LinkedHashSet<>()).add(wait);
                }
                if (recheck == null) {
                    recheck = executor.scheduleWithFixedDelay(this::recheck, block.toMillis(), block.toMillis(),
                            TimeUnit.MILLISECONDS);
                }
            }
        }
        // registered after the adds: a wait completed meanwhile is taken off at once
        wait.result.whenComplete((batches, error) -> {
            synchronized (members) {
                for (LiveWait.Spot s : spots) {
                    GroupTopic key = new GroupTopic(group, s.topic());
                    Set<LiveWait> parked = members.get(key);
                    if (parked != null && parked.remove(wait) && parked.isEmpty()) {
                        members.remove(key);
                    }
                }
            }
        });
        return wait;
    }

    /**
     * Wakes the longest-waiting member of each group on each topic to look for itself. Runs from
     * the first park until close, also while no member is parked: members re-park after their
     * own timeouts, and a re-check that stopped and restarted with them would always find the
     * set empty.
     */
    private void recheck() {
        List<LiveWait> due = new ArrayList<>();
        synchronized (members) {
            for (Set<LiveWait> parked : members.values()) {
                for (LiveWait w : parked) {
                    if (!w.result.isDone()) {
                        due.add(w);
                        break;
                    }
                }
            }
        }
        due.forEach(LiveWait::woken);
    }

    /**
     * Wakes the longest-waiting parked member of {@code group} on each of {@code topics}: a
     * member woken for new entries that its group's steering holds back hands the wake-up on,
     * since the readers woke only as many members as entries came. A member whose timeout came
     * first is skipped, so the wake-up is not lost to it.
     */
    void passOn(String group, List<String> topics) {
        List<LiveWait> due = new ArrayList<>(topics.size());
        synchronized (members) {
            for (String topic : topics) {
                Set<LiveWait> parked = members.get(new GroupTopic(group, topic));
                if (parked == null) {
                    continue;
                }
                for (LiveWait w : parked) {
                    if (!w.result.isDone() && (due.contains(w) || w.chooseToWake())) {
                        if (!due.contains(w)) {
                            due.add(w);
                        }
                        break;
                    }
                }
            }
        }
        due.forEach(LiveWait::woken);
    }

    /** Parks {@code wait} on the readers of its topics; it times out after {@code timeoutMillis}, never when negative. */
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
        ScheduledFuture<?> timeout = timeoutMillis < 0 ? null
                : executor.schedule(wait::timedOut, timeoutMillis, TimeUnit.MILLISECONDS);
        wait.result.whenComplete((batches, error) -> {
            if (timeout != null) {
                timeout.cancel(false);
            }
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

    /** A group's members on one topic: the unit the re-check wakes one of. */
    private record GroupTopic(String group, String topic) {
    }

    private SharedStreamReader readerOf(String topic) {
        return readers[Math.floorMod(topic.hashCode(), readers.length)];
    }

    @Override
    public void close() {
        List<LiveWait> parked = new ArrayList<>();
        synchronized (members) {
            closed = true;
            if (recheck != null) {
                recheck.cancel(false);
                recheck = null;
            }
            members.values().forEach(parked::addAll);
        }
        // their subscriptions close with the backend; nothing is left waiting on a timer that is gone
        parked.forEach(LiveWait::woken);
        for (SharedStreamReader r : readers) {
            r.close();
        }
        if (wakes != null) {
            wakes.close();
        }
        catchUp.close();
    }
}
