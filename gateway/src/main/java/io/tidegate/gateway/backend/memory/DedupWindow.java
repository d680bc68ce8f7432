package io.tidegate.gateway.backend.memory;

import io.tidegate.gateway.backend.StoredMessage;
import java.util.Iterator;
import java.util.LinkedHashMap;

/**
 * The message ids one topic stored recently, so a retried publish is answered with the original
 * position instead of being stored twice. Memory stays bounded: ids leave in append order once
 * older than the window, and at most {@code capacity} ids are kept however fast the topic is.
 *
 * <p>One insertion-ordered map does both jobs: lookups by id, and expiry from its head. Expiring
 * the head reads only the map's own entry and the stored message next to it (both allocated by
 * the appending thread, in append order) and removes it by the hash the entry keeps, so it never
 * touches the message's id string, which was allocated long before, elsewhere, and is cold by
 * then. With a separate queue of entries, expiry read those ids and looked each up twice: at full
 * speed that cost up to 100 ns per message in cache misses.
 *
 * <p>Threading: not thread-safe; guarded by the owning {@link TopicLog}'s monitor.
 */
final class DedupWindow {

    private final long windowMillis;
    private final int capacity;
    // insertion order is append order, so entry times only grow from head to tail
    private final LinkedHashMap<String, StoredMessage> byId = new LinkedHashMap<>();

    DedupWindow(long windowMillis, int capacity) {
        this.windowMillis = windowMillis;
        this.capacity = capacity;
    }

    /** The entry stored under {@code id} within the window before {@code nowMillis}, or null. */
    StoredMessage find(String id, long nowMillis) {
        StoredMessage prior = byId.get(id);
        return prior != null && millis(prior) + windowMillis > nowMillis ? prior : null;
    }

    /** Remembers {@code entry} under {@code id}, replacing an entry that {@link #find} called expired. */
    void remember(String id, StoredMessage entry) {
        if (byId.putIfAbsent(id, entry) != null) {
            // re-insert rather than replace, so the entry moves to the tail and order stays time order
            byId.remove(id);
            byId.put(id, entry);
        }
    }

    /** Forgets ids older than the window and any beyond the capacity. Amortised O(1) per id. */
    void expire(long nowMillis) {
        int excess = byId.size() - capacity;
        Iterator<StoredMessage> oldestFirst = byId.values().iterator();
        while (oldestFirst.hasNext()) {
            StoredMessage oldest = oldestFirst.next();
            if (excess <= 0 && millis(oldest) + windowMillis > nowMillis) {
                return;
            }
            oldestFirst.remove();
            excess--;
        }
    }

    int size() {
        return byId.size();
    }

    private static long millis(StoredMessage m) {
        return m.position().entryId().millis();
    }
}
