package io.tidegate.gateway;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.metrics.Meter;
import io.tidegate.gateway.risk.RiskRefusals;
import io.tidegate.gateway.security.AclRefusals;
import io.tidegate.gateway.security.AuthRefusals;
import io.tidegate.gateway.security.GatewaySecurity;
import io.tidegate.otel.Telemetry;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;

/**
 * Gauges of calls and messages this gateway refused: for want of valid credentials, per reason
 * ({@code tidegate.auth.refusals}), by the ACL, per action ({@code tidegate.acl.refusals}), and
 * orders the risk gate refused, per rule ({@code tidegate.risk.refusals}).
 *
 * <p>Read when metrics are collected (a {@code /metrics} scrape or an OTLP push), never on the hot
 * path; registered at the composition root, so no package reads another's internals for
 * metrics. Thread-safe.
 */
@Singleton
final class RefusalGauges {

    private static final AttributeKey<String> REASON = AttributeKey.stringKey("reason");
    private static final AttributeKey<String> ACTION = AttributeKey.stringKey("action");
    private static final AttributeKey<String> RULE = AttributeKey.stringKey("rule");

    @Inject
    RefusalGauges(Telemetry telemetry, GatewaySecurity security, RiskRefusals risk) {
        Meter meter = telemetry.getMeterProvider().get("io.tidegate.gateway");
        registerSecurity(meter, security.refusals());
        registerAcl(meter, security.aclRefusals());
        registerRisk(meter, risk);
    }

    private static void registerSecurity(Meter meter, AuthRefusals refusals) {
        meter.counterBuilder("tidegate.auth.refusals").setUnit("{call}")
                .setDescription("Calls refused for want of valid credentials (gRPC UNAUTHENTICATED, admin 401/403), per reason")
                .buildWithCallback(m -> refusals.counts().forEach((reason, n) -> m.record(n, Attributes.of(REASON, reason.label()))));
    }

    private static void registerAcl(Meter meter, AclRefusals refusals) {
        meter.counterBuilder("tidegate.acl.refusals").setUnit("{refusal}")
                .setDescription("Publishes, subscriptions and group joins refused by security.acl (PERMISSION_DENIED), per action")
                .buildWithCallback(m -> refusals.counts().forEach((action, n) -> m.record(n, Attributes.of(ACTION, action.label()))));
    }

    private static void registerRisk(Meter meter, RiskRefusals refusals) {
        meter.counterBuilder("tidegate.risk.refusals").setUnit("{order}")
                .setDescription("Orders and order messages refused by the pre-trade risk gate (risk.enabled), per rule")
                .buildWithCallback(m -> refusals.counts().forEach((rule, n) -> m.record(n, Attributes.of(RULE, rule.label()))));
    }
}
