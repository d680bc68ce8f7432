package io.tidegate.intelligence.scheduling.sim;

import io.tidegate.intelligence.scheduling.TrafficClass;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Reads a workload file (see docs/scheduling.md): one directive per line, a keyword then
 * {@code key=value} fields; {@code #} starts a comment. Durations take ns, us, ms or s. Every
 * error names the file, the line and the fix. Stateless; any thread.
 */
public final class WorkloadParser {

    private static final Map<String, Set<String>> FIELDS = Map.of(
            "workload", Set.of("name", "duration", "keys"),
            "service", Set.of("dist", "median", "p99", "per-kib"),
            "class", Set.of("name", "rate", "payload", "kind", "group", "deadline", "weight"),
            "burst", Set.of("class", "factor", "start", "length", "every"),
            "slowdown", Set.of("factor", "start", "length", "every"),
            "regime", Set.of("name", "share", "start", "length"));

    private WorkloadParser() {
    }

    /** Reads a workload shipped under {@code /workloads/NAME.workload}. */
    public static Workload resource(String name) {
        String path = "/workloads/" + name + ".workload";
        try (InputStream in = WorkloadParser.class.getResourceAsStream(path)) {
            if (in == null) {
                throw new IllegalArgumentException("no workload '" + name + "' (looked for " + path + " on the classpath)");
            }
            return parse(path, new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Parses workload text; {@code source} names it in error messages. */
    public static Workload parse(String source, String text) {
        Builder b = new Builder(source);
        String[] lines = text.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i];
            int hash = line.indexOf('#');
            line = (hash >= 0 ? line.substring(0, hash) : line).strip();
            if (!line.isEmpty()) {
                b.directive(line, i + 1);
            }
        }
        return b.build(lines.length);
    }

    private static final class Builder {
        final String source;
        int line;
        String name;
        long duration;
        int keys = 64;
        ServiceModel service;
        final List<Workload.ClassLoad> classes = new ArrayList<>();
        final List<Workload.Phase> bursts = new ArrayList<>();
        final List<Workload.Phase> slowdowns = new ArrayList<>();
        final List<Workload.RegimePhase> regimes = new ArrayList<>();

        Builder(String source) {
            this.source = source;
        }

        void directive(String text, int lineNumber) {
            line = lineNumber;
            String[] tokens = text.split("\\s+");
            String keyword = tokens[0].toLowerCase(Locale.ROOT);
            Set<String> allowed = FIELDS.get(keyword);
            if (allowed == null) {
                throw error("unknown directive '" + tokens[0] + "'; use one of " + String.join(", ", FIELDS.keySet().stream().sorted().toList()));
            }
            Map<String, String> f = new LinkedHashMap<>();
            for (int i = 1; i < tokens.length; i++) {
                int eq = tokens[i].indexOf('=');
                if (eq <= 0 || eq == tokens[i].length() - 1) {
                    throw error("'" + tokens[i] + "' is not key=value");
                }
                String key = tokens[i].substring(0, eq).toLowerCase(Locale.ROOT);
                if (!allowed.contains(key)) {
                    throw error("unknown field '" + key + "' for '" + keyword + "'; known: " + String.join(", ", allowed.stream().sorted().toList()));
                }
                if (f.put(key, tokens[i].substring(eq + 1)) != null) {
                    throw error("field '" + key + "' given twice");
                }
            }
            switch (keyword) {
                case "workload" -> {
                    name = required(f, "name");
                    duration = duration(required(f, "duration"), "duration");
                    keys = f.containsKey("keys") ? positiveInt(f.get("keys"), "keys") : keys;
                }
                case "service" -> service = service(f);
                case "class" -> classes.add(classLoad(f));
                case "burst" -> bursts.add(phase(f, TrafficClass.parse(required(f, "class"))));
                case "slowdown" -> slowdowns.add(phase(f, null));
                default -> regimes.add(new Workload.RegimePhase(required(f, "name").toUpperCase(Locale.ROOT),
                        fraction(f.getOrDefault("share", "1"), "share"),
                        duration(required(f, "start"), "start"), duration(required(f, "length"), "length")));
            }
        }

        ServiceModel service(Map<String, String> f) {
            String dist = f.getOrDefault("dist", "lognormal").toLowerCase(Locale.ROOT);
            if (!Set.of("fixed", "exponential", "lognormal").contains(dist)) {
                throw error("dist '" + dist + "' is unknown; use fixed, exponential or lognormal");
            }
            long median = duration(required(f, "median"), "median");
            long p99 = dist.equals("lognormal") ? duration(required(f, "p99"), "p99") : median;
            if (p99 < median) {
                throw error("p99 must be at least the median");
            }
            return new ServiceModel(dist, median, p99, f.containsKey("per-kib") ? duration(f.get("per-kib"), "per-kib") : 0);
        }

        Workload.ClassLoad classLoad(Map<String, String> f) {
            TrafficClass c;
            try {
                c = TrafficClass.parse(required(f, "name"));
            } catch (IllegalArgumentException e) {
                throw error(e.getMessage());
            }
            if (classes.stream().anyMatch(l -> l.trafficClass() == c)) {
                throw error("class " + c + " is declared twice");
            }
            String kind = f.getOrDefault("kind", "message").toLowerCase(Locale.ROOT);
            return new Workload.ClassLoad(c, nonNegative(required(f, "rate"), "rate"),
                    f.containsKey("payload") ? positiveInt(f.get("payload"), "payload") : 256,
                    kind, f.getOrDefault("group", kind).toLowerCase(Locale.ROOT),
                    f.containsKey("deadline") ? duration(f.get("deadline"), "deadline") : 0,
                    f.containsKey("weight") ? nonNegative(f.get("weight"), "weight") : Double.NaN);
        }

        Workload.Phase phase(Map<String, String> f, TrafficClass c) {
            return new Workload.Phase(c, nonNegative(required(f, "factor"), "factor"),
                    duration(required(f, "start"), "start"), duration(required(f, "length"), "length"),
                    f.containsKey("every") ? duration(f.get("every"), "every") : 0);
        }

        String required(Map<String, String> f, String key) {
            String v = f.get(key);
            if (v == null) {
                throw error("missing field '" + key + "'");
            }
            return v;
        }

        long duration(String v, String field) {
            String unit = v.replaceAll("^[0-9.]+", "");
            String number = v.substring(0, v.length() - unit.length());
            long scale = switch (unit) {
                case "ns" -> 1L;
                case "us" -> 1_000L;
                case "ms" -> 1_000_000L;
                case "s" -> 1_000_000_000L;
                default -> throw error(field + " '" + v + "' needs a unit: ns, us, ms or s (e.g. 50ms)");
            };
            try {
                return Math.round(Double.parseDouble(number) * scale);
            } catch (NumberFormatException e) {
                throw error(field + " '" + v + "' is not a number with a unit (e.g. 50ms)");
            }
        }

        double nonNegative(String v, String field) {
            try {
                double d = Double.parseDouble(v);
                if (d >= 0 && Double.isFinite(d)) {
                    return d;
                }
            } catch (NumberFormatException ignored) {
                // reported below
            }
            throw error(field + " '" + v + "' must be a number >= 0");
        }

        double fraction(String v, String field) {
            double d = nonNegative(v, field);
            if (d > 1) {
                throw error(field + " '" + v + "' must be between 0 and 1");
            }
            return d;
        }

        int positiveInt(String v, String field) {
            try {
                int i = Integer.parseInt(v);
                if (i > 0) {
                    return i;
                }
            } catch (NumberFormatException ignored) {
                // reported below
            }
            throw error(field + " '" + v + "' must be a whole number > 0");
        }

        Workload build(int lines) {
            line = lines;
            if (name == null) {
                throw error("no 'workload name=... duration=...' line");
            }
            if (service == null) {
                throw error("no 'service median=... p99=...' line");
            }
            if (classes.isEmpty()) {
                throw error("no 'class name=... rate=...' line");
            }
            return new Workload(name, duration, keys, service, List.copyOf(classes), List.copyOf(bursts),
                    List.copyOf(slowdowns), List.copyOf(regimes));
        }

        WorkloadFormatException error(String message) {
            return new WorkloadFormatException(source, line, message);
        }
    }
}
