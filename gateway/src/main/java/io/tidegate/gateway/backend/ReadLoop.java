package io.tidegate.gateway.backend;

/**
 * A subscription's read loop as a watchdog sees it: whether it wants messages, when it last made
 * progress, and a way to start it over. Implemented by backends whose reads can get stuck on a
 * connection (Redis); remediation decides when to call {@link #restart()}.
 *
 * <p>Threading: all methods are thread-safe and never block.
 */
public interface ReadLoop {

    /** The subscription's key, for logs. */
    String name();

    /** True while the loop has demand and something to read, so it should be making progress. */
    boolean hasDemand();

    /**
     * {@link System#nanoTime()} of the last finished read step, or of the moment demand came back
     * after none (waiting without demand is not a stall).
     */
    long lastProgressNanos();

    /** Drops the loop's connections and starts reading again from its cursors. */
    void restart();
}
