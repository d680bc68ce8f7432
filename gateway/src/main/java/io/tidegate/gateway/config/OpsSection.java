package io.tidegate.gateway.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/** Reads and checks {@code ops.*} (alert rules, routes, webhook). Stateless. */
final class OpsSection {

    private static final String ALERTS = "ops.alerts";
    private static final Set<String> CHANNELS = Set.of("log", "webhook", "topic");
    private static final Set<String> RULE_KEYS = Set.of("name", "condition", "metric", "match", "by", "threshold",
            "window", "for", "resolve-after", "severity", "labels", "summary", "escalate-after", "repeat-interval", "route");
    private static final Duration MAX = Duration.ofDays(7);

    private OpsSection() {
    }

    static GatewayConfig.Ops read(ConfigLoader.Reader r) {
        Duration escalateAfter = r.durationIn(ALERTS + ".escalate-after", Duration.ofMillis(1), MAX);
        Duration repeatInterval = r.durationIn(ALERTS + ".repeat-interval", Duration.ofMillis(1), MAX);
        Duration resolveAfter = r.durationIn(ALERTS + ".resolve-after", Duration.ZERO, MAX);
        List<List<String>> route = route(r.c(), ALERTS + ".route");
        if (route.isEmpty()) {
            throw new InvalidConfigException(ALERTS + ".route must name at least one level, e.g. [[log], [log, webhook]]");
        }
        var webhook = new GatewayConfig.Webhook(
                r.string(ALERTS + ".webhook.url").trim(),
                r.durationIn(ALERTS + ".webhook.timeout", Duration.ofMillis(10), Duration.ofMinutes(5)),
                r.intIn(ALERTS + ".webhook.max-attempts", 1, 100),
                r.durationIn(ALERTS + ".webhook.initial-backoff", Duration.ofMillis(1), Duration.ofMinutes(10)),
                r.intIn(ALERTS + ".webhook.queue-capacity", 1, 1_000_000));
        if (!webhook.url().isEmpty() && !webhook.url().matches("https?://.+")) {
            throw new InvalidConfigException(ALERTS + ".webhook.url \"" + webhook.url()
                    + "\" must be an http:// or https:// URL, or empty for no webhook");
        }
        List<GatewayConfig.AlertRule> rules = new ArrayList<>();
        List<? extends ConfigValue> list;
        try {
            list = r.c().getList(ALERTS + ".rules");
        } catch (ConfigException e) {
            throw new InvalidConfigException(ALERTS + ".rules must be a list of rules, e.g. [ { name = \"LagHigh\", "
                    + "condition = above, metric = \"tidegate_consumer_lag\", threshold = 10000, severity = warning } ]");
        }
        Set<String> names = new java.util.HashSet<>();
        for (int i = 0; i < list.size(); i++) {
            String key = ALERTS + ".rules[" + i + "]";
            if (list.get(i).valueType() != ConfigValueType.OBJECT) {
                throw new InvalidConfigException(key + " must be an object with name, condition, metric, threshold, severity");
            }
            var rule = rule(((com.typesafe.config.ConfigObject) list.get(i)).toConfig(), key, escalateAfter,
                    repeatInterval, resolveAfter);
            if (!names.add(rule.name())) {
                throw new InvalidConfigException(key + ": a rule named \"" + rule.name() + "\" exists already");
            }
            rules.add(rule);
        }
        return new GatewayConfig.Ops(new GatewayConfig.Alerts(
                r.bool(ALERTS + ".enabled"),
                r.bool(ALERTS + ".defaults-enabled"),
                r.durationIn(ALERTS + ".evaluation-interval", Duration.ofMillis(10), Duration.ofMinutes(10)),
                r.durationIn(ALERTS + ".lease-time", Duration.ofMillis(100), Duration.ofMinutes(10)),
                escalateAfter, repeatInterval, resolveAfter, route,
                r.stringList(ALERTS + ".group-by"),
                r.durationIn(ALERTS + ".resolved-retention", Duration.ZERO, MAX),
                r.intIn(ALERTS + ".max-alerts", 1, 1_000_000),
                r.durationIn(ALERTS + ".feed-stale-after", Duration.ofMillis(10), Duration.ofDays(1)),
                r.durationIn(ALERTS + ".subscriber-stall-after", Duration.ofMillis(10), Duration.ofDays(1)),
                webhook, rules));
    }

