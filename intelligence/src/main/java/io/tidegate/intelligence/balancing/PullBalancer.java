package io.tidegate.intelligence.balancing;

/**
 * The {@code pull} baseline, as a consumer group delivers without a balancer: every member with
 * credit has a read waiting, and the backend hands a new message to the read that has waited
 * longest (Redis serves blocked XREADGROUP clients first come, first served). A member that still
 * has credit after a delivery reads again and queues behind the others; one whose credit ran out
 * reads again when credit comes back. So a slow member keeps taking its share whenever it has
 * room, and always holds up to its whole credit window.
 *
 * <p>O(members) per decision, no allocation. Not thread-safe: see {@link GroupBalancer}.
 */
public final class PullBalancer implements GroupBalancer {

    private final boolean[] present;
    private final int[] credit;
    private final long[] readSince;
    private long reads;

    /** A group of at most {@code maxMembers} members. */
    public PullBalancer(int maxMembers) {
        present = new boolean[maxMembers];
        credit = new int[maxMembers];
        readSince = new long[maxMembers];
    }

    @Override
    public void join(int member, long nowNanos) {
        present[member] = true;
        credit[member] = 0;
    }

    @Override
    public void leave(int member) {
        present[member] = false;
        credit[member] = 0;
    }

    @Override
    public void grant(int member, int credits, long nowNanos) {
        if (credit[member] == 0 && credits > 0) {
            readSince[member] = ++reads;
        }
        credit[member] += credits;
    }

    @Override
    public int pick(long nowNanos, int keyHolder) {
        if (keyHolder != NONE) {
            return present[keyHolder] && credit[keyHolder] > 0 ? keyHolder : NONE;
        }
        int best = NONE;
        for (int m = 0; m < present.length; m++) {
            if (present[m] && credit[m] > 0 && (best == NONE || readSince[m] < readSince[best])) {
                best = m;
            }
        }
        return best;
    }

    @Override
    public void delivered(int member, long nowNanos) {
        if (--credit[member] > 0) {
            readSince[member] = ++reads;
        }
    }

    @Override
    public void acked(int member, long nowNanos) {
        // pull ignores completions: the member's next read is driven by its credit alone
    }

    @Override
    public void released(int member, long nowNanos) {
        // as for acks
    }

    @Override
    public BalancerKind kind() {
        return BalancerKind.PULL;
    }
}
