package io.tidegate.gateway.console;

import java.util.List;

/**
 * The gateways sharing this bus as last announced (with the memory backend: this one alone).
 * Implementations answer from a cache, never from the network; any thread.
 */
public interface ReplicaView {

    /** Every replica known, this one included. */
    List<Replica> replicas();

    /**
     * One replica.
     *
     * @param lastSeenMillis epoch millis of its last announcement
     */
    record Replica(String gatewayId, String version, long lastSeenMillis) {
    }
}
