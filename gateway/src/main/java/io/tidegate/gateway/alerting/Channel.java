package io.tidegate.gateway.alerting;

import java.util.List;

/**
 * Where notifications go: a log line, a webhook, a Tidegate topic. {@link #send} is called on
 * the alert thread and must not block (a channel that does I/O queues, bounded).
 */
public interface Channel {

    /** The name routes use: {@code log}, {@code webhook}, {@code topic}. */
    String name();

    /** Notifies about these alerts (one evaluation's worth for this channel). */
    void send(List<AlertNotice> notices);
}
