package io.tidegate.gateway.backend;

/**
 * A further test a topic must pass, beyond a subscription's patterns, for the subscription to read
 * it; its answer may change over time (a subscription by instrument admits a venue's topic once
 * the venue lists the instrument), and then {@link BackendSubscription#rescan()} offers the known
 * topics again. Asked when a topic is discovered, never per message. Thread-safe, non-blocking.
 */
@FunctionalInterface
public interface TopicFilter {

    /** Admits every topic the patterns match. */
    TopicFilter ALL = topic -> true;

    boolean admits(String topic);
}
