package io.tidegate.gateway.server;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Counts Connect streams opened and ended, and writes one INFO line per reporting interval in
 * which any did, instead of two lines per stream (those are at DEBUG): a gateway that serves
 * thousands of short streams keeps a readable log. Thread-safe: counters are atomics;
 * {@link #report} is called from one timer thread.
 */
final class StreamActivityLog {

    private static final Logger log = LoggerFactory.getLogger(StreamActivityLog.class);

    private final AtomicLong opened = new AtomicLong();
    private final AtomicLong ended = new AtomicLong();
    private long reportedOpened;
    private long reportedEnded;

    void opened() {
        opened.incrementAndGet();
    }

    void ended() {
        ended.incrementAndGet();
    }

    /** Logs what changed since the previous report, if anything did; returns whether it logged. */
    boolean report(int open, Duration interval) {
        long o = opened.get();
        long e = ended.get();
        long newlyOpened = o - reportedOpened;
        long newlyEnded = e - reportedEnded;
        reportedOpened = o;
        reportedEnded = e;
        if (newlyOpened == 0 && newlyEnded == 0) {
            return false;
        }
        log.info("streams: {} open; {} opened and {} ended in the last {} s (per-stream lines at DEBUG)",
                open, newlyOpened, newlyEnded, interval.toSeconds());
        return true;
    }
}
