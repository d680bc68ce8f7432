package io.tidegate.gateway.server;

import io.tidegate.gateway.backend.StoredMessage;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;

/**
 * The messages of a conflated subscription that the client has not taken yet: at most one per
 * ordering key, the latest. A newer message of a waiting key replaces the older one in its place
 * in line (so a busy key is not starved by quieter ones) and adds one to the count of messages
 * superseded before it. Not thread-safe: its subscription guards it.
 */
final class ConflatingQueue {

    private final LinkedHashMap<String, Slot> slots = new LinkedHashMap<>();

    /**
     * Queues the message, replacing a waiting one of its key.
     *
     * @return the message this one superseded, or null when its key was not waiting
     */
    StoredMessage offer(StoredMessage m) {
        Slot slot = slots.get(m.orderingKey());
        if (slot == null) {
            slots.put(m.orderingKey(), new Slot(m));
            return null;
        }
        StoredMessage replaced = slot.message;
        slot.message = m;
        slot.superseded++;
        return replaced;
    }

    /** Moves up to {@code max} messages, oldest key first, into the lists. */
    void poll(int max, List<StoredMessage> messages, List<Long> supersededBefore) {
        Iterator<Slot> it = slots.values().iterator();
        while (messages.size() < max && it.hasNext()) {
            Slot slot = it.next();
            it.remove();
            messages.add(slot.message);
            supersededBefore.add(slot.superseded);
        }
    }

    /** Drops everything waiting. */
    void clear() {
        slots.clear();
    }

    /** Keys waiting. */
    int size() {
        return slots.size();
    }

    private static final class Slot {
        StoredMessage message;
        long superseded;

        Slot(StoredMessage message) {
            this.message = message;
        }
    }
}
