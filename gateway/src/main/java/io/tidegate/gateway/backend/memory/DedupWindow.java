package io.tidegate.gateway.backend.memory;

import io.tidegate.gateway.backend.StoredMessage;
import java.util.ArrayDeque;
import java.util.HashMap;

/**
 * The message ids one topic stored recently, so a retried publish is answered with the original
 * position instead of being stored twice. Memory stays bounded: ids leave in append order once
 * older than the window, and at most {@code capacity} ids are kept however fast the topic is.
 *
 * <p>Threading: not thread-safe; guarded by the owning {@link TopicLog}'s monitor.
 */
final class DedupWindow {

    private final long windowMillis;
    private final int capacity;
    private final HashMap<String, StoredMessage> byId = new HashMap<>();
    // entry times only grow, so the oldest id is always at the head
    private final ArrayDeque<StoredMessage> order = new ArrayDeque<>();

    DedupWindow(long windowMillis, int capacity) {
        this.windowMillis = windowMillis;
        this.capacity = capacity;
    }

    /** The entry stored under {@code id} within the window before {@code nowMillis}, or null. */
    StoredMessage find(String id, long nowMillis) {
        StoredMessage prior = byId.get(id);
        return prior != null && millis(prior) + windowMillis > nowMillis ? prior : null;
    }

    void remember(String id, StoredMessage entry) {
        byId.put(id, entry);
        order.addLast(entry);
    }

    /** Forgets ids older than the window and any beyond the capacity. Amortised O(1) per id. */
    void expire(long nowMillis) {
        StoredMessage oldest;
        while ((oldest = order.peekFirst()) != null
                && (millis(oldest) + windowMillis <= nowMillis || order.size() > capacity)) {
            order.pollFirst();
            String id = oldest.message().getId();
            // identity, not equals: a later entry may have taken the id over after expiry
            if (byId.get(id) == oldest) {
                byId.remove(id);
            }
        }
    }

    int size() {
        return byId.size();
    }

    private static long millis(StoredMessage m) {
        return m.position().entryId().millis();
    }
}
