package io.tidegate.gateway.config;

import io.tidegate.intelligence.regime.Regime;
import io.tidegate.intelligence.scheduling.ClassSettings;
import io.tidegate.intelligence.scheduling.PolicyKind;
import io.tidegate.intelligence.scheduling.SchedulingConfig;
import io.tidegate.intelligence.scheduling.TrafficClass;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;

/**
 * Reads the {@code dispatch.policy}, {@code dispatch.classes.*}, {@code dispatch.critical-max-bypass},
 * {@code dispatch.watchdog.*} and {@code dispatch.regime-rules} keys into a
 * {@link GatewayConfig.Scheduling}, naming the key of any bad value. Stateless.
 */
final class DispatchScheduling {

    /** Typed reads of {@link ConfigLoader}'s reader, so messages look like every other key's. */
    interface Durations {
        Duration read(String key, Duration min, Duration max);
    }

    interface Doubles {
        double read(String key, double min, double max);
    }

    interface Ints {
        int read(String key, int min, int max);
    }

    private DispatchScheduling() {
    }

    static GatewayConfig.Scheduling read(Function<String, String> strings, Durations durations, Doubles doubles,
                                         Ints ints, Function<String, List<String>> lists) {
        PolicyKind policy;
        try {
            policy = PolicyKind.parse(strings.apply("dispatch.policy"));
        } catch (IllegalArgumentException e) {
            throw new InvalidConfigException(e.getMessage());
        }
        ClassSettings[] classes = new ClassSettings[TrafficClass.COUNT];
        for (TrafficClass c : TrafficClass.values()) {
            String prefix = "dispatch.classes." + c.name().toLowerCase(Locale.ROOT) + ".";
            Duration deadline = durations.read(prefix + "deadline", Duration.ofNanos(1000), Duration.ofHours(1));
            Duration maxWait = durations.read(prefix + "max-wait", Duration.ofNanos(1000), Duration.ofHours(1));
            if (maxWait.compareTo(deadline) < 0) {
                throw new InvalidConfigException(prefix + "max-wait (" + maxWait.toMillis() + " ms) must not be below "
                        + prefix + "deadline (" + deadline.toMillis() + " ms)");
            }
            classes[c.ordinal()] = new ClassSettings(deadline.toNanos(), doubles.read(prefix + "weight", 0, 1e6),
                    maxWait.toNanos(), ints.read(prefix + "batch", 1, 100_000));
        }
        SchedulingConfig settings = new SchedulingConfig(classes,
                ints.read("dispatch.critical-max-bypass", 0, 1_000_000),
                durations.read("dispatch.watchdog.window", Duration.ofMillis(1), Duration.ofMinutes(10)).toNanos(),
                ints.read("dispatch.watchdog.windows", 1, 1000),
                doubles.read("dispatch.watchdog.tolerance", 0, 0.99),
                ints.read("dispatch.watchdog.shadow-capacity", 1, 1 << 24),
                ints.read("dispatch.watchdog.window-messages", 0, 100_000_000));
        List<GatewayConfig.RegimeRoute> rules = new ArrayList<>();
        for (String line : lists.apply("dispatch.regime-rules")) {
            rules.add(regimeRoute(line));
        }
        return new GatewayConfig.Scheduling(policy, settings, rules);
    }

    /** Parses {@code REGIME topic-pattern -> up N | down N | conflate}. */
    static GatewayConfig.RegimeRoute regimeRoute(String text) {
        String[] sides = text.split("->");
        String[] left = sides[0].trim().split("\\s+");
        if (sides.length != 2 || left.length != 2) {
            throw bad(text, "expected 'REGIME topic-pattern -> action'");
        }
        Regime regime;
        try {
            regime = Regime.valueOf(left[0].toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw bad(text, "'" + left[0] + "' is not a regime; use one of " + List.of(Regime.values()));
        }
        checkPattern(text, left[1]);
        String[] action = sides[1].trim().toLowerCase(Locale.ROOT).split("\\s+");
        if (action.length == 1 && action[0].equals("conflate")) {
            return new GatewayConfig.RegimeRoute(regime, left[1], 0, true);
        }
        if (action.length == 2 && (action[0].equals("up") || action[0].equals("down"))) {
            int steps;
            try {
                steps = Integer.parseInt(action[1]);
            } catch (NumberFormatException e) {
                throw bad(text, "'" + action[1] + "' is not a number of classes");
            }
            if (steps < 1 || steps >= TrafficClass.COUNT) {
                throw bad(text, "move by 1 to " + (TrafficClass.COUNT - 1) + " classes");
            }
            return new GatewayConfig.RegimeRoute(regime, left[1], action[0].equals("up") ? steps : -steps, false);
        }
        throw bad(text, "the action must be 'up N', 'down N' or 'conflate'");
    }

    /** The shape of a topic pattern (segments, '>' last); its characters are checked when it is compiled. */
    private static void checkPattern(String text, String pattern) {
        String[] segments = pattern.split("\\.", -1);
        for (int i = 0; i < segments.length; i++) {
            if (segments[i].isEmpty()) {
                throw bad(text, "topic pattern '" + pattern + "' has an empty segment");
            }
            if ((segments[i].equals(">") || segments[i].equals("**")) && i != segments.length - 1) {
                throw bad(text, "in topic pattern '" + pattern + "', '" + segments[i] + "' must be the last segment");
            }
        }
    }

    private static InvalidConfigException bad(String text, String why) {
        return new InvalidConfigException("dispatch.regime-rules entry \"" + text + "\": " + why
                + " (e.g. \"VOLATILE exec.commands.> -> up 1\" or \"ILLIQUID data.quotes.> -> conflate\")");
    }
}
