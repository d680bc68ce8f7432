package io.tidegate.gateway.remediation;

import io.grpc.Status;
import io.tidegate.gateway.security.Identity;
import io.tidegate.gateway.server.RiskGate;
import io.tidegate.proto.v1.Message;
import io.tidegate.proto.v1.Priority;
import java.util.Locale;
import java.util.function.LongSupplier;

/**
 * {@code shed-at-spool}: while the disk spool fills past {@code bulk-above} of its capacity,
 * client publishes at BULK are refused RESOURCE_EXHAUSTED, past {@code low-above} LOW ones too,
 * until the spool is below {@code resume-below} again (hysteresis). Sits in front of the publish
 * path's {@link RiskGate} and hands everything else to it.
 *
 * <p>Threading: {@link #check()} from the remediation thread only (it alone changes the level);
 * the gate methods from any thread: one volatile read, no allocation for what passes.
 */
public final class SpoolShedding implements RiskGate, Watchdog {

    private static final Status BULK = Status.RESOURCE_EXHAUSTED.withDescription("the gateway is shedding BULK "
            + "publishes because its spool is nearly full (Redis unreachable); retry later or publish at a higher "
            + "priority");
    private static final Status BULK_AND_LOW = Status.RESOURCE_EXHAUSTED.withDescription("the gateway is shedding "
            + "LOW and BULK publishes because its spool is nearly full (Redis unreachable); retry later or publish at "
            + "a higher priority");

    private final RiskGate next;
    private final LongSupplier spoolBytes;
    private final long maxBytes;
    private final double bulkAbove;
    private final double lowAbove;
    private final double resumeBelow;
    private final ActionGuard guard;
    /** 0: accept all; 1: refuse BULK; 2: refuse BULK and LOW. */
    private volatile int level;

    public SpoolShedding(RiskGate next, LongSupplier spoolBytes, long maxBytes, double bulkAbove, double lowAbove,
                         double resumeBelow, ActionGuard guard) {
        this.next = next;
        this.spoolBytes = spoolBytes;
        this.maxBytes = maxBytes;
        this.bulkAbove = bulkAbove;
        this.lowAbove = lowAbove;
        this.resumeBelow = resumeBelow;
        this.guard = guard;
    }

    @Override
    public Status check(Identity who, Message message) {
        int l = level;
        if (l > 0) {
            Priority p = message.getPriority();
            if (p == Priority.PRIORITY_BULK) {
                return l == 1 ? BULK : BULK_AND_LOW;
            }
            if (p == Priority.PRIORITY_LOW && l == 2) {
                return BULK_AND_LOW;
            }
        }
        return next.check(who, message);
    }

    @Override
    public void stored(Message message) {
        next.stored(message);
    }

    @Override
    public void failed(Message message) {
        next.failed(message);
    }

    /** The current level: 0 accepts all, 1 refuses BULK, 2 refuses BULK and LOW. */
    public int level() {
        return level;
    }

    @Override
    public void check() {
        if (!guard.enabled() || maxBytes <= 0) {
            return;
        }
        double fill = (double) spoolBytes.getAsLong() / maxBytes;
        int want = fill > lowAbove ? 2 : fill > bulkAbove ? 1 : fill < resumeBelow ? 0 : level;
        if (want > level) {
            String classes = want == 2 ? "LOW and BULK" : "BULK";
            if (guard.attempt("spool", String.format(Locale.ROOT, "spool at %.0f %% of resilience.spool.max-bytes; "
                    + "refusing %s publishes until it is below %.0f %%", fill * 100, classes, resumeBelow * 100),
                    () -> level = want)) {
                return;
            }
        } else if (want == 0 && level > 0) {
            level = 0;
            guard.ended("spool", String.format(Locale.ROOT, "spool at %.0f %%, below %.0f %%: accepting every "
                    + "priority again", fill * 100, resumeBelow * 100));
        }
    }
}
