package io.tidegate.gateway.server;

import io.tidegate.gateway.backend.StoredMessage;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The messages of a conflated subscription that the client has not taken yet. A conflatable
 * message replaces the waiting conflatable one of its ordering key in its place in line (so a
 * busy key is not starved by quieter ones) and adds one to the count of messages superseded
 * before it; a message that may not be conflated (see {@link ConflationRule}) waits in line of
 * its own, and a later conflatable message of its key queues after it, so key order holds. Not
 * thread-safe: its subscription guards it.
 */
final class ConflatingQueue {

    private final ArrayDeque<Slot> line = new ArrayDeque<>();
    /** Per key, its slot in {@link #line} that a newer conflatable message may replace. */
    private final Map<String, Slot> open = new HashMap<>();

    /**
     * Queues a conflatable message, replacing the waiting conflatable one of its key.
     *
     * @return the message this one superseded, or null when its key had none waiting
     */
    StoredMessage offer(StoredMessage m) {
        Slot slot = open.get(m.orderingKey());
        if (slot == null) {
            slot = new Slot(m);
            open.put(m.orderingKey(), slot);
            line.addLast(slot);
            return null;
        }
        StoredMessage replaced = slot.message;
        slot.message = m;
        slot.superseded++;
        return replaced;
    }

    /** Queues a message that no later one may replace; later ones of its key queue behind it. */
    void keep(StoredMessage m) {
        open.remove(m.orderingKey());
        line.addLast(new Slot(m));
    }

    /** Moves up to {@code max} messages, oldest first, into the lists. */
    void poll(int max, List<StoredMessage> messages, List<Long> supersededBefore) {
        while (messages.size() < max && !line.isEmpty()) {
            Slot slot = line.pollFirst();
            open.remove(slot.message.orderingKey(), slot);
            messages.add(slot.message);
            supersededBefore.add(slot.superseded);
        }
    }

    /** Drops everything waiting. */
    void clear() {
        line.clear();
        open.clear();
    }

    /** Messages waiting (one per key for conflatable ones). */
    int size() {
        return line.size();
    }

    private static final class Slot {
        StoredMessage message;
        long superseded;

        Slot(StoredMessage message) {
            this.message = message;
        }
    }
}
