package io.tidegate.gateway.server;

import io.tidegate.gateway.backend.DeliveryGap;
import io.tidegate.gateway.backend.StreamPosition;
import io.tidegate.proto.v1.Gap;

/** Builds the {@link Gap} frame that tells a subscriber of a hole trimmed by retention. Stateless. */
final class GapNotice {

    private GapNotice() {
    }

    static Gap of(String subscriptionId, DeliveryGap gap) {
        Gap.Builder b = Gap.newBuilder().setSubscriptionId(subscriptionId).setTopic(gap.topic())
                .setReason(Gap.Reason.REASON_RETENTION)
                .setTo(new StreamPosition(gap.topic(), gap.to()).toProto());
        if (gap.from() != null) {
            b.setFrom(new StreamPosition(gap.topic(), gap.from()).toProto());
        }
        if (gap.lostKnown()) {
            b.setLost(gap.lost());
        }
        return b.build();
    }
}
