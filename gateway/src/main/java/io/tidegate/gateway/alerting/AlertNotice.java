package io.tidegate.gateway.alerting;

import java.util.Map;

/**
 * What a channel is told about one alert: it fires (first, again, or escalated to
 * {@code level}) or resolved. Immutable.
 *
 * @param status     {@code firing} or {@code resolved}
 * @param level      the route level notified (0 = first)
 * @param startsAt   when it started firing, epoch ms
 * @param endsAt     when it resolved, epoch ms; 0 while firing
 */
public record AlertNotice(String id, String name, String severity, String status, Map<String, String> labels,
                          String summary, long startsAt, long endsAt, int level, double value) {

    public AlertNotice {
        labels = Map.copyOf(labels);
    }
}
