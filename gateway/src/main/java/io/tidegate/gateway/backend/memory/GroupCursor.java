package io.tidegate.gateway.backend.memory;

import io.tidegate.gateway.backend.EntryId;
import io.tidegate.gateway.backend.GroupSteering;
import io.tidegate.gateway.backend.StoredMessage;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.PriorityQueue;

/**
 * One consumer group's state on one topic: the offset of the next never-delivered entry, the
 * pending entries (delivered, not yet acked: owner, delivery count, deadline), the entries
 * ready for redelivery, and the members to wake when some are ready. An entry whose deadline
 * passes after {@code maxDeliveries} deliveries is handed to the backend's dead-letter path.
 *
 * <p>Strict key order ({@link io.tidegate.gateway.backend.SubscriptionSpec#strictKeyOrder()}):
 * a {@link KeyLease} per ordering key with messages pending says which member holds the key and
 * which one message of it is out. A fresh entry of a key that has a lease waits in the lease
 * (state {@code WAITING}) instead of being delivered; when the message out is acked or
 * dead-lettered the next waiting one goes to the holder, or, when the holder left or did not
 * take it within its ack deadline, to whichever member takes it first. A message out that expires or is nacked becomes ready with
 * its key: the member that takes it becomes the holder, and the waiting ones follow it. So at
 * any moment one member holds a key, and its messages go out one at a time in stream order.
 * Groups without strict members never create a lease and pay nothing for this.
 *
 * <p>{@code delivery.balancer = predictive}: a member about to take a message nobody holds the
 * key of (fresh, ready for redelivery, or a free key) asks the group's {@link GroupSteering}
 * whether another member with demand is predicted to finish it sooner; if so it leaves the
 * message, wakes that member and stops. When even that member's prediction is above the
 * admission bound (3× the best service estimate plus how long the message has waited: the fast
 * members are all busy) nobody takes it yet, so it goes to the next fast member with credit
 * rather than to a slow one, unless it waits long enough. A 1 ms retry timer wakes the group
 * again after any refusal, so a message left this way is never stranded. Under {@code pull}
 * none of this runs.
 *
 * <p>Threading: all state is guarded by this object's monitor. While holding it only the
 * {@link TopicLog}'s monitor is taken (to read entries); dead-lettering and waking members
 * happen after it is released, so appends and subscriptions never wait on a group.
 */
final class GroupCursor implements MemorySubscription.Source {

    private static final MemorySubscription[] NO_MEMBERS = new MemorySubscription[0];
    private static final int IN_FLIGHT = 0;
    private static final int READY = 1;
    private static final int DONE = 2;
    /** Strict order: read from the log, waiting in its key's lease behind the message out. */
    private static final int WAITING = 3;
    /** How soon the group is woken again after a member left a message to another one. */
    private static final long STEER_RETRY_NANOS = 1_000_000L;

    final String group;
    final TopicLog log;
    private final MemoryBackend backend;
    private final int maxDeliveries;

    private long next;
    private final HashMap<EntryId, Pending> pending = new HashMap<>();
    private final ArrayDeque<Pending> ready = new ArrayDeque<>();
    // Deadlines change on nack and extend; rather than re-keying the heap, a new node is added
    // and the old one is skipped when it surfaces (its time no longer matches the entry's).
    private PriorityQueue<Deadline> deadlines = new PriorityQueue<>();
    private long armedAt = Long.MAX_VALUE;
    // Strict order only; all empty in a group without strict members. A key queued in both the
    // ready keys of a member and the free keys is fine: take() checks who may take it.
    private final HashMap<String, KeyLease> leases = new HashMap<>();
    private final HashMap<MemorySubscription, ArrayDeque<KeyLease>> readyKeys = new HashMap<>();
    private final ArrayDeque<KeyLease> freeKeys = new ArrayDeque<>();
    private volatile MemorySubscription[] members = NO_MEMBERS;
    // racy increments only skew the rotation, which is harmless
    private int signalRotation;
    /** Predictive: a take left a message to another member; set and read under the monitor. */
    private boolean steeredAway;
    private boolean steerRetryArmed;

