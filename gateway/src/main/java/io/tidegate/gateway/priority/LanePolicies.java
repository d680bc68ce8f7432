package io.tidegate.gateway.priority;

import io.tidegate.gateway.config.GatewayConfig;
import io.tidegate.intelligence.scheduling.KeyOrderedLanes;
import io.tidegate.intelligence.scheduling.PolicyFactory;
import io.tidegate.intelligence.scheduling.PolicyKind;
import io.tidegate.intelligence.scheduling.QTable;
import io.tidegate.intelligence.scheduling.SafetyRails;
import io.tidegate.intelligence.scheduling.SchedulingConfig;

/**
 * Makes the configured {@code dispatch.policy}, inside its safety rails, and the
 * {@link KeyOrderedLanes} it drains, for the ingress lanes and for each stream's outbound lanes.
 * The learned table is read once and shared (it is only read). Thread-safe; each policy and
 * lane set made is then owned by whoever guards those lanes.
 */
public final class LanePolicies {

    /** Waiting messages per class a stream's strict shadow remembers: streams are many, so less than ingress. */
    static final int OUTBOUND_SHADOW_CAPACITY = 1024;

    private final GatewayConfig.Scheduling scheduling;
    private final SchedulingConfig outboundSettings;
    private final QTable table;
    private final PolicyFallbacks fallbacks;

    public LanePolicies(GatewayConfig.Scheduling scheduling, PolicyFallbacks fallbacks) {
        this(scheduling, fallbacks, scheduling.policy() == PolicyKind.LEARNED ? QTable.shipped() : null);
    }

    /** As configured, with {@code table} instead of the shipped one for {@code learned}; for tests. */
    public LanePolicies(GatewayConfig.Scheduling scheduling, PolicyFallbacks fallbacks, QTable table) {
        this.scheduling = scheduling;
        SchedulingConfig s = scheduling.settings();
        this.outboundSettings = new SchedulingConfig(s.classes(), s.criticalMaxBypass(), s.watchdogWindowNanos(),
                s.watchdogWindows(), s.watchdogTolerance(), Math.min(s.shadowCapacity(), OUTBOUND_SHADOW_CAPACITY),
                s.watchdogWindowMessages());
        this.table = table;
        this.fallbacks = fallbacks;
    }

    /** Strict priority with the default settings and rails, for tests and embedded use. */
    public static LanePolicies strictDefaults() {
        return new LanePolicies(GatewayConfig.Scheduling.defaults(), new PolicyFallbacks());
    }

    /** A fresh railed policy for the ingress lanes. */
    public SafetyRails ingressPolicy() {
        return PolicyFactory.create(scheduling.policy(), scheduling.settings(), table, fallbacks.ingress());
    }

    /** A fresh railed policy for one stream's outbound lanes. */
    public SafetyRails outboundPolicy() {
        return PolicyFactory.create(scheduling.policy(), outboundSettings, table, fallbacks.outbound());
    }

    /** Empty lanes judging lateness by the configured deadlines. */
    public <M> KeyOrderedLanes<M> newLanes() {
        return new KeyOrderedLanes<>(scheduling.settings());
    }

    /** The per-class settings (deadlines, weights, maximum waits). */
    public SchedulingConfig settings() {
        return scheduling.settings();
    }

    /** The configured policy. */
    public PolicyKind kind() {
        return scheduling.policy();
    }

    /** Where fallbacks are counted. */
    public PolicyFallbacks fallbacks() {
        return fallbacks;
    }
}
