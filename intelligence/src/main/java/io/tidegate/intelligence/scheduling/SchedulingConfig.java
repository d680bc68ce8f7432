package io.tidegate.intelligence.scheduling;

import java.util.Arrays;

/**
 * Everything the dispatch policies and their rails read: per-class settings, the CRITICAL bypass
 * bound and the reward watchdog's window. Immutable; any thread.
 *
 * <p>{@link #defaults()} holds the defaults (CRITICAL 1 ms x 100, HIGH 5 ms x 20, NORMAL
 * 50 ms x 5, LOW 500 ms x 1, BULK 5 s x 0.2); the gateway maps its {@code dispatch.*} keys here.
 *
 * @param classes settings per class, indexed by {@link TrafficClass#ordinal()}
 * @param criticalMaxBypass most lower-class messages dispatched while a CRITICAL one waits
 * @param watchdogWindowNanos length of one reward window of the watchdog
 * @param watchdogWindows windows summed into the rolling reward
 * @param watchdogTolerance fraction the learned reward may fall below the strict shadow's
 * @param shadowCapacity most waiting messages per class the strict shadow remembers
 * @param watchdogWindowMessages least completions a reward window holds before it closes: a window
 *     lasts at least {@code watchdogWindowNanos} and at least this many completions, so the
 *     comparison spans the same stretch of work whether the backend serves a message in 60 µs or
 *     in 1 ms (0: windows by time alone)
 */
public record SchedulingConfig(ClassSettings[] classes, int criticalMaxBypass, long watchdogWindowNanos,
                               int watchdogWindows, double watchdogTolerance, int shadowCapacity,
                               int watchdogWindowMessages) {

    private static final long MS = 1_000_000L;
    /** About 250 ms of the shipped workloads' backend at capacity (60 µs median service). */
    public static final int DEFAULT_WINDOW_MESSAGES = 4_000;

    public SchedulingConfig {
        if (classes.length != TrafficClass.COUNT) {
            throw new IllegalArgumentException("need settings for all " + TrafficClass.COUNT + " classes, got " + classes.length);
        }
        if (criticalMaxBypass < 0 || watchdogWindowNanos <= 0 || watchdogWindows < 1
                || watchdogTolerance < 0 || watchdogTolerance >= 1 || shadowCapacity < 1 || watchdogWindowMessages < 0) {
            throw new IllegalArgumentException("critical-max-bypass >= 0, watchdog window > 0, windows >= 1,"
                    + " 0 <= tolerance < 1, shadow capacity >= 1 and window messages >= 0 are required");
        }
        classes = classes.clone();
    }

    /** The defaults; max waits are 20 x deadline for CRITICAL..NORMAL, 10 s and 30 s below. */
    public static SchedulingConfig defaults() {
        return new SchedulingConfig(new ClassSettings[] {
                new ClassSettings(MS, 100, 20 * MS, 1),
                new ClassSettings(5 * MS, 20, 100 * MS, 1),
                new ClassSettings(50 * MS, 5, 1_000 * MS, 1),
                new ClassSettings(500 * MS, 1, 10_000 * MS, 1),
                new ClassSettings(5_000 * MS, 0.2, 30_000 * MS, 1)},
                0, 250 * MS, 4, 0.05, 1 << 16, DEFAULT_WINDOW_MESSAGES);
    }

    /** The settings of one class. */
    public ClassSettings of(int classIndex) {
        return classes[classIndex];
    }

    /** A copy with one class's settings replaced. */
    public SchedulingConfig with(TrafficClass c, ClassSettings settings) {
        ClassSettings[] copy = classes.clone();
        copy[c.ordinal()] = settings;
        return new SchedulingConfig(copy, criticalMaxBypass, watchdogWindowNanos, watchdogWindows, watchdogTolerance, shadowCapacity,
                watchdogWindowMessages);
    }

    /** A copy with another CRITICAL bypass bound. */
    public SchedulingConfig withCriticalMaxBypass(int bypass) {
        return new SchedulingConfig(classes, bypass, watchdogWindowNanos, watchdogWindows, watchdogTolerance, shadowCapacity,
                watchdogWindowMessages);
    }

    /** A copy with another watchdog window and tolerance, its windows by time alone. */
    public SchedulingConfig withWatchdog(long windowNanos, int windows, double tolerance) {
        return withWatchdog(windowNanos, windows, tolerance, 0);
    }

    /** A copy with another watchdog window, tolerance and least completions per window. */
    public SchedulingConfig withWatchdog(long windowNanos, int windows, double tolerance, int windowMessages) {
        return new SchedulingConfig(classes, criticalMaxBypass, windowNanos, windows, tolerance, shadowCapacity, windowMessages);
    }

    @Override
    public ClassSettings[] classes() {
        return classes.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SchedulingConfig s && Arrays.equals(classes, s.classes) && criticalMaxBypass == s.criticalMaxBypass
                && watchdogWindowNanos == s.watchdogWindowNanos && watchdogWindows == s.watchdogWindows
                && watchdogTolerance == s.watchdogTolerance && shadowCapacity == s.shadowCapacity
                && watchdogWindowMessages == s.watchdogWindowMessages;
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(classes) * 31 + Long.hashCode(watchdogWindowNanos) + criticalMaxBypass;
    }

    @Override
    public String toString() {
        return "SchedulingConfig" + Arrays.toString(classes) + " bypass=" + criticalMaxBypass;
    }
}
