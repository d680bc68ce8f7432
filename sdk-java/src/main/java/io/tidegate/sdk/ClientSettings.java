package io.tidegate.sdk;

import java.time.Duration;
import java.util.List;

/** The validated settings of one client, as built by {@link TidegateClient.Builder}. Immutable. */
record ClientSettings(
        List<Endpoint> endpoints,
        String clientName,
        ReconnectBackoff backoff,
        Duration connectTimeout,
        Duration keepaliveTime,
        Duration keepaliveTimeout,
        Duration pingInterval,
        Duration pingTimeout,
        Duration drainGrace,
        int maxBatchMessages,
        int maxBatchBytes,
        Duration linger,
        int maxPendingPublishes,
        Duration maxBlock,
        int defaultCredit,
        int maxInboundMessageBytes,
        Duration closeTimeout) {
}
