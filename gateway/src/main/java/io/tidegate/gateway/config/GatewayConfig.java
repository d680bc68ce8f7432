package io.tidegate.gateway.config;

import java.time.Duration;

/**
 * The whole validated gateway configuration, built once at start by {@link ConfigLoader}.
 * Immutable; safe to share between threads.
 */
public record GatewayConfig(
        String gatewayId,
        Grpc grpc,
        Http http,
        Limits limits,
        Dispatch dispatch,
        Delivery delivery,
        Duration dedupWindow,
        Retention retention,
        BackendChoice backend,
        Duration drainTimeout) {

    /** The gRPC listener. */
    public record Grpc(String host, int port, Duration keepaliveTime, Duration keepaliveTimeout,
                       Duration permitKeepaliveTime, int maxInboundMessageBytes) {
    }

    /** The HTTP admin listener; port -1 disables it, 0 picks a free one. */
    public record Http(String host, int port) {
    }

    /** What one client stream may do. */
    public record Limits(int maxPayloadBytes, int maxBatchMessages, int maxSubscriptionsPerStream,
                         int maxTopicLength, int maxHeaders, int defaultCredit, int maxCredit) {
    }

    /** Queues between ingress and backend. */
    public record Dispatch(int ingressQueueCapacity, int maxBatch, int maxInFlightBatches) {
    }

    /** Group delivery: ack deadlines and dead-lettering. */
    public record Delivery(Duration defaultAckDeadline, Duration maxAckDeadline, int maxDeliveries) {
    }

    /** Per-topic stream retention; a zero maxAge means no age limit. */
    public record Retention(long maxLength, Duration maxAge) {
    }

    /** Which backend runs, and the Redis settings when it is Redis. */
    public record BackendChoice(BackendType type, Redis redis) {
    }

    /** Backend kinds. */
    public enum BackendType { MEMORY, REDIS }

    /** Redis backend settings. */
    public record Redis(String uri, String keyPrefix, Duration reclaimInterval, Duration blockTimeout, int readCount) {
    }

    /** Defaults plus the given overrides ("grpc.port=0"); for tests and embedding. */
    public static GatewayConfig defaultsWith(String... overrides) {
        return ConfigLoader.load(null, java.util.Map.of(), java.util.List.of(overrides));
    }
}
