package io.tidegate.intelligence.balancing.sim;

import io.tidegate.intelligence.balancing.BalancerKind;
import io.tidegate.intelligence.balancing.BalancerSettings;
import io.tidegate.intelligence.balancing.GroupBalancer;
import io.tidegate.intelligence.balancing.PredictiveBalancer;
import io.tidegate.intelligence.balancing.PullBalancer;
import java.util.ArrayDeque;

/**
 * Discrete-event simulation of one consumer group on one Redis stream, reached through one or two
 * gateway replicas. Publishes go into the stream; a message leaves it when a member takes it:
 * under {@code pull} the member with credit whose read waited longest; under {@code predictive}
 * on one gateway the {@link PredictiveBalancer}'s pick; under {@code predictive} on two replicas
 * the longest-waiting read among the members their own replica {@link PredictiveBalancer#admits}
 * (members 0 and 1 on replica A, 2 and 3 on B, each replica knowing only its members), re-checked
 * at every publish and ack and every {@link #POLL_NANOS} while a message waits. A member works
 * through what it got one at a time, first in first out, and acks each; every ack grants its
 * credit back. Work per message is the message's unit draw times the member's mean service time
 * at the start of service.
 *
 * <p>Strict key order is modelled as the gateway keeps it: a key is held by the member that took
 * its first message and only while something of it is pending; while held, the key's later
 * messages are set aside for the holder in publish order and go out one at a time, each after
 * the one before was acked (asked of the balancer with the holder, which must answer the holder
 * or none). Every delivery is checked against these rules and a break is counted.
 *
 * <p>Virtual time only: a run is fast and exactly repeatable for the same arrivals. One run per
 * instance; single-threaded.
 */
public final class GroupSimulator {

    /** How often a replica re-checks its members' admission while a message waits unread. */
    public static final long POLL_NANOS = Scenario.MS;

    private static final int NONE = GroupBalancer.NONE;

    private final Scenario s;
    private final GroupArrivals a;
    private final int members;
    private final boolean replicated;
    private final GroupBalancer single;
    private final PredictiveBalancer[] perReplica;
    private final int[] replicaOf;
    private final int[] credit;
    private final long[] readSince;
    private long reads;
    private final ArrayDeque<Integer>[] buffer;
    private final int[] inService;
    private final long[] doneAt;
    private final ArrayDeque<Integer> unread = new ArrayDeque<>();
    private final int[] holder;
    private final int[] out;
    private final int[] lastDelivered;
    private final ArrayDeque<Integer>[] keyQueue;
    private final ArrayDeque<Integer>[] readyKeys;
    private final long[] latency;
    private final long[] served;
    private long violations;
    private int acked;
    private long now;
    private long nextPoll;

    @SuppressWarnings("unchecked")
    private GroupSimulator(Scenario s, GroupArrivals a, BalancerKind kind, int replicas, BalancerSettings settings) {
        this.s = s;
        this.a = a;
        this.members = s.members();
        this.replicated = kind == BalancerKind.PREDICTIVE && replicas > 1;
        this.replicaOf = new int[members];
        for (int m = 0; m < members; m++) {
            replicaOf[m] = m * replicas / members;
        }
        single = kind == BalancerKind.PULL ? new PullBalancer(members) : new PredictiveBalancer(members, settings);
        perReplica = new PredictiveBalancer[replicas];
        for (int r = 0; r < replicas; r++) {
            perReplica[r] = new PredictiveBalancer(members, settings);
        }
        credit = new int[members];
        readSince = new long[members];
        buffer = new ArrayDeque[members];
        readyKeys = new ArrayDeque[members];
        inService = new int[members];
        doneAt = new long[members];
        for (int m = 0; m < members; m++) {
            buffer[m] = new ArrayDeque<>();
            readyKeys[m] = new ArrayDeque<>();
            inService[m] = NONE;
            balancerOf(m).join(m, 0);
            grant(m, s.creditWindow());
        }
        holder = new int[s.keys()];
        out = new int[s.keys()];
        lastDelivered = new int[s.keys()];
        java.util.Arrays.fill(holder, NONE);
        java.util.Arrays.fill(out, NONE);
        java.util.Arrays.fill(lastDelivered, NONE);
        keyQueue = new ArrayDeque[s.keys()];
        latency = new long[a.size];
        served = new long[members];
    }

