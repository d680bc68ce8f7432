package io.tidegate.gateway.security;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Counts refused authentications per reason (the {@code tidegate.auth.refusals} metric) and
 * writes one structured audit line per refusal on the logger {@code tidegate.audit}, at most
 * {@value #BURST} at once and {@value #LINES_PER_SECOND} a second per reason, so a flood of
 * bad calls cannot flood the log; the next line written for a reason says how many were
 * suppressed before it. Thread-safe.
 */
public final class AuthRefusals {

    static final int BURST = 20;
    static final double LINES_PER_SECOND = 5;

    private static final Logger audit = LoggerFactory.getLogger("tidegate.audit");

    private final Map<Refusal.Reason, LongAdder> counts = new EnumMap<>(Refusal.Reason.class);
    private final Map<Refusal.Reason, LineBudget> budgets = new EnumMap<>(Refusal.Reason.class);

    private final java.util.function.LongSupplier nanoTime;

    public AuthRefusals() {
        this(System::nanoTime);
    }

    /** @param nanoTime the clock of the line budgets (tests) */
    AuthRefusals(java.util.function.LongSupplier nanoTime) {
        this.nanoTime = nanoTime;
        long now = nanoTime.getAsLong();
        for (Refusal.Reason r : Refusal.Reason.values()) {
            counts.put(r, new LongAdder());
            budgets.put(r, new LineBudget(now, BURST, LINES_PER_SECOND));
        }
    }

    /** Refusals so far for each reason (every reason present, 0 when none). */
    public Map<Refusal.Reason, Long> counts() {
        Map<Refusal.Reason, Long> snapshot = new EnumMap<>(Refusal.Reason.class);
        counts.forEach((r, c) -> snapshot.put(r, c.sum()));
        return snapshot;
    }

    /**
     * Counts a refusal and writes its audit line unless the reason's line budget is spent.
     *
     * @param identity who the caller proved to be, or "" when unknown
     * @param peer     the remote address
     * @param action   what was refused, e.g. {@code grpc tidegate.v1.GatewayService/Connect}
     */
    void refused(Refusal refusal, String identity, String peer, String action) {
        Refusal.Reason reason = refusal.reason();
        counts.get(reason).increment();
        long suppressed = budgets.get(reason).take(nanoTime.getAsLong());
        if (suppressed < 0) {
            return;
        }
        audit.atWarn()
                .addKeyValue("event", "auth_refused")
                .addKeyValue("reason", reason.label())
                .addKeyValue("identity", identity)
                .addKeyValue("peer", peer)
                .addKeyValue("action", action)
                .addKeyValue("suppressed", suppressed)
                .log("auth refused: reason={} identity=\"{}\" peer={} action=\"{}\" detail=\"{}\"{}", reason.label(),
                        identity, peer, action, refusal.getMessage(),
                        suppressed > 0 ? " (suppressed " + suppressed + " similar lines before this one)" : "");
    }
}
