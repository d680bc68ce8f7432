package io.tidegate.gateway.server;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A Prometheus text exposition (format 0.0.4) parsed by the format's rules, for tests: a line that
 * breaks them (a bad metric or label name, an unquoted or badly escaped label value, a value that
 * is not a number, a sample before or outside its family's {@code # TYPE}, a family split in two,
 * a series given twice, histogram buckets that are not cumulative or end without
 * {@code le="+Inf"} equal to {@code _count}) throws {@link IllegalArgumentException} naming it.
 * Immutable once parsed.
 */
final class PrometheusExposition {

    private static final Pattern METRIC_NAME = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
    private static final Pattern LABEL_NAME = Pattern.compile("[a-zA-Z_][a-zA-Z0-9_]*");
    private static final Pattern VALUE = Pattern.compile("[+-]?(Inf|NaN|[0-9]*\\.?[0-9]+([eE][+-]?[0-9]+)?|[0-9]+\\.)");
    private static final Set<String> TYPES = Set.of("counter", "gauge", "histogram", "summary", "untyped");

    /** One sample: its name as written, its labels in order, its value. */
    record Sample(String name, Map<String, String> labels, double value) {
    }

    /** A metric family: the name of its {@code # TYPE} line, its type, its help and its samples. */
    record Family(String name, String type, String help, List<Sample> samples) {
    }

    private final Map<String, Family> families = new LinkedHashMap<>();

    private PrometheusExposition() {
    }

    static PrometheusExposition parse(String text) {
        PrometheusExposition e = new PrometheusExposition();
        e.read(text);
        return e;
    }

    Map<String, Family> families() {
        return families;
    }

    private void read(String text) {
        Map<String, String> help = new LinkedHashMap<>();
        Set<String> seriesSeen = new HashSet<>();
        Family current = null;
        int n = 0;
        for (String line : text.split("\n", -1)) {
            n++;
            if (line.isEmpty()) {
                continue;
            }
            String where = "line " + n + ": " + line;
            if (line.startsWith("#")) {
                String[] parts = line.split(" ", 4);
                if (parts.length >= 3 && parts[1].equals("HELP")) {
                    require(METRIC_NAME.matcher(parts[2]).matches(), "bad metric name", where);
                    require(help.put(parts[2], parts.length > 3 ? parts[3] : "") == null, "second HELP", where);
                } else if (parts.length == 4 && parts[1].equals("TYPE")) {
                    require(METRIC_NAME.matcher(parts[2]).matches(), "bad metric name", where);
                    require(TYPES.contains(parts[3]), "unknown type", where);
                    require(!families.containsKey(parts[2]), "second TYPE (a family given twice)", where);
                    current = new Family(parts[2], parts[3], help.getOrDefault(parts[2], null), new ArrayList<>());
                    families.put(current.name(), current);
                }
                continue;
            }
            Sample sample = sample(line, where);
            require(current != null && belongs(sample.name(), current), "sample outside its family's TYPE", where);
            require(seriesSeen.add(sample.name() + new TreeMap<>(sample.labels())), "series given twice", where);
            current.samples().add(sample);
        }
        families.values().forEach(f -> {
            require(f.help() != null, "no HELP", f.name());
            if (f.type().equals("histogram")) {
                checkHistogram(f);
            }
        });
    }

    private static boolean belongs(String sampleName, Family f) {
        if (f.type().equals("histogram")) {
            return sampleName.equals(f.name() + "_bucket") || sampleName.equals(f.name() + "_sum")
                    || sampleName.equals(f.name() + "_count");
        }
        if (f.type().equals("summary")) {
            // quantile samples carry the family name; the totals have suffixes
            return sampleName.equals(f.name()) || sampleName.equals(f.name() + "_sum")
                    || sampleName.equals(f.name() + "_count");
        }
        return sampleName.equals(f.name());
    }

    private static Sample sample(String line, String where) {
        int i = 0;
        while (i < line.length() && line.charAt(i) != '{' && line.charAt(i) != ' ') {
            i++;
        }
        String name = line.substring(0, i);
        require(METRIC_NAME.matcher(name).matches(), "bad metric name", where);
        Map<String, String> labels = new LinkedHashMap<>();
        if (i < line.length() && line.charAt(i) == '{') {
            i = labels(line, i + 1, labels, where);
        }
        require(i < line.length() && line.charAt(i) == ' ', "no space before the value", where);
        String[] rest = line.substring(i + 1).split(" ");
        require(rest.length == 1 || rest.length == 2 && rest[1].matches("-?[0-9]+"), "value [timestamp] expected", where);
        require(VALUE.matcher(rest[0]).matches(), "bad value", where);
        String v = rest[0].replace("Inf", "Infinity");
        return new Sample(name, labels, Double.parseDouble(v));
    }

    /** Reads {@code name="value",...}} from {@code i}; returns the index after the closing brace. */
    private static int labels(String line, int i, Map<String, String> into, String where) {
        while (true) {
            require(i < line.length(), "unterminated labels", where);
            if (line.charAt(i) == '}') {
                return i + 1;
            }
            Matcher m = LABEL_NAME.matcher(line).region(i, line.length());
            require(m.lookingAt(), "bad label name", where);
            String label = m.group();
            require(!label.startsWith("__"), "reserved label name " + label, where);
            i = m.end();
            require(line.startsWith("=\"", i), "label value must be quoted", where);
            i += 2;
            StringBuilder value = new StringBuilder();
            while (true) {
                require(i < line.length(), "unterminated label value", where);
                char c = line.charAt(i++);
                if (c == '"') {
                    break;
                }
                if (c == '\\') {
                    require(i < line.length(), "dangling escape", where);
                    char e = line.charAt(i++);
                    require(e == '\\' || e == '"' || e == 'n', "bad escape \\" + e, where);
                    value.append(e == 'n' ? '\n' : e);
                } else {
                    value.append(c);
                }
            }
            require(into.put(label, value.toString()) == null, "label " + label + " twice", where);
            if (i < line.length() && line.charAt(i) == ',') {
                i++;
            }
        }
    }

    /** Buckets per series are cumulative and end in {@code le="+Inf"} equal to the series' {@code _count}. */
    private static void checkHistogram(Family f) {
        Map<Map<String, String>, List<Sample>> buckets = new LinkedHashMap<>();
        Map<Map<String, String>, Double> counts = new LinkedHashMap<>();
        for (Sample s : f.samples()) {
            if (s.name().endsWith("_bucket")) {
                Map<String, String> series = new TreeMap<>(s.labels());
                require(series.remove("le") != null, "bucket without le", f.name());
                buckets.computeIfAbsent(series, k -> new ArrayList<>()).add(s);
            } else if (s.name().endsWith("_count")) {
                counts.put(new TreeMap<>(s.labels()), s.value());
            }
        }
        require(buckets.keySet().equals(counts.keySet()), "buckets and counts of different series", f.name());
        buckets.forEach((series, list) -> {
            double previous = 0;
            for (Sample b : list) {
                require(b.value() >= previous, "buckets not cumulative " + series, f.name());
                previous = b.value();
            }
            Sample last = list.get(list.size() - 1);
            require(last.labels().get("le").equals("+Inf"), "last bucket is not le=\"+Inf\" " + series, f.name());
            require(last.value() == counts.get(series), "+Inf bucket differs from _count " + series, f.name());
        });
    }

    private static void require(boolean ok, String rule, String where) {
        if (!ok) {
            throw new IllegalArgumentException(rule + " (" + where + ")");
        }
    }
}
