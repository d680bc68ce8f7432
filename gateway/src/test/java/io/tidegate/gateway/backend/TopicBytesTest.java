package io.tidegate.gateway.backend;

import static org.assertj.core.api.Assertions.assertThat;

import io.tidegate.proto.v1.Position;
import org.junit.jupiter.api.Test;

class TopicBytesTest {

    @Test
    void aTopicIsEncodedOnceAndItsBytesReusedForLaterCalls() {
        String topic = new String("prices.ü.eurusd");

        assertThat(TopicBytes.of(topic).toStringUtf8()).isEqualTo("prices.ü.eurusd");
        assertThat(TopicBytes.of(new String(topic))).isSameAs(TopicBytes.of(topic));
    }

    @Test
    void topicsSharingASlotEachGetTheirOwnBytes() {
        // "Aa" and "BB" have the same String hash, so they share a slot and evict each other
        assertThat(TopicBytes.of("Aa").toStringUtf8()).isEqualTo("Aa");
        assertThat(TopicBytes.of("BB").toStringUtf8()).isEqualTo("BB");
        assertThat(TopicBytes.of("Aa").toStringUtf8()).isEqualTo("Aa");
    }

    @Test
    void aPositionOnTheWireReadsBackAsTheSameTopicAndEntryId() throws Exception {
        StreamPosition position = new StreamPosition("orders.ü", new EntryId(1700000000000L, 7));

        Position wire = Position.parseFrom(position.toProto().toByteArray());

        assertThat(wire.getTopic()).isEqualTo("orders.ü");
        assertThat(wire.getEntryId()).isEqualTo("1700000000000-7");
        assertThat(StreamPosition.fromProto(wire)).isEqualTo(position);
    }
}