    GroupCursor(String group, TopicLog log, long startOffset, MemoryBackend backend, int maxDeliveries) {
        this.group = group;
        this.log = log;
        this.next = startOffset;
        this.backend = backend;
        this.maxDeliveries = maxDeliveries;
    }

    /** Entries appended to the topic and not yet delivered to the group. */
    synchronized long lag() {
        return Math.max(0, log.tailOffset() - next);
    }

    /** An entry delivered to the group and not yet acked. */
    private static final class Pending {
        final StoredMessage entry;
        MemorySubscription owner;
        int deliveries;
        long deadline;
        int state;
        /** Strict order: the lease of this entry's key; null otherwise. */
        KeyLease lease;

        Pending(StoredMessage entry) {
            this.entry = entry;
        }
    }

    /** Strict order: one key's holder, its one message out, and the messages waiting behind it. */
    private static final class KeyLease {
        final String key;
        /** Null while the key is free: its holder left, or its message out expired. */
        MemorySubscription owner;
        /** Delivered and not acked (or ready for redelivery); null when none is out. */
        Pending out;
        final ArrayDeque<Pending> waiting = new ArrayDeque<>();
        /** In its holder's ready keys or in the free keys. */
        boolean queued;

        KeyLease(String key) {
            this.key = key;
        }
    }

    private record Deadline(long at, Pending pending) implements Comparable<Deadline> {
        @Override
        public int compareTo(Deadline o) {
            return Long.compare(at, o.at);
        }

        boolean stale() {
            return (pending.state != IN_FLIGHT && pending.state != WAITING) || pending.deadline != at;
        }
    }

    /**
     * Keys whose next message may go out (strict order), then ready entries (they waited
     * longest), then entries never delivered to the group.
     */
    @Override
    public synchronized int take(MemorySubscription member, int max, List<StoredMessage> out) {
        if (member.isClosed()) {
            return 0;
        }
        long now = System.nanoTime();
        int taken = 0;
        steeredAway = false;
        if (!leases.isEmpty()) {
            taken += takeKeys(readyKeys.get(member), member, max, out, now);
            taken += takeKeys(freeKeys, member, max - taken, out, now);
        }
        Pending p;
        while (taken < max && !steeredAway && (p = ready.pollFirst()) != null) {
            if (p.state != READY) {
                continue;
            }
            if (!mayTake(member, p.entry)) {
                ready.addFirst(p);
                break;
            }
            if (p.lease != null) {
                // the key moves with its message out; the waiting ones follow it
                p.lease.owner = member;
            }
            p.deliveries++;
            assign(p, member, now);
            StoredMessage e = p.entry;
            out.add(new StoredMessage(e.position(), e.message(), e.acceptedNanos(), p.deliveries));
            taken++;
        }
        if (taken < max && !steeredAway) {
            if (member.steering != null) {
                taken += takeFreshSteered(member, max - taken, out, now);
            } else {
                taken += member.spec.strictKeyOrder() ? takeFreshStrict(member, max - taken, out, now)
                        : takeFresh(member, max - taken, out, now);
            }
        }
        if (taken > 0) {
            arm(now);
        }
        if (steeredAway && !steerRetryArmed) {
            steerRetryArmed = true;
            backend.schedule(this::steerRetry, STEER_RETRY_NANOS);
        }
        return taken;
    }

    /**
     * Predictive: whether {@code member} should take {@code entry}, a message nobody holds the key
     * of; if another member should, wakes it. Either way a refused take is marked, so the group is
     * woken again shortly (the chosen member's demand may be gone, or nobody may take it yet).
     */
    private boolean mayTake(MemorySubscription member, StoredMessage entry) {
        if (member.steering == null) {
            return true;
        }
        long waitNanos = Math.max(0, backend.wallClockMillis() - entry.position().entryId().millis()) * 1_000_000L;
        MemorySubscription to = member.steering.choose(member.steer, waitNanos);
        if (to == member) {
            return true;
        }
        steeredAway = true;
        if (to != null) {
            to.signal();
        }
        return false;
    }

    private void steerRetry() {
        synchronized (this) {
            steerRetryArmed = false;
        }
        signalMembers();
    }

