package io.tidegate.gateway.backend.redis;

import java.nio.charset.StandardCharsets;

/**
 * Names every Redis key and channel the backend uses, all under one prefix:
 * <ul>
 *   <li>{@code <prefix>:s:{<topic>}}: the topic's stream;</li>
 *   <li>{@code <prefix>:d:{<topic>}:<message id>}: a dedup marker holding the original entry id;</li>
 *   <li>{@code <prefix>:topics}: a set of every topic ever appended (for pattern subscriptions);</li>
 *   <li>{@code <prefix>:topics:new}: the pub/sub channel announcing a topic's first append.</li>
 * </ul>
 * The topic sits in a hash tag, so on Redis Cluster a topic's stream and its dedup markers share
 * a slot and the append script may touch both. Topic names cannot contain braces (see
 * {@code TopicName}), so the tag is always the whole topic. Immutable; thread-safe.
 */
final class RedisKeys {

    private final String prefix;
    private final byte[] topicSet;
    private final byte[] topicChannel;

    RedisKeys(String prefix) {
        this.prefix = prefix;
        this.topicSet = bytes(prefix + ":topics");
        this.topicChannel = bytes(prefix + ":topics:new");
    }

    byte[] stream(String topic) {
        return bytes(streamName(topic));
    }

    String streamName(String topic) {
        return prefix + ":s:{" + topic + "}";
    }

    byte[] dedup(String topic, String messageId) {
        return bytes(prefix + ":d:{" + topic + "}:" + messageId);
    }

    byte[] topicSet() {
        return topicSet;
    }

    byte[] topicChannel() {
        return topicChannel;
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static String string(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }
}
