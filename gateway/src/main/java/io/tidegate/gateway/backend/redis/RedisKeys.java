package io.tidegate.gateway.backend.redis;

import java.nio.charset.StandardCharsets;

/**
 * Names every Redis key and channel the backend uses, all under one prefix:
 * <ul>
 *   <li>{@code <prefix>:s:{<topic>}}: the topic's stream;</li>
 *   <li>{@code <prefix>:dd:{<topic>}:<bucket>}: the topic's dedup ids appended in one time bucket
 *       (a hash: message id to its entry id; see {@code append.lua});</li>
 *   <li>{@code <prefix>:topics}: a set of every topic ever appended (for pattern subscriptions);</li>
 *   <li>{@code <prefix>:topics:new}: the pub/sub channel announcing a topic's first append;</li>
 *   <li>{@code <prefix>:w:{<topic>}}: Redis Cluster only, the sharded pub/sub channel on which
 *       {@code append.lua} announces the topic's appends to the shared readers (see {@link ShardWakes});</li>
 *   <li>{@code <prefix>:<name>}: a hash of facts the gateways share ({@link RedisSharedHash}), e.g.
 *       {@code <prefix>:instruments}, the instrument registry's listings and learned aliases;</li>
 *   <li>{@code <prefix>:incarnation}: a random id standing for the data Redis holds; gone or
 *       changed means Redis lost it (see {@link IncarnationWatch});</li>
 *   <li>strict key order, per topic and group (see {@code key-lease.lua}):
 *       {@code <prefix>:kl:{<topic>}/<group>}, a hash of key holders and messages out;
 *       {@code <prefix>:kq:{<topic>}/<group>/<ordering key>}, a list of a key's waiting entries;
 *       {@code <prefix>:kr:{<topic>}/<group>/<consumer>}, a list of a member's keys ready to
 *       send. Group names cannot contain '/', so the names cannot collide.</li>
 * </ul>
 * The topic sits in a hash tag, so on Redis Cluster a topic's stream and its dedup buckets share
 * a slot and the append script may touch both (it names the buckets itself, inside the tag). Topic names cannot contain braces (see
 * {@code TopicName}), so the tag is always the whole topic. Immutable; thread-safe.
 */
final class RedisKeys {

    private final String prefix;
    private final byte[] topicSet;
    private final byte[] topicChannel;
    private final byte[] incarnation;

    RedisKeys(String prefix) {
        this.prefix = prefix;
        this.topicSet = bytes(prefix + ":topics");
        this.topicChannel = bytes(prefix + ":topics:new");
        this.incarnation = bytes(prefix + ":incarnation");
    }

    byte[] stream(String topic) {
        return bytes(streamName(topic));
    }

    String streamName(String topic) {
        return prefix + ":s:{" + topic + "}";
    }

    /** The topic's wake channel (sharded pub/sub, same slot as its stream). */
    byte[] wakeChannel(String topic) {
        return bytes(prefix + ":w:{" + topic + "}");
    }

    /** What {@code append.lua} appends {@code :<bucket number>} to for a dedup bucket of the topic. */
    byte[] dedupBuckets(String topic) {
        return bytes(prefix + ":dd:{" + topic + "}");
    }

    /** Strict key order: the hash of key holders of {@code group} on {@code topic}. */
    byte[] keyLeases(String topic, String group) {
        return bytes(prefix + ":kl:{" + topic + "}/" + group);
    }

    /** Strict key order: what the scripts append an ordering key to for that key's waiting list. */
    byte[] keyWaitingPrefix(String topic, String group) {
        return bytes(prefix + ":kq:{" + topic + "}/" + group + "/");
    }

    /** Strict key order: what the scripts append a consumer name to for its list of ready keys. */
    byte[] keyReadyPrefix(String topic, String group) {
        return bytes(prefix + ":kr:{" + topic + "}/" + group + "/");
    }

    /** A {@link RedisSharedHash}'s key. */
    String hashName(String name) {
        return prefix + ":" + name;
    }

    byte[] topicSet() {
        return topicSet;
    }

    byte[] topicChannel() {
        return topicChannel;
    }

    byte[] incarnation() {
        return incarnation;
    }

    /**
     * The hash tag of a topic's key or channel: the topic (topics cannot contain braces, so the
     * tag is everything between the key's first '{' and its last '}').
     */
    static String tag(byte[] key) {
        String k = string(key);
        return k.substring(k.indexOf('{') + 1, k.lastIndexOf('}'));
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static String string(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }
}