    /**
     * Predictive: fresh entries one at a time, each only after {@link #mayTake}; an entry whose
     * key has a lease (strict order) waits in it as in {@link #takeFreshStrict} and needs no choice.
     */
    private int takeFreshSteered(MemorySubscription member, int max, List<StoredMessage> out, long now) {
        int taken = 0;
        boolean strict = member.spec.strictKeyOrder();
        while (taken < max) {
            int at = out.size();
            long after = log.read(next, 1, out);
            if (out.size() == at) {
                next = after;
                break;
            }
            StoredMessage m = out.get(at);
            KeyLease lease = strict ? leases.get(m.orderingKey()) : null;
            if (lease != null) {
                next = after;
                out.remove(at);
                Pending fresh = new Pending(m);
                pending.put(m.position().entryId(), fresh);
                fresh.lease = lease;
                fresh.state = WAITING;
                lease.waiting.addLast(fresh);
                continue;
            }
            if (!mayTake(member, m)) {
                out.remove(at);
                break;
            }
            next = after;
            Pending fresh = new Pending(m);
            pending.put(m.position().entryId(), fresh);
            if (strict) {
                lease = new KeyLease(m.orderingKey());
                leases.put(lease.key, lease);
                lease.owner = member;
                lease.out = fresh;
                fresh.lease = lease;
            }
            fresh.deliveries = 1;
            assign(fresh, member, now);
            taken++;
        }
        return taken;
    }

    private int takeFresh(MemorySubscription member, int max, List<StoredMessage> out, long now) {
        int before = out.size();
        next = log.read(next, max, out);
        for (int i = before; i < out.size(); i++) {
            Pending fresh = new Pending(out.get(i));
            fresh.deliveries = 1;
            assign(fresh, member, now);
            pending.put(fresh.entry.position().entryId(), fresh);
        }
        return out.size() - before;
    }

    /**
     * Reads on until {@code max} entries could go out or the log is exhausted: an entry whose key
     * has a lease waits in it and does not count.
     */
    private int takeFreshStrict(MemorySubscription member, int max, List<StoredMessage> out, long now) {
        int before = out.size();
        while (out.size() - before < max) {
            int from = out.size();
            next = log.read(next, max - (from - before), out);
            if (out.size() == from) {
                break;
            }
            int kept = from;
            for (int i = from; i < out.size(); i++) {
                StoredMessage m = out.get(i);
                Pending fresh = new Pending(m);
                pending.put(m.position().entryId(), fresh);
                KeyLease lease = leases.get(m.orderingKey());
                if (lease == null) {
                    lease = new KeyLease(m.orderingKey());
                    leases.put(lease.key, lease);
                    lease.owner = member;
                    lease.out = fresh;
                    fresh.lease = lease;
                    fresh.deliveries = 1;
                    assign(fresh, member, now);
                    out.set(kept++, m);
                } else {
                    fresh.lease = lease;
                    fresh.state = WAITING;
                    lease.waiting.addLast(fresh);
                }
            }
            out.subList(kept, out.size()).clear();
        }
        return out.size() - before;
    }

    /** Sends the next waiting message of each queued key this member may take. */
    private int takeKeys(ArrayDeque<KeyLease> keys, MemorySubscription member, int max, List<StoredMessage> out,
                         long now) {
        int taken = 0;
        KeyLease lease;
        while (keys != null && taken < max && (lease = keys.pollFirst()) != null) {
            lease.queued = false;
            if (lease.out != null || lease.waiting.isEmpty() || (lease.owner != null && lease.owner != member)) {
                continue;
            }
            if (lease.owner == null && !mayTake(member, lease.waiting.peekFirst().entry)) {
                lease.queued = true;
                keys.addFirst(lease);
                break;
            }
            lease.owner = member;
            Pending p = lease.waiting.pollFirst();
            lease.out = p;
            p.deliveries = 1;
            assign(p, member, now);
            out.add(p.entry);
            taken++;
        }
        return taken;
    }

    void ack(Collection<EntryId> ids) {
        List<MemorySubscription> wake = new ArrayList<>(0);
        synchronized (this) {
            for (EntryId id : ids) {
                Pending p = pending.remove(id);
                if (p != null) {
                    if (p.state == IN_FLIGHT && p.owner != null && p.owner.steering != null) {
                        p.owner.steering.acked(p.owner.steer, 1);
                    }
                    settle(p, wake);
                }
            }
            // acked entries leave their heap nodes behind; rebuild before they dominate
            if (deadlines.size() > 2 * pending.size() + 1024) {
                compactDeadlines();
            }
        }
        wakeAll(wake);
    }

