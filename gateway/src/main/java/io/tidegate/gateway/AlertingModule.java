package io.tidegate.gateway;

import com.google.inject.AbstractModule;
import com.google.inject.Provides;
import com.google.inject.multibindings.Multibinder;
import com.google.protobuf.ByteString;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.metrics.Meter;
import io.opentelemetry.exporter.prometheus.PrometheusMetricReader;
import io.tidegate.gateway.alerting.AlertCoordination;
import io.tidegate.gateway.alerting.Alerting;
import io.tidegate.gateway.alerting.AlertsApi;
import io.tidegate.gateway.alerting.Channel;
import io.tidegate.gateway.alerting.DefaultRules;
import io.tidegate.gateway.alerting.LocalCoordination;
import io.tidegate.gateway.alerting.LogChannel;
import io.tidegate.gateway.alerting.PrometheusSamples;
import io.tidegate.gateway.alerting.RedisCoordination;
import io.tidegate.gateway.alerting.TopicChannel;
import io.tidegate.gateway.alerting.WebhookChannel;
import io.tidegate.gateway.config.GatewayConfig;
import io.tidegate.gateway.monitoring.AdminRoute;
import io.tidegate.gateway.monitoring.HealthView;
import io.tidegate.gateway.server.InternalPublisher;
import io.tidegate.otel.Telemetry;
import io.tidegate.proto.v1.Message;
import io.tidegate.proto.v1.Priority;
import jakarta.inject.Inject;
import jakarta.inject.Provider;
import jakarta.inject.Singleton;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Wires alerting ({@code ops.alerts.*}): the rules (built-in and configured), this replica's
 * metrics and health as their input, the coordination (a Redis lease with the Redis backend,
 * else local), the channels (log, webhook, {@code ops.alerts.<severity>} topics through the
 * {@link InternalPublisher}), the {@code /api/alerts} and {@code /api/silences} routes and the
 * alerting metrics.
 */
final class AlertingModule extends AbstractModule {

    private static final AttributeKey<String> STATE = AttributeKey.stringKey("state");
    private static final AttributeKey<String> COMPONENT = AttributeKey.stringKey("component");

    @Override
    protected void configure() {
        bind(HealthView.class).to(GatewayHealth.class);
        Multibinder<AdminRoute> routes = Multibinder.newSetBinder(binder(), AdminRoute.class);
        routes.addBinding().toProvider(AlertsRoute.class);
        routes.addBinding().toProvider(SilencesRoute.class);
    }

    /** {@code /api/alerts}. */
    static final class AlertsRoute implements Provider<AdminRoute> {
        private final AlertsApi api;

        @Inject
        AlertsRoute(AlertsApi api) {
            this.api = api;
        }

        @Override
        public AdminRoute get() {
            return api.alertsRoute();
        }
    }

    /** {@code /api/silences}. */
    static final class SilencesRoute implements Provider<AdminRoute> {
        private final AlertsApi api;

        @Inject
        SilencesRoute(AlertsApi api) {
            this.api = api;
        }

        @Override
        public AdminRoute get() {
            return api.silencesRoute();
        }
    }

    @Provides
    @Singleton
    AlertsApi api(Alerting alerting) {
        return new AlertsApi(alerting);
    }

    @Provides
    @Singleton
    Alerting alerting(GatewayConfig config, PrometheusMetricReader metrics, HealthView health,
                      InternalPublisher publisher, Telemetry telemetry) {
        GatewayConfig.Alerts alerts = config.ops().alerts();
        AlertCoordination coordination = alerts.enabled() && config.backend().type() == GatewayConfig.BackendType.REDIS
                ? new RedisCoordination(config.backend().redis(), config.gatewayId(), alerts.leaseTime())
                : new LocalCoordination();
        List<Channel> channels = new ArrayList<>();
        channels.add(new LogChannel());
        channels.add(new TopicChannel(topicPublisher(publisher, config.gatewayId())));
        if (!alerts.webhook().url().isEmpty()) {
            channels.add(new WebhookChannel(alerts.webhook(), alerts.groupBy(), "/api/alerts"));
        }
        Alerting alerting = new Alerting(alerts, alerts.enabled() ? DefaultRules.with(alerts) : List.of(),
                config.gatewayId(), new PrometheusSamples(metrics), health, coordination, channels, Clock.systemUTC());
        register(telemetry.getMeterProvider().get("io.tidegate.gateway"), alerting, health);
        if (alerts.enabled()) {
            alerting.start();
        }
        return alerting;
    }

    /** An alert message: JSON, ordered per alert, as urgent as its severity. */
    private static java.util.function.BiConsumer<String, byte[]> topicPublisher(InternalPublisher publisher,
                                                                              String gatewayId) {
        AtomicLong sequence = new AtomicLong();
        return (topic, payload) -> {
            long now = System.currentTimeMillis() * 1_000_000L;
            publisher.publish(Message.newBuilder()
                    .setId(gatewayId + "-alert-" + now + "-" + sequence.incrementAndGet())
                    .setTopic(topic)
                    .setPriority(topic.endsWith(".page") || topic.endsWith(".critical") ? Priority.PRIORITY_CRITICAL
                            : topic.endsWith(".warning") ? Priority.PRIORITY_HIGH : Priority.PRIORITY_NORMAL)
                    .setContentType("application/json")
                    .setPayload(ByteString.copyFrom(payload))
                    .setTsEvent(now)
                    .setTsInit(now)
                    .build());
        };
    }

    private static void register(Meter meter, Alerting alerting, HealthView health) {
        meter.gaugeBuilder("tidegate.health").ofLongs()
                .setDescription("Health of each component: 0 up, 1 degraded, 2 down (reasons: /healthz?verbose)")
                .buildWithCallback(m -> health.components().forEach(c -> m.record(c.state().ordinal(),
                        Attributes.of(COMPONENT, c.component()))));
        meter.gaugeBuilder("tidegate.alerts").ofLongs().setUnit("{alert}")
                .setDescription("Alerts by state (pending, firing, resolved) on the replica that evaluates them")
                .buildWithCallback(m -> alerting.countsByState().forEach((state, n) -> m.record(n, Attributes.of(STATE, state))));
        meter.gaugeBuilder("tidegate.alerts.leader").ofLongs()
                .setDescription("1 while this replica holds the alert lease and evaluates the alert rules")
                .buildWithCallback(m -> m.record(alerting.leading() ? 1 : 0));
    }
}
