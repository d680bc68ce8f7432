package io.tidegate.gateway.server;

import io.tidegate.gateway.config.GatewayConfig;
import io.tidegate.proto.v1.Limits;
import java.time.Duration;

/**
 * The terms every stream of this gateway gets: the gateway id and limits it is welcomed with,
 * and the same limits as the server enforces them. Immutable; thread-safe.
 */
final class StreamTerms {

    private final String gatewayId;
    private final GatewayConfig.Limits limits;
    private final Duration maxAckDeadline;
    private final Limits welcome;

    StreamTerms(String gatewayId, GatewayConfig.Limits limits, GatewayConfig.Delivery delivery, Duration dedupWindow) {
        this.gatewayId = gatewayId;
        this.limits = limits;
        this.maxAckDeadline = delivery.maxAckDeadline();
        this.welcome = Limits.newBuilder()
                .setMaxPayloadBytes(limits.maxPayloadBytes())
                .setMaxBatchMessages(limits.maxBatchMessages())
                .setMaxSubscriptions(limits.maxSubscriptionsPerStream())
                .setMaxTopicLength(limits.maxTopicLength())
                .setDefaultCredit(limits.defaultCredit())
                .setDefaultAckDeadlineMs((int) delivery.defaultAckDeadline().toMillis())
                .setMaxFrameBytes(limits.maxFrameBytes())
                .setDedupWindowMs((int) Math.min(Integer.MAX_VALUE, dedupWindow.toMillis()))
                .build();
    }

    String gatewayId() {
        return gatewayId;
    }

    /** The limits a Welcome advertises. */
    Limits welcome() {
        return welcome;
    }

    int maxFrameBytes() {
        return limits.maxFrameBytes();
    }

    int maxBatchMessages() {
        return limits.maxBatchMessages();
    }

    int maxSubscriptions() {
        return limits.maxSubscriptionsPerStream();
    }

    Duration maxAckDeadline() {
        return maxAckDeadline;
    }
}