    /** Makes in-flight entries redeliverable after {@code delayNanos} (at once when zero). */
    void nack(Collection<EntryId> ids, long delayNanos) {
        reschedule(ids, delayNanos);
    }

    /** Moves in-flight entries' deadlines to now plus {@code extensionNanos}. */
    void extend(Collection<EntryId> ids, long extensionNanos) {
        reschedule(ids, extensionNanos);
    }

    private void reschedule(Collection<EntryId> ids, long fromNowNanos) {
        List<StoredMessage> dead = new ArrayList<>(0);
        boolean readied;
        synchronized (this) {
            long now = System.nanoTime();
            for (EntryId id : ids) {
                Pending p = pending.get(id);
                if (p != null && p.state == IN_FLIGHT) {
                    p.deadline = now + Math.max(0, fromNowNanos);
                    deadlines.add(new Deadline(p.deadline, p));
                }
            }
            readied = expire(now, dead);
            arm(now);
        }
        afterExpiry(dead, readied);
    }

    void addMember(MemorySubscription member) {
        synchronized (this) {
            MemorySubscription[] old = members;
            MemorySubscription[] grown = Arrays.copyOf(old, old.length + 1);
            grown[old.length] = member;
            members = grown;
        }
    }

    /**
     * Removes a member and makes its in-flight entries ready for the others at once: a closed
     * member will not ack them, so waiting for their deadlines would only add latency.
     */
    void removeMember(MemorySubscription member) {
        boolean released;
        synchronized (this) {
            MemorySubscription[] old = members;
            List<MemorySubscription> kept = new ArrayList<>(old.length);
            for (MemorySubscription m : old) {
                if (m != member) {
                    kept.add(m);
                }
            }
            members = kept.toArray(NO_MEMBERS);
            List<Pending> orphans = new ArrayList<>();
            for (Pending p : pending.values()) {
                if (p.owner == member && p.state == IN_FLIGHT) {
                    orphans.add(p);
                }
            }
            // keep entry order so per-key order survives the hand-over as far as it can
            orphans.sort(Comparator.comparing(p -> p.entry.position().entryId()));
            for (Pending p : orphans) {
                p.state = READY;
                p.owner = null;
                ready.addLast(p);
            }
            released = !orphans.isEmpty() | freeKeysOf(member);
        }
        if (released) {
            signalMembers();
        }
    }

    /** Strict order: the keys a leaving member held go to whichever member takes them first. */
    private boolean freeKeysOf(MemorySubscription member) {
        readyKeys.remove(member);
        boolean freed = false;
        for (KeyLease lease : leases.values()) {
            if (lease.owner != member) {
                continue;
            }
            lease.owner = null;
            if (lease.out == null) {
                // it was queued with the leaving member, whose queue is gone
                lease.queued = true;
                freeKeys.addLast(lease);
                freed = true;
            }
        }
        return freed;
    }

    synchronized int pendingCount() {
        return pending.size();
    }

    synchronized int deadlineNodes() {
        return deadlines.size();
    }

    void signalMembers() {
        MemorySubscription[] all = members;
        int start = all.length == 0 ? 0 : Math.floorMod(signalRotation++, all.length);
        for (int i = 0; i < all.length; i++) {
            all[(start + i) % all.length].signal();
        }
    }

    /** Done with an entry (acked or dead): a strict key's next message may go out. */
    private void settle(Pending p, List<MemorySubscription> wake) {
        int was = p.state;
        p.state = DONE;
        KeyLease lease = p.lease;
        if (lease == null) {
            return;
        }
        if (was == WAITING) {
            lease.waiting.remove(p);
        } else if (lease.out == p) {
            lease.out = null;
        } else {
            return;
        }
        if (lease.out != null) {
            return;
        }
        if (lease.waiting.isEmpty()) {
            leases.remove(lease.key);
        } else if (!lease.queued) {
            lease.queued = true;
            if (lease.owner != null) {
                readyKeys.computeIfAbsent(lease.owner, m -> new ArrayDeque<>()).addLast(lease);
                wake.add(lease.owner);
                // a holder that does not take it within a deadline (no credit, stuck) loses the key
                Pending head = lease.waiting.peekFirst();
                head.deadline = System.nanoTime() + lease.owner.ackDeadlineNanos;
                deadlines.add(new Deadline(head.deadline, head));
                arm(System.nanoTime());
            } else {
                freeKeys.addLast(lease);
                wake.addAll(Arrays.asList(members));
            }
        }
    }

