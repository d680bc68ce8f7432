package io.tidegate.gateway.alerting;

import java.util.List;
import java.util.Map;

/**
 * The gateway's metric values, read once per evaluation. Called on the alert thread only.
 */
@FunctionalInterface
public interface MetricSource {

    /** Every series now, by the metric name {@code /metrics} shows (counters with {@code _total}). */
    Map<String, List<Sample>> read();
}
