package io.tidegate.gateway.backend.redis;

import io.lettuce.core.api.async.RedisStreamAsyncCommands;
import io.tidegate.gateway.backend.EntryId;
import io.tidegate.gateway.backend.StoredMessage;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * One broadcast subscription's read cycle waiting at the head of its topics for a {@link
 * SharedStreamReader} to hand it entries, instead of blocking a connection of its own. Completes
 * once: with the entries after its cursors, with an empty map when the block time passed without
 * any (the cursors are still at the head), or with null when it was woken (its topics changed,
 * it closed) and must look again. A group member's wait ({@link #wakeGroup}) is the same wait used
 * as a wake-up only. Thread-safe.
 */
final class LiveWait {

    /** One topic of the wait: where the subscription stands in it. */
    record Spot(String topic, byte[] key, EntryId after) {
    }

    /** One decoded stream entry, shared by every wait it is handed to; message null when malformed. */
    record Entry(EntryId id, StoredMessage message) {
    }

    /**
     * A topic's entries after the wait's cursor, in stream order.
     *
     * @param full the shared read returned a full COUNT: the reader may be behind this stream
     * @param info the stream's XINFO STREAM after the read, asked at most once for every
     *             subscription the read was handed to (see {@link RetentionGapCheck})
     */
    record Batch(List<Entry> entries, boolean full, StreamInfoOnce info) {
    }

    /**
     * XINFO STREAM of one stream, sent on first use and shared afterwards, so the hole checks of
     * thousands of subscriptions handed one read cost Redis one command. Thread-safe.
     */
    static final class StreamInfoOnce {
        private final RedisStreamAsyncCommands<byte[], byte[]> redis;
        private final byte[] key;
        private CompletableFuture<List<Object>> reply;

        StreamInfoOnce(RedisStreamAsyncCommands<byte[], byte[]> redis, byte[] key) {
            this.redis = redis;
            this.key = key;
        }

        synchronized CompletableFuture<List<Object>> get() {
            if (reply == null) {
                reply = redis.xinfoStream(key).toCompletableFuture();
            }
            return reply;
        }
    }

    /** Per topic; a shared reader moves a member's spot on when others of its group were woken for the entries. */
    private final Map<String, EntryId> after;
    final List<Spot> spots;
    /**
     * The consumer group of a member's wake-up wait (its entries are not handed over: the member
     * reads them with XREADGROUP); null for a broadcast subscription's wait.
     */
    final String wakeGroup;
    final CompletableFuture<Map<String, Batch>> result = new CompletableFuture<>();
    /**
     * Set once by whichever comes first, a reader choosing a member's wait to wake or the wait's
     * own timeout: a member that timed out parks again without a read, so a wake-up chosen at
     * the same moment must not be the one that is lost.
     */
    private final java.util.concurrent.atomic.AtomicBoolean settled = new java.util.concurrent.atomic.AtomicBoolean();

    LiveWait(List<Spot> spots, String wakeGroup) {
        this.wakeGroup = wakeGroup;
        this.spots = List.copyOf(spots);
        this.after = new java.util.concurrent.ConcurrentHashMap<>(spots.size() * 2);
        for (Spot s : spots) {
            after.put(s.topic(), s.after());
        }
    }

    /** Where the subscription stands in {@code topic}; null when the wait does not cover it. */
    EntryId after(String topic) {
        return after.get(topic);
    }

    /**
     * Moves a member's spot in {@code topic} to {@code to}: the entries up to it were handed to
     * other members of its group, so parking again there loses nothing.
     */
    void advance(String topic, EntryId to) {
        after.computeIfPresent(topic, (t, mine) -> mine.compareTo(to) < 0 ? to : mine);
    }

    /** The spots to park at again: where the wait stands now in each topic. */
    List<Spot> spotsNow() {
        List<Spot> now = new java.util.ArrayList<>(spots.size());
        for (Spot s : spots) {
            now.add(new Spot(s.topic(), s.key(), after.get(s.topic())));
        }
        return now;
    }

    /** Hands over entries; ignored once the wait completed. */
    void offer(Map<String, Batch> batches) {
        result.complete(batches);
    }

    /**
     * Chooses this member's wait to be woken; false when its timeout came first (it parks again
     * and another member must be woken instead).
     */
    boolean chooseToWake() {
        return settled.compareAndSet(false, true);
    }

    /** The block time passed: nothing new, the cursors are still at the head. */
    void timedOut() {
        if (settled.compareAndSet(false, true)) {
            result.complete(Map.of());
        }
    }

    /** Something changed: the subscription must look again. */
    void woken() {
        result.complete(null);
    }
}
