package io.tidegate.gateway.regime;

import io.tidegate.gateway.backend.AppendResult;
import io.tidegate.gateway.backend.Envelope;
import io.tidegate.gateway.dispatch.IngressDispatcher;
import io.tidegate.gateway.dispatch.PendingPublish;
import io.tidegate.gateway.routing.InvalidTopicException;
import io.tidegate.gateway.routing.TopicName;
import io.tidegate.intelligence.regime.RegimeChange;
import io.tidegate.intelligence.regime.RegimeListener;
import io.tidegate.proto.v1.Message;
import io.tidegate.proto.v1.Priority;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where a {@link RegimeChange} goes: published as a {@code tidegate.market.v1.RegimeChange} on
 * {@code intel.regime.<VENUE>.<SYMBOL>} through the ingress queues (priority HIGH, ordering key the
 * instrument id {@code <SYMBOL>.<VENUE>}, so one instrument's changes stay in order), and handed to the
 * WatchRegimes watchers. Nothing here waits: the queues answer at once, and a change they refuse (full,
 * draining) or the backend fails is counted, not retried; GetRegime still answers it.
 *
 * <p>Threading: called on the thread that feeds the regime book (the market tap's), one change at a time.
 */
public final class RegimePublisher implements RegimeListener {

    static final String CONTENT_TYPE = "application/x-protobuf; type=tidegate.market.v1.RegimeChange";
    private static final Logger log = LoggerFactory.getLogger(RegimePublisher.class);

    private final String gatewayId;
    private final IngressDispatcher dispatcher;
    private final RegimeWatchers watchers;
    private final RegimeCounters counters;
    private final int maxTopicLength;
    private final Clock clock;
    private final PendingPublish.PublishCallback outcome = new Outcome();
    private long sequence;

    /**
     * @param gatewayId      names the published messages' ids ({@code <gateway-id>-regime-<n>})
     * @param maxTopicLength {@code limits.max-topic-length}: an instrument whose regime topic would be
     *                       longer is not published (counted)
     */
    public RegimePublisher(String gatewayId, IngressDispatcher dispatcher, RegimeWatchers watchers,
                           RegimeCounters counters, int maxTopicLength, Clock clock) {
        this.gatewayId = gatewayId;
        this.dispatcher = dispatcher;
        this.watchers = watchers;
        this.counters = counters;
        this.maxTopicLength = maxTopicLength;
        this.clock = clock;
    }

    @Override
    public void onRegimeChange(RegimeChange change) {
        counters.changed(change.regime());
        io.tidegate.proto.market.v1.RegimeChange wire = RegimeWire.toProto(change);
        watchers.publish(wire);
        publish(change, wire);
    }

    private void publish(RegimeChange change, io.tidegate.proto.market.v1.RegimeChange wire) {
        String topic = "intel.regime." + change.venue() + "." + change.symbol();
        try {
            TopicName.validate(topic, maxTopicLength);
        } catch (InvalidTopicException e) {
            counters.unpublished();
            log.debug("regime change of {}.{} not published: {}", change.venue(), change.symbol(), e.getMessage());
            return;
        }
        long now = nowNanos();
        Message message = Message.newBuilder()
                .setId(gatewayId + "-regime-" + ++sequence)
                .setTopic(topic)
                .setPriority(Priority.PRIORITY_HIGH)
                .setOrderingKey(change.symbol() + "." + change.venue())
                .setPayload(wire.toByteString())
                .setContentType(CONTENT_TYPE)
                .setTsEvent(change.sinceTsEvent())
                .setTsInit(now)
                .build();
        Envelope envelope = new Envelope(message, message.getOrderingKey(), now);
        if (dispatcher.offer(List.of(new PendingPublish(envelope, outcome))) != IngressDispatcher.Offer.QUEUED) {
            counters.unpublished();
        }
    }

    private long nowNanos() {
        Instant now = clock.instant();
        return now.getEpochSecond() * 1_000_000_000L + now.getNano();
    }

    /** Counts failed appends; runs on a backend thread. */
    private final class Outcome implements PendingPublish.PublishCallback {
        @Override
        public void onAppended(AppendResult result) {
            // stored: subscribers of intel.regime.> get it from the backend
        }

        @Override
        public void onFailed(Throwable cause) {
            counters.unpublished();
            log.debug("regime change not published: {}", cause.toString());
        }
    }
}
