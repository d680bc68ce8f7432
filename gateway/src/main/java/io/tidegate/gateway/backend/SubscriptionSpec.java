package io.tidegate.gateway.backend;

import io.tidegate.gateway.routing.TopicPattern;
import java.time.Duration;
import java.util.List;

/**
 * What a backend subscription reads. Immutable.
 *
 * @param key          unique on this gateway (session id + client subscription id); logs and metrics
 * @param group        GROUP mode: the group name; null for BROADCAST
 * @param consumerName GROUP mode: this member's own name in the group, unique across replicas
 * @param ackDeadline  GROUP mode: unacked messages become redeliverable after this long
 * @param strictKeyOrder GROUP mode: key affinity across the whole group. At most one message of
 *                     an ordering key is out (delivered, unacked) in the group at a time, always
 *                     with the member holding the key; later messages of the key wait in the
 *                     backend until it is acked or dead-lettered, and a nacked or expired one is
 *                     redelivered before them. All members of a group should ask for it alike:
 *                     a non-strict member ignores the leases.
 * @param topicFilter  a further test topics matching a pattern must pass ({@link TopicFilter#ALL}: none)
 */
public record SubscriptionSpec(
        String key,
        List<TopicPattern> patterns,
        String group,
        String consumerName,
        StartAt start,
        Duration ackDeadline,
        boolean strictKeyOrder,
        TopicFilter topicFilter) {

    public SubscriptionSpec {
        patterns = List.copyOf(patterns);
        topicFilter = topicFilter == null ? TopicFilter.ALL : topicFilter;
        if (patterns.isEmpty()) {
            throw new IllegalArgumentException("a subscription needs at least one pattern");
        }
        if ((group == null) != (consumerName == null)) {
            throw new IllegalArgumentException("group and consumerName go together");
        }
        if (strictKeyOrder && group == null) {
            throw new IllegalArgumentException("strict key order applies to GROUP subscriptions only");
        }
    }

    /** Every topic the patterns match. */
    public SubscriptionSpec(String key, List<TopicPattern> patterns, String group, String consumerName, StartAt start,
                            Duration ackDeadline, boolean strictKeyOrder) {
        this(key, patterns, group, consumerName, start, ackDeadline, strictKeyOrder, TopicFilter.ALL);
    }

    /** Without strict key order. */
    public SubscriptionSpec(String key, List<TopicPattern> patterns, String group, String consumerName, StartAt start,
                            Duration ackDeadline) {
        this(key, patterns, group, consumerName, start, ackDeadline, false);
    }

    public boolean isGroup() {
        return group != null;
    }

    /** True when any of the patterns matches the topic and the filter admits it. */
    public boolean matches(String topic) {
        for (TopicPattern p : patterns) {
            if (p.matches(topic)) {
                return topicFilter.admits(topic);
            }
        }
        return false;
    }
}
