package io.tidegate.gateway.backend;

import io.tidegate.proto.v1.Position;

/** Where a message sits: its topic and its entry id in that topic's stream. Immutable. */
public record StreamPosition(String topic, EntryId entryId) {

    public static StreamPosition fromProto(Position p) {
        return new StreamPosition(p.getTopic(), EntryId.parse(p.getEntryId()));
    }

    public Position toProto() {
        return Position.newBuilder().setTopic(topic).setEntryId(entryId.toString()).build();
    }

    @Override
    public String toString() {
        return topic + "@" + entryId;
    }
}
