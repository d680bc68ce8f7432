package io.tidegate.gateway.backend;

import io.tidegate.proto.v1.Position;

/** Where a message sits: its topic and its entry id in that topic's stream. Immutable. */
public record StreamPosition(String topic, EntryId entryId) {

    public static StreamPosition fromProto(Position p) {
        return new StreamPosition(p.getTopic(), EntryId.parse(p.getEntryId()));
    }

    /**
     * The wire form. Both fields are set as bytes (the topic's cached, the id's written from its
     * two numbers), so neither a String nor a UTF-8 encoding is made per message.
     */
    public Position toProto() {
        return Position.newBuilder().setTopicBytes(TopicBytes.of(topic)).setEntryIdBytes(entryId.toByteString()).build();
    }

    @Override
    public String toString() {
        return topic + "@" + entryId;
    }
}
