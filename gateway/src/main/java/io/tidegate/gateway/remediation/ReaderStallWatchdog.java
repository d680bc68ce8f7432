package io.tidegate.gateway.remediation;

import io.tidegate.gateway.backend.ReadLoop;
import java.time.Duration;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * {@code restart-reader}: restarts a backend read loop that has demand but made no progress for
 * {@code stall-after}. Not while the reads are known to fail (breaker not closed, backend not
 * ready): the loop then waits for Redis by design, and that is reported, not fixed. Called from
 * the remediation thread only.
 */
public final class ReaderStallWatchdog implements Watchdog {

    private final Supplier<List<ReadLoop>> loops;
    private final BooleanSupplier readsHealthy;
    private final long stallAfterNanos;
    private final Duration stallAfter;
    private final ActionGuard guard;

    public ReaderStallWatchdog(Supplier<List<ReadLoop>> loops, BooleanSupplier readsHealthy, Duration stallAfter,
                               ActionGuard guard) {
        this.loops = loops;
        this.readsHealthy = readsHealthy;
        this.stallAfter = stallAfter;
        this.stallAfterNanos = stallAfter.toNanos();
        this.guard = guard;
    }

    @Override
    public void check() {
        if (!guard.enabled() || !readsHealthy.getAsBoolean()) {
            return;
        }
        long now = System.nanoTime();
        for (ReadLoop loop : loops.get()) {
            long idle = now - loop.lastProgressNanos();
            if (idle >= stallAfterNanos && loop.hasDemand()) {
                guard.attempt(loop.name(), "read loop has demand but made no progress for "
                        + Duration.ofNanos(idle).toMillis() + " ms (stall-after " + stallAfter.toMillis()
                        + " ms); closing its connections and reading again", loop::restart);
            }
        }
    }
}
