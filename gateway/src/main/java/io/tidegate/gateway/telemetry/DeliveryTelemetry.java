package io.tidegate.gateway.telemetry;

import io.tidegate.gateway.backend.StoredMessage;
import io.tidegate.proto.v1.Message;

/**
 * What happens to every message as it is written to a subscriber's stream: it is counted and its
 * publish-to-deliver latency recorded, and when sampled a {@code deliver} span is recorded whose
 * context the subscriber receives in the headers. Thread-safe.
 */
public final class DeliveryTelemetry {

    /** Records nothing and passes messages through. */
    public static final DeliveryTelemetry OFF = new DeliveryTelemetry(GatewayTracing.OFF, GatewayMetrics.OFF);

    private final GatewayTracing tracing;
    private final GatewayMetrics metrics;

    public DeliveryTelemetry(GatewayTracing tracing, GatewayMetrics metrics) {
        this.tracing = tracing;
        this.metrics = metrics;
    }

    /** The message to write to the subscriber. */
    public Message delivering(StoredMessage m, String subscriptionId) {
        metrics.delivered(m);
        return tracing.deliver(m.message(), subscriptionId);
    }
}
