package io.tidegate.sdk;

import java.time.Duration;
import java.util.List;

/**
 * The validated settings of one client, as built by {@link TidegateClient.Builder}. Immutable.
 * {@code tls} is null for plaintext; {@code bearerToken} is null for none, else asked for a token
 * on every call.
 */
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
        Duration closeTimeout,
        io.grpc.netty.shaded.io.netty.handler.ssl.SslContext tls,
        java.util.function.Supplier<String> bearerToken) {
}
