package io.tidegate.gateway;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.metrics.Meter;
import io.tidegate.gateway.config.GatewayConfig;
import io.tidegate.gateway.console.ReplicaView;
import io.tidegate.gateway.telemetry.GatewayMetrics;
import io.tidegate.gateway.telemetry.TopicTraffic;
import io.tidegate.otel.Telemetry;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;

/**
 * Gauges behind the console's views: traffic per topic ({@code tidegate.topic.messages.in},
 * {@code tidegate.topic.messages.out}, {@code tidegate.topic.last_message.age}; at most
 * {@code console.max-topics} topics) and the gateways sharing this bus, up or gone
 * ({@code tidegate.replicas}).
 *
 * <p>Read when metrics are collected (a {@code /metrics} scrape or an OTLP push), never on the hot
 * path; registered at the composition root, so no package reads another's internals for
 * metrics. Thread-safe.
 */
@Singleton
final class ConsoleGauges {

    private static final AttributeKey<String> STATE = AttributeKey.stringKey("state");
    private static final AttributeKey<String> TOPIC_KIND = AttributeKey.stringKey("topic_kind");
    private static final AttributeKey<String> VENUE = AttributeKey.stringKey("venue");
    private static final AttributeKey<String> INSTRUMENT = AttributeKey.stringKey("instrument");

    @Inject
    ConsoleGauges(Telemetry telemetry, GatewayMetrics metrics, ReplicaView replicas, GatewayConfig config) {
        Meter meter = telemetry.getMeterProvider().get("io.tidegate.gateway");
        registerTopics(meter, metrics.traffic());
        registerReplicas(meter, replicas, config.gatewayId(), config.console().announceInterval());
    }

    /** Per topic (at most console.max-topics, the rest as "other"), labelled by kind, venue and instrument. */
    private static void registerTopics(Meter meter, TopicTraffic traffic) {
        meter.counterBuilder("tidegate.topic.messages.in").setUnit("{message}")
                .setDescription("Messages handed to the backend per topic, labelled topic_kind (segments 0-1), venue "
                        + "(segment 2) and instrument (segment 3 on); at most console.max-topics topics, the rest as other")
                .buildWithCallback(m -> traffic.snapshot().forEach(r -> m.record(r.in(), topicAttributes(r))));
        meter.counterBuilder("tidegate.topic.messages.out").setUnit("{message}")
                .setDescription("Messages written to subscriber streams per topic, labelled like tidegate.topic.messages.in")
                .buildWithCallback(m -> traffic.snapshot().forEach(r -> m.record(r.out(), topicAttributes(r))));
        meter.gaugeBuilder("tidegate.topic.last_message.age").setUnit("s")
                .setDescription("Seconds since the topic's last message in or out (a stale feed grows here)")
                .buildWithCallback(m -> {
                    long now = System.currentTimeMillis();
                    traffic.snapshot().forEach(r -> m.record(
                            Math.max(0, now - Math.max(r.lastInMillis(), r.lastOutMillis())) / 1000.0, topicAttributes(r)));
                });
    }

    private static Attributes topicAttributes(TopicTraffic.Row r) {
        String[] parts = r.segments();
        return Attributes.of(TOPIC_KIND, parts[0], VENUE, parts[1], INSTRUMENT, parts[2]);
    }

    private static void registerReplicas(Meter meter, ReplicaView replicas, String self, java.time.Duration announceInterval) {
        Attributes up = Attributes.of(STATE, "up");
        Attributes gone = Attributes.of(STATE, "gone");
        meter.gaugeBuilder("tidegate.replicas").ofLongs().setUnit("{gateway}")
                .setDescription("Gateways sharing this bus as this replica last read their announcements: up, or gone "
                        + "(not heard for 3 console.announce-interval); memory backend: this one")
                .buildWithCallback(m -> {
                    long now = System.currentTimeMillis();
                    long others = 0;
                    long gones = 0;
                    for (ReplicaView.Replica r : replicas.replicas()) {
                        if (!r.gatewayId().equals(self)) {
                            others++;
                            gones += ReplicaView.gone(r, now, announceInterval) ? 1 : 0;
                        }
                    }
                    m.record(1 + others - gones, up); // this replica is up while it answers
                    m.record(gones, gone);
                });
    }
}
