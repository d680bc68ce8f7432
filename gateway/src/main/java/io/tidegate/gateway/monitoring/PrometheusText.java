package io.tidegate.gateway.monitoring;

import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.sdk.metrics.data.DoublePointData;
import io.opentelemetry.sdk.metrics.data.HistogramPointData;
import io.opentelemetry.sdk.metrics.data.LongPointData;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.metrics.data.PointData;
import io.opentelemetry.sdk.metrics.data.SumData;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * Writes OpenTelemetry metric data in the Prometheus text format, named as the OpenTelemetry
 * Prometheus exporter does: dots become underscores, the unit is appended ({@code s} →
 * {@code _seconds}, {@code By} → {@code _bytes}; annotations such as {@code {message}} are dropped)
 * and monotonic sums end in {@code _total}. Stateless.
 */
final class PrometheusText {

    private static final Map<String, String> UNITS = Map.of("s", "seconds", "ms", "milliseconds", "By", "bytes", "1", "ratio");

    private PrometheusText() {
    }

    static String write(Collection<MetricData> metrics) {
        StringBuilder out = new StringBuilder(4096);
        for (MetricData m : metrics) {
            String name = name(m);
            switch (m.getType()) {
                case LONG_SUM, DOUBLE_SUM -> {
                    SumData<? extends PointData> sum = m.getType() == io.opentelemetry.sdk.metrics.data.MetricDataType.LONG_SUM
                            ? m.getLongSumData() : m.getDoubleSumData();
                    boolean counter = sum.isMonotonic();
                    String full = counter ? name + "_total" : name;
                    header(out, full, m.getDescription(), counter ? "counter" : "gauge");
                    for (PointData p : sum.getPoints()) {
                        sample(out, full, p.getAttributes(), null, value(p));
                    }
                }
                case LONG_GAUGE, DOUBLE_GAUGE -> {
                    header(out, name, m.getDescription(), "gauge");
                    Collection<? extends PointData> points = m.getType() == io.opentelemetry.sdk.metrics.data.MetricDataType.LONG_GAUGE
                            ? m.getLongGaugeData().getPoints() : m.getDoubleGaugeData().getPoints();
                    for (PointData p : points) {
                        sample(out, name, p.getAttributes(), null, value(p));
                    }
                }
                case HISTOGRAM -> {
                    header(out, name, m.getDescription(), "histogram");
                    for (HistogramPointData p : m.getHistogramData().getPoints()) {
                        histogram(out, name, p);
                    }
                }
                default -> {
                    // exponential histograms and summaries are not produced by the gateway
                }
            }
        }
        return out.toString();
    }

    private static void histogram(StringBuilder out, String name, HistogramPointData p) {
        List<Double> bounds = p.getBoundaries();
        List<Long> counts = p.getCounts();
        long cumulative = 0;
        for (int i = 0; i < counts.size(); i++) {
            cumulative += counts.get(i);
            String le = i < bounds.size() ? number(bounds.get(i)) : "+Inf";
            sample(out, name + "_bucket", p.getAttributes(), le, Long.toString(cumulative));
        }
        sample(out, name + "_sum", p.getAttributes(), null, number(p.getSum()));
        sample(out, name + "_count", p.getAttributes(), null, Long.toString(p.getCount()));
    }

    private static void header(StringBuilder out, String name, String help, String type) {
        out.append("# HELP ").append(name).append(' ').append(help.replace("\\", "\\\\").replace("\n", "\\n")).append('\n');
        out.append("# TYPE ").append(name).append(' ').append(type).append('\n');
    }

    private static void sample(StringBuilder out, String name, Attributes attributes, String le, String value) {
        out.append(name);
        if (!attributes.isEmpty() || le != null) {
            out.append('{');
            boolean[] first = {true};
            attributes.forEach((k, v) -> {
                if (!first[0]) {
                    out.append(',');
                }
                first[0] = false;
                out.append(sanitize(k.getKey())).append("=\"").append(escape(String.valueOf(v))).append('"');
            });
            if (le != null) {
                out.append(first[0] ? "" : ",").append("le=\"").append(le).append('"');
            }
            out.append('}');
        }
        out.append(' ').append(value).append('\n');
    }

    private static String value(PointData p) {
        if (p instanceof LongPointData l) {
            return Long.toString(l.getValue());
        }
        return number(((DoublePointData) p).getValue());
    }

    private static String number(double d) {
        if (Double.isInfinite(d)) {
            return d > 0 ? "+Inf" : "-Inf";
        }
        return d == Math.rint(d) && Math.abs(d) < 1e15 ? Long.toString((long) d) : Double.toString(d);
    }

    private static String name(MetricData m) {
        String name = sanitize(m.getName());
        String unit = m.getUnit();
        if (unit != null && !unit.isEmpty() && !unit.startsWith("{")) {
            String suffix = UNITS.getOrDefault(unit, sanitize(unit));
            if (!name.endsWith("_" + suffix)) {
                name = name + "_" + suffix;
            }
        }
        return name;
    }

    private static String sanitize(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            b.append(Character.isLetterOrDigit(c) && c < 128 || c == '_' || c == ':' ? c : '_');
        }
        return b.toString();
    }

    private static String escape(String s) {
        return s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
    }
}
