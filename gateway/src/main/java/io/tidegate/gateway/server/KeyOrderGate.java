package io.tidegate.gateway.server;

import io.tidegate.gateway.backend.StoredMessage;
import io.tidegate.gateway.backend.StreamPosition;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Strict per-key order for a group subscription: while a message of a key is out with the
 * client (awaiting ack, or waiting to be retried after a nack), later messages with the same
 * key are held back here. Not thread-safe: the owning {@link SessionSubscription} guards it.
 */
final class KeyOrderGate {

    // key -> messages held behind the one in flight; an empty queue means "in flight, none held"
    private final Map<String, ArrayDeque<StoredMessage>> inFlight = new HashMap<>();

    /** Returns the messages that may go out now; holds back the rest. */
    List<StoredMessage> admit(List<StoredMessage> messages) {
        List<StoredMessage> out = new ArrayList<>(messages.size());
        for (StoredMessage m : messages) {
            ArrayDeque<StoredMessage> held = inFlight.get(m.orderingKey());
            if (held == null) {
                inFlight.put(m.orderingKey(), new ArrayDeque<>());
                out.add(m);
            } else {
                held.addLast(m);
            }
        }
        return out;
    }

    /** The in-flight message of {@code key} is done; returns the next one to send, or null. */
    StoredMessage release(String key) {
        ArrayDeque<StoredMessage> held = inFlight.get(key);
        if (held == null) {
            return null;
        }
        StoredMessage next = held.pollFirst();
        if (next == null) {
            inFlight.remove(key);
        }
        return next;
    }

    /** Positions of every held message, whose backend deadlines the owner keeps extending. */
    List<StreamPosition> heldPositions() {
        List<StreamPosition> positions = new ArrayList<>();
        for (ArrayDeque<StoredMessage> held : inFlight.values()) {
            for (StoredMessage m : held) {
                positions.add(m.position());
            }
        }
        return positions;
    }
}
