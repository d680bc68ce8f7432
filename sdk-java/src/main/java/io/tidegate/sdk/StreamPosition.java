package io.tidegate.sdk;

import io.tidegate.proto.v1.Position;
import java.util.Objects;

/**
 * Where a message sits in its topic's stream: the topic and an entry id of the form
 * "{@code <millis>-<seq>}". Entry ids grow strictly within a topic. Immutable; safe to share
 * between threads.
 */
public record StreamPosition(String topic, String entryId) implements Comparable<StreamPosition> {

    public StreamPosition {
        Objects.requireNonNull(topic, "topic");
        Objects.requireNonNull(entryId, "entryId");
    }

    static StreamPosition of(Position p) {
        return new StreamPosition(p.getTopic(), p.getEntryId());
    }

    Position toProto() {
        return Position.newBuilder().setTopic(topic).setEntryId(entryId).build();
    }

    /** Milliseconds part of the entry id (the time the backend assigned it). */
    public long millis() {
        // parsed in place: a subscription compares every delivered position with the last one
        int dash = entryId.indexOf('-');
        return Long.parseLong(entryId, 0, dash < 0 ? entryId.length() : dash, 10);
    }

    /** Sequence part of the entry id. */
    public long sequence() {
        int dash = entryId.indexOf('-');
        return dash < 0 ? 0 : Long.parseLong(entryId, dash + 1, entryId.length(), 10);
    }

    /** True when {@code other} names the same topic and a later entry. */
    public boolean isBefore(StreamPosition other) {
        return topic.equals(other.topic) && compareTo(other) < 0;
    }

    /** Orders by topic, then by entry id numerically. */
    @Override
    public int compareTo(StreamPosition o) {
        int c = topic.compareTo(o.topic);
        if (c != 0) {
            return c;
        }
        c = Long.compare(millis(), o.millis());
        return c != 0 ? c : Long.compare(sequence(), o.sequence());
    }

    @Override
    public String toString() {
        return topic + "@" + entryId;
    }
}