    /** One rule of {@code ops.alerts.rules}; keys it leaves out take the rule defaults. */
    private static GatewayConfig.AlertRule rule(Config c, String key, Duration escalateAfter, Duration repeatInterval,
                                                Duration resolveAfter) {
        for (String k : c.root().keySet()) {
            if (!RULE_KEYS.contains(k)) {
                throw new InvalidConfigException(key + ": unknown key \"" + k + "\"; a rule has " + new java.util.TreeSet<>(RULE_KEYS));
            }
        }
        Config defaults = ConfigFactory.parseString("match {}, by = [], threshold = 0, window = 1m, for = 0s, "
                + "labels {}, summary = \"\", route = []");
        Config full = c.withFallback(defaults);
        ConfigLoader.Reader r = new ConfigLoader.Reader(full);
        String name = r.string("name");
        if (!name.matches("[A-Za-z0-9_.-]{1,64}")) {
            throw new InvalidConfigException(key + ".name \"" + name + "\" must be 1-64 letters, digits, '_', '.' or '-'");
        }
        var condition = choice(r.string("condition"), GatewayConfig.ConditionKind.class, key + ".condition");
        var severity = choice(r.string("severity"), GatewayConfig.Severity.class, key + ".severity");
        String metric = r.string("metric").trim();
        if (metric.isEmpty()) {
            throw new InvalidConfigException(key + ".metric must name a metric of /metrics (or, for condition = health, "
                    + "a component or *)");
        }
        return new GatewayConfig.AlertRule(name, condition, metric, strings(full, "match", key), r.stringList("by"),
                r.doubleIn("threshold", -1e18, 1e18),
                r.durationIn("window", Duration.ofMillis(1), MAX),
                r.durationIn("for", Duration.ZERO, MAX),
                c.hasPath("resolve-after") ? r.durationIn("resolve-after", Duration.ZERO, MAX) : resolveAfter,
                severity, strings(full, "labels", key), r.string("summary"),
                c.hasPath("escalate-after") ? r.durationIn("escalate-after", Duration.ofMillis(1), MAX) : escalateAfter,
                c.hasPath("repeat-interval") ? r.durationIn("repeat-interval", Duration.ofMillis(1), MAX) : repeatInterval,
                route(full, "route"));
    }

    private static <E extends Enum<E>> E choice(String value, Class<E> type, String key) {
        try {
            return Enum.valueOf(type, value.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new InvalidConfigException(key + " \"" + value + "\" is not one of "
                    + java.util.Arrays.stream(type.getEnumConstants()).map(x -> x.name().toLowerCase(Locale.ROOT)).toList());
        }
    }

    private static Map<String, String> strings(Config c, String path, String key) {
        Map<String, String> out = new LinkedHashMap<>();
        try {
            c.getObject(path).forEach((k, v) -> {
                if (v.valueType() == ConfigValueType.OBJECT || v.valueType() == ConfigValueType.LIST) {
                    throw new InvalidConfigException(key + "." + path + "." + k + " must be a plain value");
                }
                out.put(k, String.valueOf(v.unwrapped()));
            });
        } catch (ConfigException e) {
            throw new InvalidConfigException(key + "." + path + " must be an object of label = value");
        }
        return out;
    }

    /** A list of levels, each a list of channel names. */
    private static List<List<String>> route(Config c, String key) {
        List<List<String>> levels = new ArrayList<>();
        try {
            for (ConfigValue level : c.getList(key)) {
                List<String> channels = new ArrayList<>();
                if (level.valueType() != ConfigValueType.LIST) {
                    throw new ConfigException.BadValue(key, "not a list");
                }
                for (ConfigValue ch : (com.typesafe.config.ConfigList) level) {
                    String name = String.valueOf(ch.unwrapped()).trim().toLowerCase(Locale.ROOT);
                    if (!CHANNELS.contains(name)) {
                        throw new InvalidConfigException(key + ": channel \"" + name + "\" is not one of log, webhook, topic");
                    }
                    channels.add(name);
                }
                levels.add(channels);
            }
        } catch (ConfigException e) {
            throw new InvalidConfigException(key + " must be a list of levels, each a list of channels, e.g. "
                    + "[[log], [log, webhook, topic]]");
        }
        return levels;
    }
}
