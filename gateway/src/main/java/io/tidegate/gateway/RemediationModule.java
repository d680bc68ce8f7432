package io.tidegate.gateway;

import com.google.inject.AbstractModule;
import com.google.inject.Provides;
import com.google.inject.name.Named;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.metrics.LongCounter;
import io.tidegate.gateway.backend.Backend;
import io.tidegate.gateway.config.GatewayConfig;
import io.tidegate.gateway.monitoring.HealthView;
import io.tidegate.gateway.remediation.ActionCounter;
import io.tidegate.gateway.remediation.ActionGuard;
import io.tidegate.gateway.remediation.IdleSubscriberWatchdog;
import io.tidegate.gateway.remediation.ReaderStallWatchdog;
import io.tidegate.gateway.remediation.RecentActions;
import io.tidegate.gateway.remediation.Remediation;
import io.tidegate.gateway.remediation.SpoolShedding;
import io.tidegate.gateway.remediation.UnfixedConditionReport;
import io.tidegate.gateway.remediation.Watchdog;
import io.tidegate.gateway.resilience.ResilientBackend;
import io.tidegate.gateway.server.GatewayServer;
import io.tidegate.gateway.server.RiskGate;
import io.tidegate.otel.Telemetry;
import jakarta.inject.Singleton;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;

/**
 * Wires automatic remediation ({@code remediation.*}): the guard of each action (switch, rate
 * limit, log, {@code tidegate_remediation_actions_total}), the watchdogs over the Redis read
 * loops, the spool, the client streams and the components' health, and the spool shedding in
 * front of the publish path's risk gate ({@link #PUBLISH_GATE}).
 */
final class RemediationModule extends AbstractModule {

    /** The gate the server asks for every client publish: spool shedding, then the risk gate. */
    static final String PUBLISH_GATE = "publish-gate";
    static final String RESTART_READER = "restart-reader";
    static final String SHED_AT_SPOOL = "shed-at-spool";
    static final String CLOSE_IDLE_SUBSCRIBER = "close-idle-subscriber";

    private static final AttributeKey<String> ACTION = AttributeKey.stringKey("action");
    private static final AttributeKey<String> OUTCOME = AttributeKey.stringKey("outcome");

    private final GatewayConfig.Remediation config;

    RemediationModule(GatewayConfig.Remediation config) {
        this.config = config;
    }

    @Override
    protected void configure() {
    }

    @Provides
    @Singleton
    RecentActions recent() {
        return new RecentActions(config.recent());
    }

    @Provides
    @Singleton
    ActionCounter counter(Telemetry telemetry) {
        LongCounter counter = telemetry.getMeterProvider().get("io.tidegate.gateway")
                .counterBuilder("tidegate.remediation.actions").setUnit("{action}")
                .setDescription("Remediation actions by action and outcome (done, failed, rate_limited; reported: "
                        + "seen and not fixed)").build();
        for (String action : List.of(RESTART_READER, SHED_AT_SPOOL, CLOSE_IDLE_SUBSCRIBER)) {
            counter.add(0, Attributes.of(ACTION, action, OUTCOME, "done"));
        }
        counter.add(0, Attributes.of(ACTION, "report", OUTCOME, "reported"));
        return (action, outcome) -> counter.add(1, Attributes.of(ACTION, action, OUTCOME, outcome));
    }

    @Provides
    @Singleton
    SpoolShedding shedding(RiskGate risk, @Named(BackendStackModule.STORE) Backend store, GatewayConfig whole,
                           ActionCounter counter, RecentActions recent) {
        ResilientBackend resilient = store instanceof ResilientBackend r ? r : null;
        GatewayConfig.Shedding s = config.shedAtSpool();
        return new SpoolShedding(risk, () -> resilient == null ? 0 : resilient.stats().spoolBytes(),
                resilient == null ? 0 : whole.resilience().spool().maxBytes(), s.bulkAbove(), s.lowAbove(),
                s.resumeBelow(), guard(SHED_AT_SPOOL, s.enabled(), counter, recent));
    }

    @Provides
    @Named(PUBLISH_GATE)
    RiskGate publishGate(SpoolShedding shedding, RiskGate risk) {
        return config.enabled() && config.shedAtSpool().enabled() ? shedding : risk;
    }

    @Provides
    @Singleton
    Remediation remediation(RedisReadLoops loops, @Named(BackendStackModule.STORE) Backend store,
                            GatewayServer server, SpoolShedding shedding, HealthView health, ActionCounter counter,
                            RecentActions recent) {
        List<Watchdog> watchdogs = new ArrayList<>();
        if (config.enabled()) {
            watchdogs.add(new ReaderStallWatchdog(loops, () -> store.isReady() && store.degradedReason() == null
                    && loops.readsHealthy(),
                    config.restartReader().after(),
                    guard(RESTART_READER, config.restartReader().enabled(), counter, recent)));
            watchdogs.add(shedding);
            watchdogs.add(new IdleSubscriberWatchdog(server, config.closeIdleSubscriber().after(),
                    guard(CLOSE_IDLE_SUBSCRIBER, config.closeIdleSubscriber().enabled(), counter, recent)));
            watchdogs.add(new UnfixedConditionReport(health, config.reportAfter(), counter, recent, Clock.systemUTC()));
        }
        return new Remediation(watchdogs, config.checkInterval(), recent).start();
    }

    private ActionGuard guard(String action, boolean enabled, ActionCounter counter, RecentActions recent) {
        return new ActionGuard(action, config.enabled() && enabled, config.maxActions(), config.per(), counter, recent,
                Clock.systemUTC());
    }
}
