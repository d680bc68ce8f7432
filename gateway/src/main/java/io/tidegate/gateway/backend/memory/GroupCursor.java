package io.tidegate.gateway.backend.memory;

import io.tidegate.gateway.backend.EntryId;
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
 * <p>Threading: all state is guarded by this object's monitor. While holding it only the
 * {@link TopicLog}'s monitor is taken (to read entries); dead-lettering and waking members
 * happen after it is released, so appends and subscriptions never wait on a group.
 */
final class GroupCursor implements MemorySubscription.Source {

    private static final MemorySubscription[] NO_MEMBERS = new MemorySubscription[0];
    private static final int IN_FLIGHT = 0;
    private static final int READY = 1;
    private static final int DONE = 2;

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
    private volatile MemorySubscription[] members = NO_MEMBERS;
    // racy increments only skew the rotation, which is harmless
    private int signalRotation;

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

        Pending(StoredMessage entry) {
            this.entry = entry;
        }
    }

    private record Deadline(long at, Pending pending) implements Comparable<Deadline> {
        @Override
        public int compareTo(Deadline o) {
            return Long.compare(at, o.at);
        }

        boolean stale() {
            return pending.state != IN_FLIGHT || pending.deadline != at;
        }
    }

    /** Ready entries first (they waited longest), then entries never delivered to the group. */
    @Override
    public synchronized int take(MemorySubscription member, int max, List<StoredMessage> out) {
        if (member.isClosed()) {
            return 0;
        }
        long now = System.nanoTime();
        int taken = 0;
        Pending p;
        while (taken < max && (p = ready.pollFirst()) != null) {
            if (p.state != READY) {
                continue;
            }
            p.deliveries++;
            lease(p, member, now);
            StoredMessage e = p.entry;
            out.add(new StoredMessage(e.position(), e.message(), e.acceptedNanos(), p.deliveries));
            taken++;
        }
        if (taken < max) {
            int before = out.size();
            next = log.read(next, max - taken, out);
            for (int i = before; i < out.size(); i++) {
                Pending fresh = new Pending(out.get(i));
                fresh.deliveries = 1;
                lease(fresh, member, now);
                pending.put(fresh.entry.position().entryId(), fresh);
            }
            taken += out.size() - before;
        }
        if (taken > 0) {
            arm(now);
        }
        return taken;
    }

    void ack(Collection<EntryId> ids) {
        synchronized (this) {
            for (EntryId id : ids) {
                Pending p = pending.remove(id);
                if (p != null) {
                    p.state = DONE;
                }
            }
            // acked entries leave their heap nodes behind; rebuild before they dominate
            if (deadlines.size() > 2 * pending.size() + 1024) {
                compactDeadlines();
            }
        }
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
        boolean released = false;
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
            released = !orphans.isEmpty();
        }
        if (released) {
            signalMembers();
        }
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

    private void lease(Pending p, MemorySubscription member, long now) {
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
            if (p.deliveries >= maxDeliveries) {
                p.state = DONE;
                pending.remove(p.entry.position().entryId());
                dead.add(p.entry);
            } else {
                p.state = READY;
                p.owner = null;
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
            if (p.state == IN_FLIGHT) {
                live.add(new Deadline(p.deadline, p));
            }
        }
        deadlines = live;
    }
}
