package io.tidegate.gateway.backend.redis;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tells the commands Redis refuses while running ({@code NOPERM}, an ACL check failing inside a
 * script, {@code WRONGPASS}/{@code NOAUTH}) from failures worth retrying, explains them (the ACL
 * to grant), counts them, remembers the last one for readiness reports for {@value
 * #REPORT_SECONDS} s and logs them at most once per {@value #LOG_SECONDS} s, saying how many were
 * left out. Thread-safe; cheap while nothing is refused.
 */
final class CommandRefusals {

    private static final Logger LOG = LoggerFactory.getLogger(CommandRefusals.class);
    static final long REPORT_SECONDS = 60;
    static final long LOG_SECONDS = 10;

    private final String user;
    private final String keyPrefix;
    private final AtomicLong refused = new AtomicLong();
    private volatile String last;
    private volatile long lastNanos;
    private long nextLogNanos = System.nanoTime();
    private long unlogged;

    /** @param user the ACL user the backend logs in as ({@code default} without one) */
    CommandRefusals(String user, String keyPrefix) {
        this.user = user == null || user.isEmpty() ? "default" : user;
        this.keyPrefix = keyPrefix;
    }

    /**
     * What the publisher is told when {@code failure} is a refusal, after counting and logging
     * it; null when it is a failure of another kind (Redis down, a timeout).
     *
     * @param what the commands refused, e.g. {@code "appending 3 messages to orders.x"}
     */
    String refusal(Throwable failure, String what) {
        String redisSays = refusalText(failure);
        if (redisSays == null) {
            return null;
        }
        String reason = "Redis refused the command: " + redisSays + "; grant the Tidegate ACL to user \"" + user
                + "\" (docs/redis.md): " + RedisAclRules.setUser(user, keyPrefix);
        refused.incrementAndGet();
        last = reason;
        lastNanos = System.nanoTime();
        log(reason, what);
        return reason;
    }

    /** Redis's refusal in {@code failure}'s causes (its first line), or null when there is none. */
    static String refusalText(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof io.lettuce.core.RedisCommandExecutionException) {
                String message = String.valueOf(t.getMessage());
                if (message.startsWith("NOPERM") || message.startsWith("WRONGPASS") || message.startsWith("NOAUTH")
                        || message.contains("user executing the script can't")) {
                    String line = message.lines().findFirst().orElse("").trim();
                    return line.length() <= 300 ? line : line.substring(0, 300) + "...";
                }
            }
        }
        return null;
    }

    private void log(String reason, String what) {
        long now = System.nanoTime();
        long skipped;
        synchronized (this) {
            if (now - nextLogNanos < 0) {
                unlogged++;
                return;
            }
            nextLogNanos = now + TimeUnit.SECONDS.toNanos(LOG_SECONDS);
            skipped = unlogged;
            unlogged = 0;
        }
        LOG.warn("{}: {} (the publishers are told FAILED_PRECONDITION; nothing is spooled){}", what, reason,
                skipped > 0 ? "; " + skipped + " more refusals in the last " + LOG_SECONDS + " s not logged" : "");
    }

    /** Commands refused since start. */
    long count() {
        return refused.get();
    }

    /** The last refusal when it happened within {@value #REPORT_SECONDS} s, else null. */
    String recent() {
        String l = last;
        if (l == null || System.nanoTime() - lastNanos > TimeUnit.SECONDS.toNanos(REPORT_SECONDS)) {
            return null;
        }
        return l + " (" + refused.get() + " commands refused since start)";
    }
}