    /**
     * Runs the group over the arrivals until every message is acked. {@code replicas} is 1 or 2;
     * {@code pull} is the same on any number of replicas (the stream hands out messages).
     */
    public static RunResult run(Scenario s, GroupArrivals a, BalancerKind kind, int replicas,
                                BalancerSettings settings) {
        if (replicas < 1 || replicas > s.members()) {
            throw new IllegalArgumentException("replicas must be 1.." + s.members() + ", got " + replicas);
        }
        GroupSimulator sim = new GroupSimulator(s, a, kind, replicas, settings);
        sim.loop();
        return new RunResult(sim.latency, sim.served, sim.violations);
    }

    private GroupBalancer balancerOf(int member) {
        return replicated ? perReplica[replicaOf[member]] : single;
    }

    private void loop() {
        int next = 0;
        while (acked < a.size) {
            long arrival = next < a.size ? a.time[next] : Long.MAX_VALUE;
            int done = NONE;
            for (int m = 0; m < members; m++) {
                if (inService[m] != NONE && (done == NONE || doneAt[m] < doneAt[done])) {
                    done = m;
                }
            }
            long completion = done == NONE ? Long.MAX_VALUE : doneAt[done];
            long poll = replicated && !unread.isEmpty() ? nextPoll : Long.MAX_VALUE;
            if (completion <= arrival && completion <= poll) {
                now = completion;
                complete(done);
            } else if (arrival <= poll) {
                now = arrival;
                unread.add(next++);
            } else {
                now = poll;
            }
            dispatch();
            if (!unread.isEmpty() && nextPoll <= now) {
                nextPoll = now + POLL_NANOS;
            }
        }
    }

    private void dispatch() {
        boolean progress = true;
        while (progress) {
            progress = deliverHeldKeys();
            while (!unread.isEmpty()) {
                int i = unread.peek();
                int k = a.key[i];
                if (s.strictKeyOrder() && holder[k] != NONE) {
                    unread.poll();
                    queueOf(k).add(i);
                    continue;
                }
                int m = pickFree(i);
                if (m == NONE) {
                    break;
                }
                unread.poll();
                deliver(m, i);
                progress = true;
            }
        }
    }

    private boolean deliverHeldKeys() {
        boolean any = false;
        for (int m = 0; m < members; m++) {
            while (!readyKeys[m].isEmpty()) {
                int chosen = balancerOf(m).pick(now, m);
                if (chosen == NONE) {
                    break;
                }
                if (chosen != m) {
                    violations++;
                }
                int k = readyKeys[m].poll();
                deliver(m, keyQueue[k].poll());
                any = true;
            }
        }
        return any;
    }

    private int pickFree(int i) {
        if (!replicated) {
            return single.pick(now, NONE);
        }
        long waited = now - a.time[i];
        int best = NONE;
        for (int m = 0; m < members; m++) {
            if (perReplica[replicaOf[m]].admits(m, now, waited) && (best == NONE || readSince[m] < readSince[best])) {
                best = m;
            }
        }
        return best;
    }

    private void deliver(int m, int i) {
        if (s.strictKeyOrder()) {
            int k = a.key[i];
            if (out[k] != NONE || i < lastDelivered[k] || (holder[k] != NONE && holder[k] != m)) {
                violations++;
            }
            holder[k] = m;
            out[k] = i;
            lastDelivered[k] = i;
        }
        credit[m]--;
        if (credit[m] > 0) {
            readSince[m] = ++reads;
        }
        balancerOf(m).delivered(m, now);
        buffer[m].add(i);
        if (inService[m] == NONE) {
            start(m);
        }
    }

    private void start(int m) {
        int i = buffer[m].poll();
        inService[m] = i;
        doneAt[m] = now + Math.max(1, Math.round(a.work[i] * s.meanServiceNanos(m, now)));
    }

    private void complete(int m) {
        int i = inService[m];
        latency[i] = now - a.time[i];
        served[m]++;
        acked++;
        balancerOf(m).acked(m, now);
        grant(m, 1);
        if (s.strictKeyOrder()) {
            int k = a.key[i];
            if (out[k] != i) {
                violations++;
            }
            out[k] = NONE;
            if (keyQueue[k] != null && !keyQueue[k].isEmpty()) {
                readyKeys[m].add(k);
            } else {
                holder[k] = NONE;
            }
        }
        inService[m] = NONE;
        if (!buffer[m].isEmpty()) {
            start(m);
        }
    }

    private void grant(int m, int credits) {
        if (credit[m] == 0) {
            readSince[m] = ++reads;
        }
        credit[m] += credits;
        balancerOf(m).grant(m, credits, now);
    }

    private ArrayDeque<Integer> queueOf(int k) {
        if (keyQueue[k] == null) {
            keyQueue[k] = new ArrayDeque<>();
        }
        return keyQueue[k];
    }
}
