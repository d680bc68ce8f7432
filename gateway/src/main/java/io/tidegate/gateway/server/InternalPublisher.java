package io.tidegate.gateway.server;

import io.tidegate.gateway.dispatch.IngressDispatcher;
import io.tidegate.gateway.market.MarketDataTap;
import io.tidegate.gateway.security.TopicAccess;
import io.tidegate.gateway.server.limits.StreamLimiter;
import io.tidegate.gateway.telemetry.GatewayTracing;
import io.tidegate.proto.v1.Message;
import io.tidegate.proto.v1.PublishResult;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes messages the gateway itself makes (derived signals) through the same validation,
 * tracing, priority lanes and backend as client publishes, without client limits. Never blocks;
 * a publish the gateway cannot take (queue full, shutting down, invalid) is counted and logged,
 * since there is no client to answer. Thread-safe.
 */
public final class InternalPublisher {

    private static final Logger log = LoggerFactory.getLogger(InternalPublisher.class);

    private final BatchPublisher publisher;
    private final AtomicLong failed = new AtomicLong();
    private final Consumer<List<PublishResult>> onResults = this::onResults;

    public InternalPublisher(MessageValidatorFactory validators, IngressDispatcher dispatcher, GatewayTracing tracing) {
        this(validators, dispatcher, tracing, MarketDataTap.none());
    }

    /**
     * @param tap shown what this publisher accepts, as the client path's tap is (benchmarks feed
     *            quotes through here to measure the whole publish path without gRPC)
     */
    public InternalPublisher(MessageValidatorFactory validators, IngressDispatcher dispatcher, GatewayTracing tracing,
                             MarketDataTap tap) {
        this.publisher = new BatchPublisher(validators.create(), dispatcher, tracing, tap, TopicAccess.OPEN);
    }

    /** Queues one message for the backend; may start a trace (sampling permitting). */
    public void publish(Message message) {
        publisher.publish(List.of(message), Caller.GATEWAY, StreamLimiter.UNLIMITED, null, true, onResults);
    }

    /** Messages this publisher could not get stored. */
    public long failed() {
        return failed.get();
    }

    private void onResults(List<PublishResult> results) {
        for (PublishResult r : results) {
            if (r.hasError() && failed.getAndIncrement() % 1000 == 0) {
                log.warn("gateway-made message {} was not stored: {}; {} such so far", r.getMessageId(),
                        r.getError().getMessage(), failed.get());
            }
        }
    }
}
