package io.tidegate.gateway.alerting;

import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes one log line per notice (logger {@code io.tidegate.gateway.alerting.LogChannel}): warn
 * for firing alerts of severity warning and above, info otherwise. Thread-safe.
 */
public final class LogChannel implements Channel {

    private static final Logger log = LoggerFactory.getLogger(LogChannel.class);

    @Override
    public String name() {
        return "log";
    }

    @Override
    public void send(List<AlertNotice> notices) {
        for (AlertNotice n : notices) {
            if (n.status().equals("firing") && !n.severity().equals("info")) {
                log.warn("ALERT {} {} [{}] level {}: {} {}", n.status(), n.name(), n.severity(), n.level(), n.summary(),
                        n.labels());
            } else {
                log.info("ALERT {} {} [{}] level {}: {} {}", n.status(), n.name(), n.severity(), n.level(), n.summary(),
                        n.labels());
            }
        }
    }
}
