package io.tidegate.gateway.telemetry;

import io.opentelemetry.api.metrics.DoubleHistogram;
import io.opentelemetry.api.metrics.LongCounter;
import io.opentelemetry.api.metrics.Meter;
import io.opentelemetry.api.metrics.MeterProvider;
import io.opentelemetry.context.Context;
import io.tidegate.gateway.backend.Envelope;
import io.tidegate.gateway.backend.StoredMessage;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;

/**
 * The gateway's hot-path metrics: messages in (stored) and out (written to subscribers) per topic
 * class and priority, the publish-to-deliver latency and the ingress queueing delay per priority.
 * Gauges read on collection (queue depth, workers, breaker, spool, clients, consumer lag) are
 * registered by the composition root's {@code *Gauges} classes. With metrics off every method returns at once.
 * Measurements are recorded in the root context: they never carry exemplars (no span is current
 * where they are taken), and asking for the current context would cost a thread-local lookup
 * per measurement. Thread-safe.
 *
 * <p>Metric names (Prometheus names in brackets): {@code tidegate.messages.in}
 * [{@code tidegate_messages_in_total}], {@code tidegate.messages.out}
 * [{@code tidegate_messages_out_total}], {@code tidegate.publish_to_deliver.duration}
 * [{@code tidegate_publish_to_deliver_duration_seconds}], {@code tidegate.queue.delay}
 * [{@code tidegate_queue_delay_seconds}].
 */
public final class GatewayMetrics {

    static final List<Double> SECONDS_BUCKETS = List.of(0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
            0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0);

    /** Metrics that record nothing. */
    public static final GatewayMetrics OFF = new GatewayMetrics(MeterProvider.noop(), false, Clock.systemUTC(),
            TopicTraffic.NONE);


    private final boolean enabled;
    private final Clock clock;
    private final TopicClasses classes = new TopicClasses();
    private final LongCounter messagesIn;
    private final LongCounter messagesOut;
    private final DoubleHistogram publishToDeliver;
    private final DoubleHistogram queueDelay;
    private final TopicTraffic traffic;
    private final LongAdder deliveredTotal = new LongAdder();

    public GatewayMetrics(MeterProvider provider, boolean enabled, Clock clock) {
        this(provider, enabled, clock, TopicTraffic.NONE);
    }

    /**
     * @param traffic per-topic counts for the console; counted even with metrics off
     */
    public GatewayMetrics(MeterProvider provider, boolean enabled, Clock clock, TopicTraffic traffic) {
        this.enabled = enabled;
        this.clock = clock;
        this.traffic = traffic;
        Meter meter = provider.get("io.tidegate.gateway");
        messagesIn = meter.counterBuilder("tidegate.messages.in").setUnit("{message}")
                .setDescription("Messages handed to the backend, per topic class (first topic segment) and priority").build();
        messagesOut = meter.counterBuilder("tidegate.messages.out").setUnit("{message}")
                .setDescription("Messages written to subscriber streams, per topic class and priority").build();
        publishToDeliver = meter.histogramBuilder("tidegate.publish_to_deliver.duration").setUnit("s")
                .setDescription("From the gateway accepting a publish to writing it to a subscriber, per priority")
                .setExplicitBucketBoundariesAdvice(SECONDS_BUCKETS).build();
        queueDelay = meter.histogramBuilder("tidegate.queue.delay").setUnit("s")
                .setDescription("Time a publish waited in the ingress priority queues before its backend append, per priority")
                .setExplicitBucketBoundariesAdvice(SECONDS_BUCKETS).build();
    }

    /** A batch leaves the ingress queues for the backend. */
    public void appending(List<Envelope> batch) {
        for (Envelope e : batch) {
            traffic.in(e.message().getTopic());
        }
        if (!enabled) {
            return;
        }
        long now = nowNanos();
        for (Envelope e : batch) {
            var m = e.message();
            messagesIn.add(1, classes.of(m.getTopic(), m.getPriority()), Context.root());
            queueDelay.record(seconds(now - e.acceptedNanos()), TopicClasses.ofPriority(m.getPriority()), Context.root());
        }
    }

    /** A message is written to a subscriber's stream. */
    public void delivered(StoredMessage m) {
        deliveredTotal.increment();
        traffic.out(m.topic());
        if (!enabled) {
            return;
        }
        var msg = m.message();
        messagesOut.add(1, classes.of(m.topic(), msg.getPriority()), Context.root());
        publishToDeliver.record(seconds(nowNanos() - m.acceptedNanos()), TopicClasses.ofPriority(msg.getPriority()), Context.root());
    }

    /** Messages written to subscriber streams since start, counted even with metrics off. */
    public long delivered() {
        return deliveredTotal.sum();
    }

    /** The per-topic counts. */
    public TopicTraffic traffic() {
        return traffic;
    }

    private long nowNanos() {
        Instant now = clock.instant();
        return now.getEpochSecond() * 1_000_000_000L + now.getNano();
    }

    private static double seconds(long nanos) {
        return Math.max(0, nanos) / 1e9;
    }
}
