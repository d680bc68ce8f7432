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
 */
public record SchedulingConfig(ClassSettings[] classes, int criticalMaxBypass, long watchdogWindowNanos,
                               int watchdogWindows, double watchdogTolerance, int shadowCapacity) {

    private static final long MS = 1_000_000L;

    public SchedulingConfig {
        if (classes.length != TrafficClass.COUNT) {
            throw new IllegalArgumentException("need settings for all " + TrafficClass.COUNT + " classes, got " + classes.length);
        }
        if (criticalMaxBypass < 0 || watchdogWindowNanos <= 0 || watchdogWindows < 1
                || watchdogTolerance < 0 || watchdogTolerance >= 1 || shadowCapacity < 1) {
            throw new IllegalArgumentException("critical-max-bypass >= 0, watchdog window > 0, windows >= 1,"
                    + " 0 <= tolerance < 1 and shadow capacity >= 1 are required");
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
                0, 250 * MS, 4, 0.05, 1 << 16);
    }

    /** The settings of one class. */
    public ClassSettings of(int classIndex) {
        return classes[classIndex];
    }

    /** A copy with one class's settings replaced. */
    public SchedulingConfig with(TrafficClass c, ClassSettings settings) {
        ClassSettings[] copy = classes.clone();
        copy[c.ordinal()] = settings;
        return new SchedulingConfig(copy, criticalMaxBypass, watchdogWindowNanos, watchdogWindows, watchdogTolerance, shadowCapacity);
    }

    /** A copy with another CRITICAL bypass bound. */
    public SchedulingConfig withCriticalMaxBypass(int bypass) {
        return new SchedulingConfig(classes, bypass, watchdogWindowNanos, watchdogWindows, watchdogTolerance, shadowCapacity);
    }

    /** A copy with another watchdog window and tolerance. */
    public SchedulingConfig withWatchdog(long windowNanos, int windows, double tolerance) {
        return new SchedulingConfig(classes, criticalMaxBypass, windowNanos, windows, tolerance, shadowCapacity);
    }

    @Override
    public ClassSettings[] classes() {
        return classes.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SchedulingConfig s && Arrays.equals(classes, s.classes) && criticalMaxBypass == s.criticalMaxBypass
                && watchdogWindowNanos == s.watchdogWindowNanos && watchdogWindows == s.watchdogWindows
                && watchdogTolerance == s.watchdogTolerance && shadowCapacity == s.shadowCapacity;
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