    /**
     * A key's next message waited a whole deadline for its holder to take it: the key goes to
     * whichever member takes it first (as a Redis reclaim does with an idle waiting entry).
     */
    private boolean freeUntakenKey(Pending head) {
        KeyLease lease = head.lease;
        if (lease.out != null || lease.owner == null || lease.waiting.peekFirst() != head) {
            return false;
        }
        // a copy may stay in the old holder's ready keys; take() checks the holder, so it is harmless
        lease.owner = null;
        lease.queued = true;
        freeKeys.addLast(lease);
        return true;
    }

    private static void wakeAll(List<MemorySubscription> wake) {
        for (MemorySubscription m : wake) {
            m.signal();
        }
    }

    private void assign(Pending p, MemorySubscription member, long now) {
        if (member.steering != null) {
            member.steering.delivered(member.steer, 1);
        }
        p.owner = member;
        p.state = IN_FLIGHT;
        p.deadline = now + member.ackDeadlineNanos;
        deadlines.add(new Deadline(p.deadline, p));
    }

    /** Moves every entry whose deadline passed to ready, or to {@code dead} at the last delivery. */
    private boolean expire(long now, List<StoredMessage> dead) {
        boolean readied = false;
        Deadline d;
        while ((d = deadlines.peek()) != null && d.at <= now) {
            deadlines.poll();
            if (d.stale()) {
                continue;
            }
            Pending p = d.pending;
            if (p.state == WAITING) {
                readied |= freeUntakenKey(p);
                continue;
            }
            if (p.owner != null && p.owner.steering != null) {
                p.owner.steering.released(p.owner.steer, 1);
            }
            if (p.deliveries >= maxDeliveries) {
                pending.remove(p.entry.position().entryId());
                dead.add(p.entry);
                List<MemorySubscription> wake = new ArrayList<>(0);
                settle(p, wake);
                readied |= !wake.isEmpty();
            } else {
                p.state = READY;
                p.owner = null;
                if (p.lease != null) {
                    p.lease.owner = null;
                }
                ready.addLast(p);
                readied = true;
            }
        }
        return readied;
    }

    // One timer per group is enough: it is set for the earliest live deadline only.
    private void arm(long now) {
        Deadline d;
        while ((d = deadlines.peek()) != null && d.stale()) {
            deadlines.poll();
        }
        if (d != null && d.at < armedAt) {
            long target = d.at;
            armedAt = target;
            backend.schedule(() -> onTimer(target), target - now);
        }
    }

    private void onTimer(long target) {
        List<StoredMessage> dead = new ArrayList<>(0);
        boolean readied;
        synchronized (this) {
            if (armedAt == target) {
                armedAt = Long.MAX_VALUE;
            }
            long now = System.nanoTime();
            readied = expire(now, dead);
            arm(now);
        }
        afterExpiry(dead, readied);
    }

    private void afterExpiry(List<StoredMessage> dead, boolean readied) {
        if (!dead.isEmpty()) {
            backend.deadLetter(group, log.topic, dead, maxDeliveries);
        }
        if (readied) {
            signalMembers();
        }
    }

    private void compactDeadlines() {
        PriorityQueue<Deadline> live = new PriorityQueue<>(Math.max(16, pending.size()));
        for (Pending p : pending.values()) {
            boolean waitsForItsHolder = p.state == WAITING && p.lease.out == null && p.lease.owner != null
                    && p.lease.waiting.peekFirst() == p;
            if (p.state == IN_FLIGHT || waitsForItsHolder) {
                live.add(new Deadline(p.deadline, p));
            }
        }
        deadlines = live;
    }
}
