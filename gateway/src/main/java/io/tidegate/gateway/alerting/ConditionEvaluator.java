package io.tidegate.gateway.alerting;

import io.tidegate.gateway.config.GatewayConfig.AlertRule;
import io.tidegate.gateway.config.GatewayConfig.ConditionKind;
import io.tidegate.gateway.monitoring.ComponentHealth;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Checks every rule's condition against this replica's metrics and component health, keeping
 * the short history that {@code increase}, {@code stale} and {@code growing} need (at most
 * {@code maxSeries} series per rule; further ones are skipped and logged once). Every replica
 * runs one, whether or not it holds the lease, so a replica that takes over has its history.
 *
 * <p>Threading: the alert thread only.
 */
public final class ConditionEvaluator {

    private static final Logger log = LoggerFactory.getLogger(ConditionEvaluator.class);

    private final List<AlertRule> rules;
    private final String gatewayId;
    private final int maxSeries;
    private final Map<String, Map<Map<String, String>, History>> histories = new HashMap<>();
    private final Set<String> overfullRules = new HashSet<>();

    public ConditionEvaluator(List<AlertRule> rules, String gatewayId, int maxSeries) {
        this.rules = List.copyOf(rules);
        this.gatewayId = gatewayId;
        this.maxSeries = maxSeries;
    }

    /** The series for which a condition holds now, each labelled with this replica's id. */
    public List<Observation> evaluate(Map<String, List<Sample>> metrics, List<ComponentHealth> health, long nowMillis) {
        List<Observation> out = new ArrayList<>();
        for (AlertRule rule : rules) {
            if (rule.condition() == ConditionKind.HEALTH) {
                for (ComponentHealth c : health) {
                    // up 0, degraded 1, down 2: the threshold picks which fire
                    int level = c.state().ordinal();
                    if (level > rule.threshold() && (rule.metric().equals("*") || rule.metric().equals(c.component()))) {
                        out.add(observation(rule, Map.of("component", c.component()), level, c.reason()));
                    }
                }
                continue;
            }
            Map<Map<String, String>, Double> series = series(rule, metrics.getOrDefault(rule.metric(), List.of()));
            Map<Map<String, String>, History> history = histories.computeIfAbsent(rule.name(), k -> new HashMap<>());
            history.keySet().retainAll(series.keySet());
            for (Map.Entry<Map<String, String>, Double> s : series.entrySet()) {
                if (holds(rule, s.getKey(), s.getValue(), history, nowMillis)) {
                    out.add(observation(rule, s.getKey(), s.getValue(), ""));
                }
            }
        }
        return out;
    }

    private Observation observation(AlertRule rule, Map<String, String> labels, double value, String detail) {
        Map<String, String> all = new TreeMap<>(labels);
        all.put("gateway", gatewayId);
        return new Observation(rule.name(), all, value, detail);
    }

    /** The rule's series: those matching {@code match}, summed per {@code by} labels when it names any. */
    private static Map<Map<String, String>, Double> series(AlertRule rule, List<Sample> samples) {
        Map<Map<String, String>, Double> out = new LinkedHashMap<>();
        for (Sample s : samples) {
            if (!matches(rule.match(), s.labels())) {
                continue;
            }
            Map<String, String> key;
            if (rule.by().isEmpty()) {
                key = s.labels();
            } else {
                key = new TreeMap<>();
                for (String l : rule.by()) {
                    key.put(l, s.labels().getOrDefault(l, ""));
                }
            }
            out.merge(Map.copyOf(key), s.value(), Double::sum);
        }
        return out;
    }

    static boolean matches(Map<String, String> matchers, Map<String, String> labels) {
        for (Map.Entry<String, String> m : matchers.entrySet()) {
            if (!m.getValue().equals(labels.get(m.getKey()))) {
                return false;
            }
        }
        return true;
    }

    private boolean holds(AlertRule rule, Map<String, String> labels, double value,
                          Map<Map<String, String>, History> histories, long now) {
        switch (rule.condition()) {
            case ABOVE:
                return value > rule.threshold();
            case BELOW:
                return value < rule.threshold();
            default:
                break;
        }
        History h = histories.get(labels);
        if (h == null) {
            if (histories.size() >= maxSeries) {
                if (overfullRules.add(rule.name())) {
                    log.warn("alert rule {} sees more than {} series (ops.alerts.max-alerts); further ones are not tracked",
                            rule.name(), maxSeries);
                }
                return false;
            }
            h = new History();
            histories.put(labels, h);
        }
        long window = rule.window().toMillis();
        h.add(now, value, window);
        return switch (rule.condition()) {
            case INCREASE -> h.oldestValue() >= 0 && increase(h.oldestValue(), value) > rule.threshold();
            case STALE -> h.everActive && now - h.lastChange >= window;
            case GROWING -> h.baselineKnown(now, window) && value > rule.threshold() && value > h.oldestValue();
            default -> false;
        };
    }

    /** A counter that went down was reset (a restart): everything since counts. */
    private static double increase(double from, double to) {
        return to >= from ? to - from : to;
    }

    /** A series' recent values: the ones within the window plus the last one before it. */
    private static final class History {
        private final ArrayDeque<long[]> times = new ArrayDeque<>();
        private final ArrayDeque<Double> values = new ArrayDeque<>();
        private boolean everActive;
        private long lastChange;

        void add(long now, double value, long window) {
            Double last = values.peekLast();
            if (last == null ? value > 0 : value != last) {
                everActive = true;
                lastChange = now;
            }
            times.addLast(new long[] {now});
            values.addLast(value);
            // keep exactly one sample at or before now - window: the baseline
            while (times.size() > 1 && secondTime() <= now - window) {
                times.pollFirst();
                values.pollFirst();
            }
        }

        private long secondTime() {
            var it = times.iterator();
            it.next();
            return it.next()[0];
        }

        double oldestValue() {
            return values.isEmpty() ? -1 : values.peekFirst();
        }

        boolean baselineKnown(long now, long window) {
            return !times.isEmpty() && times.peekFirst()[0] <= now - window;
        }
    }
}
