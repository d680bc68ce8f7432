package io.tidegate.gateway.alerting;

import io.opentelemetry.exporter.prometheus.PrometheusMetricReader;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.Label;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads counters and gauges from the OpenTelemetry Prometheus reader behind {@code /metrics}, so
 * rules name metrics exactly as a scrape shows them, without parsing the text. Histograms are
 * not read. Called on the alert thread only.
 */
public final class PrometheusSamples implements MetricSource {

    private final PrometheusMetricReader reader;

    public PrometheusSamples(PrometheusMetricReader reader) {
        this.reader = reader;
    }

    @Override
    public Map<String, List<Sample>> read() {
        Map<String, List<Sample>> out = new HashMap<>();
        for (MetricSnapshot snapshot : reader.collect()) {
            String name = snapshot.getMetadata().getPrometheusName();
            if (snapshot instanceof CounterSnapshot counter) {
                List<Sample> samples = new ArrayList<>();
                counter.getDataPoints().forEach(p -> samples.add(new Sample(labels(p.getLabels()), p.getValue())));
                out.put(name.endsWith("_total") ? name : name + "_total", samples);
            } else if (snapshot instanceof GaugeSnapshot gauge) {
                List<Sample> samples = new ArrayList<>();
                gauge.getDataPoints().forEach(p -> samples.add(new Sample(labels(p.getLabels()), p.getValue())));
                out.put(name, samples);
            }
        }
        return out;
    }

    private static Map<String, String> labels(Labels labels) {
        Map<String, String> out = new LinkedHashMap<>();
        for (Label l : labels) {
            out.put(l.getName(), l.getValue());
        }
        return out;
    }
}
