package io.tidegate.gateway;

import com.google.inject.AbstractModule;
import com.google.inject.Provides;
import com.google.inject.multibindings.Multibinder;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.metrics.Meter;
import io.tidegate.gateway.config.GatewayConfig;
import io.tidegate.gateway.dispatch.IngressDispatcher;
import io.tidegate.gateway.monitoring.AdminRoute;
import io.tidegate.gateway.server.ReadAhead;
import io.tidegate.gateway.telemetry.GatewayMetrics;
import io.tidegate.gateway.tuning.ThroughputObjective;
import io.tidegate.gateway.tuning.Tunable;
import io.tidegate.gateway.tuning.TuningApi;
import io.tidegate.gateway.tuning.TuningController;
import io.tidegate.otel.Telemetry;
import jakarta.inject.Inject;
import jakarta.inject.Provider;
import jakarta.inject.Singleton;
import java.util.ArrayList;
import java.util.List;

/**
 * Wires adaptive tuning ({@code tuning.*}): the tunables (the subscriptions' {@link ReadAhead},
 * {@code dispatch.max-batch} and the ingress class batch floor of the {@link IngressDispatcher};
 * with the Redis backend its read count), each with the stage it acts on; the objective (the
 * dispatch and delivery rates, penalised by the CRITICAL and HIGH deadlines); the controller
 * (started when {@code tuning.enabled}); the {@code /admin/tuning} route and the tuning metrics.
 */
final class TuningModule extends AbstractModule {

    static final String MAX_BATCH = "dispatch.max-batch";
    static final String CLASS_BATCH = "dispatch.class-batch-floor";
    static final String READ_COUNT = "backend.redis.read-count";
    static final String READ_AHEAD = "delivery.read-ahead-messages";
    private static final AttributeKey<String> SETTING = AttributeKey.stringKey("setting");
    private static final AttributeKey<String> OUTCOME = AttributeKey.stringKey("outcome");

    @Override
    protected void configure() {
        Multibinder.newSetBinder(binder(), AdminRoute.class).addBinding().toProvider(TuningRoute.class);
    }

    /** {@code /admin/tuning}. */
    static final class TuningRoute implements Provider<AdminRoute> {
        private final TuningApi api;

        @Inject
        TuningRoute(TuningApi api) {
            this.api = api;
        }

        @Override
        public AdminRoute get() {
            return api.route();
        }
    }

    @Provides
    @Singleton
    TuningApi api(TuningController controller, GatewayConfig config) {
        return new TuningApi(controller, config.tuning().enabled());
    }

    @Provides
    @Singleton
    TuningController controller(GatewayConfig config, IngressDispatcher dispatcher, ReadAhead readAhead,
                                RedisReadCount readCount, GatewayMetrics metrics, Telemetry telemetry) {
        GatewayConfig.Tuning tuning = config.tuning();
        // read sizes first: against a far backend they bound the rate by multiples
        List<Tunable> tunables = new ArrayList<>(List.of(
                new Tunable(READ_AHEAD, Tunable.Stage.DELIVERY, tuning.readAhead().min(), tuning.readAhead().max(),
                        readAhead::messages, readAhead::messages),
                new Tunable(MAX_BATCH, Tunable.Stage.INGRESS, tuning.maxBatch().min(), tuning.maxBatch().max(),
                        dispatcher::maxBatch, dispatcher::maxBatch)));
        if (config.backend().type() == GatewayConfig.BackendType.REDIS) {
            tunables.add(new Tunable(READ_COUNT, Tunable.Stage.DELIVERY, tuning.readCount().min(), tuning.readCount().max(),
                    readCount::get, readCount::set));
        }
        tunables.add(new Tunable(CLASS_BATCH, Tunable.Stage.INGRESS, tuning.classBatch().min(), tuning.classBatch().max(),
                dispatcher::classBatchFloor, dispatcher::classBatchFloor));
        var classes = config.dispatch().scheduling().settings();
        var objective = new ThroughputObjective(dispatcher, metrics::delivered, classes.of(0).deadlineNanos(),
                classes.of(1).deadlineNanos(), System::nanoTime);
        TuningController controller = new TuningController(tuning, tunables, objective, System::nanoTime);
        register(telemetry.getMeterProvider().get("io.tidegate.gateway"), controller);
        if (tuning.enabled()) {
            controller.start();
        }
        return controller;
    }

    private static void register(Meter meter, TuningController controller) {
        meter.gaugeBuilder("tidegate.tuning.value").ofLongs()
                .setDescription("The live value of each setting the tuning controller may move (tuning.*)")
                .buildWithCallback(m -> controller.settings().forEach(s -> m.record(s.value(), Attributes.of(SETTING, s.name()))));
        meter.counterBuilder("tidegate.tuning.steps").setUnit("{step}")
                .setDescription("Tuning steps tried per setting: kept (the objective improved) or reverted")
                .buildWithCallback(m -> controller.settings().forEach(s -> {
                    m.record(s.kept(), Attributes.of(SETTING, s.name(), OUTCOME, "kept"));
                    m.record(s.reverted(), Attributes.of(SETTING, s.name(), OUTCOME, "reverted"));
                }));
    }
}
