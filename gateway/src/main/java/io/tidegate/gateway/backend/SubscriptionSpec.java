package io.tidegate.gateway.backend;

import io.tidegate.gateway.routing.TopicPattern;
import java.time.Duration;
import java.util.List;
import java.util.function.Predicate;

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
 * @param topicFilter  a further test each topic matching the patterns must pass to be read (e.g.
 *                     authorisation), asked once per topic the subscription meets (so it stays
 *                     off the delivery path); null for none. Literal patterns are read without it.
 */
public record SubscriptionSpec(
        String key,
        List<TopicPattern> patterns,
        String group,
        String consumerName,
        StartAt start,
        Duration ackDeadline,
        boolean strictKeyOrder,
        Predicate<String> topicFilter) {

    public SubscriptionSpec {
        patterns = List.copyOf(patterns);
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

    /** Without a topic filter. */
    public SubscriptionSpec(String key, List<TopicPattern> patterns, String group, String consumerName, StartAt start,
                            Duration ackDeadline, boolean strictKeyOrder) {
        this(key, patterns, group, consumerName, start, ackDeadline, strictKeyOrder, null);
    }

    /** Without strict key order. */
    public SubscriptionSpec(String key, List<TopicPattern> patterns, String group, String consumerName, StartAt start,
                            Duration ackDeadline) {
        this(key, patterns, group, consumerName, start, ackDeadline, false);
    }

    public boolean isGroup() {
        return group != null;
    }

    /**
     * The same subscription, reading only the topics that also pass {@code filter} (null: no
     * further test). A filter it already has stays: a topic must pass both, so an authorisation
     * filter composes with one that picks topics (e.g. by instrument).
     */
    public SubscriptionSpec withTopicFilter(Predicate<String> filter) {
        Predicate<String> both = filter == null ? topicFilter : topicFilter == null ? filter : topicFilter.and(filter);
        return new SubscriptionSpec(key, patterns, group, consumerName, start, ackDeadline, strictKeyOrder, both);
    }

    /** True when any of the patterns matches the topic and it passes the {@link #topicFilter}. */
    public boolean matches(String topic) {
        for (TopicPattern p : patterns) {
            if (p.matches(topic)) {
                return topicFilter == null || topicFilter.test(topic);
            }
        }
        return false;
    }
}
