package io.tidegate.gateway.alerting;

import io.tidegate.gateway.config.GatewayConfig;
import io.tidegate.gateway.config.GatewayConfig.AlertRule;
import io.tidegate.gateway.config.GatewayConfig.ConditionKind;
import io.tidegate.gateway.config.GatewayConfig.Severity;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The built-in rules ({@code ops.alerts.defaults-enabled}) that matter on a trading bus; a rule
 * of {@code ops.alerts.rules} with the same name replaces one. {@code deploy/prometheus/tidegate-alerts.yml}
 * holds their Prometheus equivalents (their {@code keep_firing_for} is the default
 * {@code ops.alerts.resolve-after}). Stateless.
 */
public final class DefaultRules {

    private DefaultRules() {
    }

    /** The built-in rules followed by the configured ones (a configured rule replaces a built-in of its name). */
    public static List<AlertRule> with(GatewayConfig.Alerts config) {
        List<AlertRule> out = new ArrayList<>();
        if (config.defaultsEnabled()) {
            for (AlertRule builtIn : builtIn(config)) {
                if (config.rules().stream().noneMatch(r -> r.name().equals(builtIn.name()))) {
                    out.add(builtIn);
                }
            }
        }
        out.addAll(config.rules());
        return out;
    }

    /** The built-in rules with these settings, whether or not they are enabled. */
    public static List<AlertRule> builtIn(GatewayConfig.Alerts c) {
        return List.of(
                rule(c, "FeedStale", ConditionKind.STALE, "tidegate_messages_in_total", Map.of(), List.of("topic_class"),
                        0, c.feedStaleAfter(), Duration.ZERO, Severity.CRITICAL,
                        "no message on {{topic_class}}.* for " + human(c.feedStaleAfter()) + " (it had traffic before)"),
                rule(c, "GroupLagGrowing", ConditionKind.GROWING, "tidegate_consumer_lag", Map.of(), List.of("group"),
                        0, Duration.ofMinutes(1), Duration.ofMinutes(2), Severity.WARNING,
                        "consumer group {{group}} lags {{value}} entries and the lag keeps growing"),
                rule(c, "SubscriberStalled", ConditionKind.ABOVE, "tidegate_subscribers_stalled", Map.of(), List.of(),
                        0, Duration.ofMinutes(1), Duration.ZERO, Severity.WARNING,
                        "{{value}} subscriber stream(s) hold deliveries but have not read"),
                // not closed rather than open: an open breaker goes half-open and back while the
                // backend stays away, and the alert must not flap with it
                rule(c, "BreakerOpen", ConditionKind.BELOW, "tidegate_breaker_state", Map.of("state", "closed"),
                        List.of("backend", "breaker"), 1, Duration.ofMinutes(1), Duration.ZERO, Severity.CRITICAL,
                        "the {{breaker}} circuit breaker of backend {{backend}} is not closed (open or half-open)"),
                rule(c, "Spooling", ConditionKind.ABOVE, "tidegate_spool_pending", Map.of(), List.of("backend"),
                        0, Duration.ofMinutes(1), Duration.ofSeconds(10), Severity.WARNING,
                        "{{value}} publishes wait in the disk spool for backend {{backend}}"),
                rule(c, "SpoolHalfFull", ConditionKind.ABOVE, "tidegate_spool_fill_ratio", Map.of(), List.of("backend"),
                        0.5, Duration.ofMinutes(1), Duration.ZERO, Severity.CRITICAL,
                        "the disk spool is {{value}} full (resilience.spool.max-bytes)"),
                rule(c, "SpoolNearlyFull", ConditionKind.ABOVE, "tidegate_spool_fill_ratio", Map.of(), List.of("backend"),
                        0.9, Duration.ofMinutes(1), Duration.ZERO, Severity.PAGE,
                        "the disk spool is {{value}} full; publishes are refused once it is full"),
                rule(c, "AuthFailuresSpiking", ConditionKind.INCREASE, "tidegate_auth_refusals_total", Map.of(),
                        List.of(), 20, Duration.ofMinutes(1), Duration.ZERO, Severity.WARNING,
                        "{{value}} refused authentications ({{reason}}) within a minute"),
                rule(c, "AclRefusalsSpiking", ConditionKind.INCREASE, "tidegate_acl_refusals_total", Map.of(),
                        List.of(), 20, Duration.ofMinutes(1), Duration.ZERO, Severity.WARNING,
                        "{{value}} ACL refusals ({{action}}) within a minute"),
                rule(c, "BackendDown", ConditionKind.HEALTH, "backend", Map.of(), List.of(), 1, Duration.ofMinutes(1),
                        Duration.ofSeconds(10), Severity.PAGE, "the backend is down: {{detail}}"));
    }

    private static AlertRule rule(GatewayConfig.Alerts c, String name, ConditionKind kind, String metric,
                                  Map<String, String> match, List<String> by, double threshold, Duration window,
                                  Duration forDuration, Severity severity, String summary) {
        return new AlertRule(name, kind, metric, match, by, threshold, window, forDuration, c.resolveAfter(), severity,
                Map.of(), summary, c.escalateAfter(), c.repeatInterval(), List.of());
    }

    private static String human(Duration d) {
        return d.toString().substring(2).toLowerCase(java.util.Locale.ROOT);
    }
}
