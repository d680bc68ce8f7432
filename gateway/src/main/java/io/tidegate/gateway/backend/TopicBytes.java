package io.tidegate.gateway.backend;

import com.google.protobuf.ByteString;

/**
 * The UTF-8 form of topic names for protobuf string fields, remembered for the most recently
 * used topics, so that a position on the delivery or publish-ack path does not encode the same
 * topic again for every message. A fixed number of slots, each holding the last topic that
 * hashed to it: memory is bounded by {@link #SLOTS}, not by how many topics clients use.
 *
 * <p>Threading: thread-safe without locks; a slot holds an immutable pair, so a racing reader
 * sees either the old pair or the new one, and a miss only costs one encoding.
 */
public final class TopicBytes {

    /** Slots of the cache; a power of two. */
    static final int SLOTS = 256;

    private static final Slot[] CACHE = new Slot[SLOTS];

    private TopicBytes() {
    }

    /** {@code topic} as UTF-8 bytes, shared with earlier callers of the same topic when cached. */
    public static ByteString of(String topic) {
        int index = topic.hashCode() & (SLOTS - 1);
        Slot slot = CACHE[index];
        if (slot != null && (slot.topic == topic || slot.topic.equals(topic))) {
            return slot.bytes;
        }
        ByteString bytes = ByteString.copyFromUtf8(topic);
        CACHE[index] = new Slot(topic, bytes);
        return bytes;
    }

    private record Slot(String topic, ByteString bytes) {
    }
}
