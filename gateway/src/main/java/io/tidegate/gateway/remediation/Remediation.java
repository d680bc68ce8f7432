package io.tidegate.gateway.remediation;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the watchdogs every {@code remediation.check-interval} on one daemon thread of its own,
 * so no action ever runs on a gRPC or event-loop thread, and keeps the recent records for the
 * console. Thread-safe: start and close from any thread.
 */
public final class Remediation implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Remediation.class);

    private final List<Watchdog> watchdogs;
    private final Duration interval;
    private final RecentActions recent;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "tidegate-remediation");
        t.setDaemon(true);
        return t;
    });

    public Remediation(List<Watchdog> watchdogs, Duration interval, RecentActions recent) {
        this.watchdogs = List.copyOf(watchdogs);
        this.interval = interval;
        this.recent = recent;
    }

    /** Starts the checks; returns this. */
    public Remediation start() {
        if (!watchdogs.isEmpty()) {
            timer.scheduleWithFixedDelay(this::checkAll, interval.toMillis(), interval.toMillis(),
                    TimeUnit.MILLISECONDS);
        }
        return this;
    }

    /** Newest first. */
    public List<RemediationRecord> recent() {
        return recent.list();
    }

    private void checkAll() {
        for (Watchdog w : watchdogs) {
            try {
                w.check();
            } catch (RuntimeException e) {
                LOG.warn("remediation: a check failed; it runs again next interval", e);
            }
        }
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
