package io.tidegate.gateway.backend;

import io.tidegate.gateway.config.GatewayConfig;
import io.tidegate.intelligence.balancing.BalancerKind;
import io.tidegate.intelligence.balancing.BalancerSettings;
import io.tidegate.intelligence.balancing.GroupBalancer;
import io.tidegate.intelligence.balancing.PredictiveBalancer;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code delivery.balancer = predictive} for one consumer group on this gateway: a
 * {@link PredictiveBalancer} over the group's members connected here, told of every delivery,
 * ack and release, and asked either which member should take the next free message
 * ({@link #choose}: the memory backend, where every member is local) or how many new messages a
 * member may read now ({@link #admissible}: Redis, where members on other replicas read the
 * same stream). Messages whose ordering key is held (strict key order) are never steered.
 *
 * <p>Members are handles of type {@code T} (the backend's subscription); a member that joins
 * when {@code maxMembers} are already present gets no slot and reads as under pull. Memory is
 * bounded by {@code delivery.balancer-max-members}.
 *
 * <p>Thread-safe: every method takes this object's monitor briefly (O(members), no blocking,
 * no other lock taken under it).
 *
 * @param <T> what a member is to the backend
 */
public final class GroupSteering<T> {

    /** One member's place in the balancer; {@link #joined()} false when it reads as under pull. */
    public static final class Member<T> {
        final T owner;
        final int slot;
        boolean live;

        Member(T owner, int slot) {
            this.owner = owner;
            this.slot = slot;
            this.live = slot >= 0;
        }

        /** Whether the member has a predictor (false beyond {@code balancer-max-members}). */
        public boolean joined() {
            return slot >= 0;
        }

        /** The backend's handle of this member. */
        public T owner() {
            return owner;
        }
    }

    private final PredictiveBalancer balancer;
    private final Object[] owners;
    private final AtomicLong steeredAway;
    /** Memory backend: the slot the last refused message was left for, until it takes one. */
    private int promised = GroupBalancer.NONE;

    /**
     * A steering for one group with room for {@code settings.maxMembers()} members;
     * {@code steeredAway} counts messages a member was refused because another was predicted
     * to finish them sooner (shared by all groups of a backend).
     */
    public GroupSteering(GatewayConfig.Balancing settings, AtomicLong steeredAway) {
        if (settings.kind() != BalancerKind.PREDICTIVE) {
            throw new IllegalArgumentException("steering is for delivery.balancer = predictive");
        }
        this.balancer = new PredictiveBalancer(settings.maxMembers(), BalancerSettings.defaults());
        this.owners = new Object[settings.maxMembers()];
        this.steeredAway = steeredAway;
    }

    /**
     * A member joins with no credit: the caller reports its demand with {@link #grant}, and only
     * members with some left are chosen or count as the fastest here (a member that asks for
     * nothing must not hold back one that reads).
     */
    public synchronized Member<T> join(T owner) {
        long now = System.nanoTime();
        for (int slot = 0; slot < owners.length; slot++) {
            if (owners[slot] == null) {
                owners[slot] = owner;
                balancer.join(slot, now);
                return new Member<>(owner, slot);
            }
        }
        return new Member<>(owner, -1);
    }

    /** The member left; later reports about it are ignored. */
    public synchronized void leave(Member<T> m) {
        if (m.live) {
            m.live = false;
            balancer.leave(m.slot);
            owners[m.slot] = null;
            if (promised == m.slot) {
                promised = GroupBalancer.NONE;
            }
        }
    }

    /** The member's demand grew by {@code n}. */
    public synchronized void grant(Member<T> m, int n) {
        if (m.live && n > 0) {
            balancer.grant(m.slot, n, System.nanoTime());
        }
    }

    /** {@code n} messages went out to the member. */
    public synchronized void delivered(Member<T> m, int n) {
        if (!m.live) {
            return;
        }
        long now = System.nanoTime();
        for (int i = 0; i < n; i++) {
            balancer.delivered(m.slot, now);
        }
    }

    /** The member acked {@code n} of the messages it held. */
    public synchronized void acked(Member<T> m, int n) {
        if (!m.live) {
            return;
        }
        long now = System.nanoTime();
        for (int i = 0; i < n && balancer.predictor(m.slot).outstanding() > 0; i++) {
            balancer.acked(m.slot, now);
        }
    }

    /** {@code n} messages the member held came back undone (nack, deadline, dead-lettered). */
    public synchronized void released(Member<T> m, int n) {
        if (!m.live) {
            return;
        }
        long now = System.nanoTime();
        for (int i = 0; i < n && balancer.predictor(m.slot).outstanding() > 0; i++) {
            balancer.released(m.slot, now);
        }
    }

    /**
     * Memory backend: who should take a message nobody holds the key of, which has waited
     * {@code waitNanos} since it was published, when {@code taker} is about to take it:
     * {@code taker} itself; another member, the one with demand predicted to finish it first (wake
     * it); or null when that member is not admitted yet (its prediction is above the bound of
     * {@link PredictiveBalancer#admits}, which grows with the wait): the message waits for a
     * faster member's credit, or until it waited long enough. A taker without a slot always takes.
     */
    @SuppressWarnings("unchecked")
    public synchronized T choose(Member<T> taker, long waitNanos) {
        if (!taker.live) {
            return taker.owner;
        }
        if (promised == taker.slot) {
            // the member this message was left for: its take must not be a new decision, or a
            // probe would never reach the probed member
            promised = GroupBalancer.NONE;
            return taker.owner;
        }
        long now = System.nanoTime();
        int m = balancer.pick(now, GroupBalancer.NONE);
        if (m == GroupBalancer.NONE || owners[m] == null) {
            m = taker.slot;
        }
        if (!balancer.admits(m, now, waitNanos)) {
            steeredAway.incrementAndGet();
            return null;
        }
        if (m == taker.slot) {
            return taker.owner;
        }
        promised = m;
        steeredAway.incrementAndGet();
        return (T) owners[m];
    }

    /**
     * Redis: how many new messages the member may read now, at most {@code max}, given how long
     * the oldest message nobody read yet has waited (negative: none). 0 means it should leave
     * new messages to faster members for now; see {@link #nanosUntilAdmitted}.
     */
    public synchronized int admissible(Member<T> m, long oldestUnreadWaitNanos, int max) {
        if (!m.live) {
            return max;
        }
        return balancer.admissible(m.slot, System.nanoTime(), oldestUnreadWaitNanos, max);
    }

    /** Redis: a member held back a read because others are predicted to finish sooner. */
    public void countSteered() {
        steeredAway.incrementAndGet();
    }

    /** Redis: how long until a refused member would be admitted if nothing else changed. */
    public synchronized long nanosUntilAdmitted(Member<T> m, long oldestUnreadWaitNanos) {
        return m.live ? balancer.nanosUntilAdmitted(m.slot, System.nanoTime(), oldestUnreadWaitNanos) : 0;
    }
}
