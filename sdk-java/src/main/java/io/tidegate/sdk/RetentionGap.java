package io.tidegate.sdk;

import io.tidegate.proto.v1.Gap;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * A BROADCAST subscription fell behind retention (or started at a position no longer retained):
 * messages of {@link #topic()} after {@link #from()} were trimmed by the gateway's backend before
 * this subscriber read them, and delivery goes on at {@link #to()}. Handed to
 * {@link MessageHandler#onGap} in delivery order: after every message of the topic before the
 * hole, before the first one after it. Immutable.
 *
 * @param subscriptionId the {@link Subscription#id()} told
 * @param topic          the topic of the hole
 * @param from           the last position delivered on the topic, or the start position asked
 *                       for; empty when neither exists
 * @param to             the first position delivered after the hole
 * @param lost           how many messages were trimmed unread; empty when the gateway cannot
 *                       tell (a start position older than what Redis retains)
 */
public record RetentionGap(String subscriptionId, String topic, Optional<StreamPosition> from, StreamPosition to,
                           OptionalLong lost) {

    static RetentionGap of(Gap gap) {
        return new RetentionGap(gap.getSubscriptionId(), gap.getTopic(),
                gap.hasFrom() ? Optional.of(StreamPosition.of(gap.getFrom())) : Optional.empty(),
                StreamPosition.of(gap.getTo()), gap.hasLost() ? OptionalLong.of(gap.getLost()) : OptionalLong.empty());
    }
}
