package io.tidegate.gateway.console;

import java.util.List;

/**
 * The gateways sharing this bus as last announced (with the memory backend: this one alone).
 * Implementations answer from a cache, never from the network; any thread.
 */
public interface ReplicaView {

    /** Every replica known, this one included. */
    List<Replica> replicas();

    /** Announce intervals a replica may miss before it shows as gone. */
    int GONE_AFTER_INTERVALS = 3;

    /** Whether {@code r} has not been heard for {@link #GONE_AFTER_INTERVALS} announce intervals. */
    static boolean gone(Replica r, long nowMillis, java.time.Duration announceInterval) {
        return nowMillis - r.lastSeenMillis() > GONE_AFTER_INTERVALS * announceInterval.toMillis();
    }

    /**
     * One replica.
     *
     * @param lastSeenMillis epoch millis of its last announcement
     */
    record Replica(String gatewayId, String version, long lastSeenMillis) {
    }
}
