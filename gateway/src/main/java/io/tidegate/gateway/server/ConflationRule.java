package io.tidegate.gateway.server;

/**
 * Which messages a subscriber that asked for conflation may have conflated: by default all; with
 * {@code conflate} regime rules, e.g. only quotes of instruments in the ILLIQUID regime. Called
 * for every message a conflating subscription receives, on the thread that hands it over; must be
 * thread-safe and cheap.
 */
@FunctionalInterface
public interface ConflationRule {

    /** Every message may be conflated (a conflating subscription without regime rules). */
    ConflationRule ALL = topic -> true;

    /** Whether a message on {@code topic} may replace a waiting one of its key now. */
    boolean conflatable(String topic);
}
