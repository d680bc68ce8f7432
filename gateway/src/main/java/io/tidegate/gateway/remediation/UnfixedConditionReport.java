package io.tidegate.gateway.remediation;

import io.tidegate.gateway.monitoring.ComponentHealth;
import io.tidegate.gateway.monitoring.HealthView;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What remediation sees but has no action for: a component that is not up (Redis unreachable, a
 * breaker open, a stale feed) for {@code report-after} is logged once per episode, counted
 * {@code outcome="reported"} and listed as reported, not fixed. Called from the remediation
 * thread only.
 */
public final class UnfixedConditionReport implements Watchdog {

    static final String ACTION = "report";
    private static final Logger LOG = LoggerFactory.getLogger(UnfixedConditionReport.class);

    private final HealthView health;
    private final long reportAfterMillis;
    private final ActionCounter counter;
    private final RecentActions recent;
    private final Clock clock;
    /** When each component not up was first seen so; confined to the remediation thread. */
    private final Map<String, Long> since = new HashMap<>();
    private final Set<String> reported = new HashSet<>();

    public UnfixedConditionReport(HealthView health, Duration reportAfter, ActionCounter counter, RecentActions recent,
                                  Clock clock) {
        this.health = health;
        this.reportAfterMillis = reportAfter.toMillis();
        this.counter = counter;
        this.recent = recent;
        this.clock = clock;
    }

    @Override
    public void check() {
        long now = clock.millis();
        Set<String> notUp = new HashSet<>();
        for (ComponentHealth c : health.components()) {
            if (c.state() == ComponentHealth.State.UP) {
                continue;
            }
            notUp.add(c.component());
            long first = since.computeIfAbsent(c.component(), k -> now);
            if (now - first >= reportAfterMillis && reported.add(c.component())) {
                String why = c.component() + " " + c.state().name().toLowerCase(java.util.Locale.ROOT) + " for "
                        + Duration.ofMillis(now - first).toString().substring(2).toLowerCase(java.util.Locale.ROOT) + ": "
                        + c.reason() + "; no automatic action for this";
                LOG.warn("remediation: reported, not fixed: {}", why);
                counter.count(ACTION, "reported");
                recent.add(new RemediationRecord(now, ACTION, "reported", c.component(), why));
            }
        }
        since.keySet().retainAll(notUp);
        reported.removeIf(c -> {
            if (notUp.contains(c)) {
                return false;
            }
            LOG.info("remediation: {} is up again", c);
            return true;
        });
    }
}
