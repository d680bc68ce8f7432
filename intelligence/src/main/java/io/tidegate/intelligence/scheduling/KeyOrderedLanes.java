package io.tidegate.intelligence.scheduling;

import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.Map;

/**
 * The waiting messages, per class, in a form that keeps order within an ordering key under any
 * policy and lets a policy serve the keys that can still meet their deadline first.
 *
 * <p>Per class there is the FIFO of its messages (what oldest-first draining and the rails' waits
 * read) and, per ordering key with messages in the class, a <em>run</em>: that key's messages of
 * the class, oldest first. Each class keeps its runs in two FIFO queues: <em>on time</em> (the
 * run's head can still be dispatched within its deadline at the current backend latency) and
 * <em>late</em> (it cannot: it is a miss whatever happens). A run moves to the late queue when it
 * is found late at the front of the on-time queue (checked lazily, at decision time) and back when
 * its new head is on time. Draining {@linkplain #drain(int, int, boolean, long, long, Sink)
 * on-time first} serves on-time runs round robin and only then late ones, staying on one late run
 * until it has caught up; so a backlog of hopeless messages stops making every fresh one late too,
 * at the cost of the late keys waiting longer (the rails' maximum wait still bounds them).
 *
 * <p>Whatever is drained, the earlier waiting messages of its key go first (they ride along,
 * promoted, from whatever class they wait in): no drain order can make a message overtake an
 * earlier one of its key. A null key has no order to keep.
 *
 * <p>Every operation is O(1) amortised (each message moves to a late queue at most once as a run
 * head); nodes are pooled and reused, so a steady state allocates nothing per message (a key that
 * becomes active again takes one map entry).
 *
 * <p>Threading: not thread-safe; the drain thread owns it.
 *
 * @param <M> queued message
 */
public final class KeyOrderedLanes<M> {

    /** Receives drained messages in dispatch order. */
    @FunctionalInterface
    public interface Sink<M> {
        /**
         * @param message the message
         * @param classIndex the lane it waited in
         * @param promoted true when it rode along ahead of a later message of its key
         */
        void accept(M message, int classIndex, boolean promoted);
    }

    /** Sees one waiting message. */
    @FunctionalInterface
    public interface WaitingVisitor<M> {
        void visit(M message, int classIndex, long enqueueNanos);
    }

    private static final class Node<M> {
        M message;
        long enqueueNanos;
        Keyed<M> keyed;
        Run<M> run;
        Node<M> prevInClass;
        Node<M> nextInClass;
        Node<M> nextInKey; // also the free-list link
        Node<M> nextInRun;
    }

    /** The messages of one key in one class, and its place in the class's on-time or late queue. */
    private static final class Run<M> {
        final int classIndex;
        Node<M> head;
        Node<M> tail;
        Run<M> prev;
        Run<M> next;
        boolean late;

        Run(int classIndex) {
            this.classIndex = classIndex;
        }
    }

    /** The waiting messages of one key, across classes, oldest first. */
    private static final class Keyed<M> {
        Object key;
        Node<M> head;
        Node<M> tail;
        final Run<M>[] runs;
        Keyed<M> nextFree;

        @SuppressWarnings("unchecked") // generic array creation
        Keyed() {
            runs = new Run[TrafficClass.COUNT];
            for (int c = 0; c < TrafficClass.COUNT; c++) {
                runs[c] = new Run<>(c);
            }
        }
    }

    private final long[] deadline = new long[TrafficClass.COUNT];
    private final Node<M>[] classHead;
    private final Node<M>[] classTail;
    private final Run<M>[][] queueHead; // [0] on time, [1] late, per class
    private final Run<M>[][] queueTail;
    private final int[][] runs = new int[2][TrafficClass.COUNT];
    private final int[] depth = new int[TrafficClass.COUNT];
    private final Map<Object, Keyed<M>> byKey = new HashMap<>();
    private Node<M> freeNodes;
    private Keyed<M> freeKeys;
    private int size;
    private long now;
    private long latency;

    /** Lanes judging lateness by the config's per-class deadlines. */
    public KeyOrderedLanes(SchedulingConfig config) {
        this(deadlinesOf(config));
    }

    @SuppressWarnings("unchecked") // generic array creation
    private KeyOrderedLanes(long[] deadlines) {
        System.arraycopy(deadlines, 0, deadline, 0, TrafficClass.COUNT);
        classHead = new Node[TrafficClass.COUNT];
        classTail = new Node[TrafficClass.COUNT];
        queueHead = new Run[2][TrafficClass.COUNT];
        queueTail = new Run[2][TrafficClass.COUNT];
    }

    private static long[] deadlinesOf(SchedulingConfig config) {
        long[] d = new long[TrafficClass.COUNT];
        for (int c = 0; c < TrafficClass.COUNT; c++) {
            d[c] = config.of(c).deadlineNanos();
        }
        return d;
    }

    /** Queues a message in its class. */
    public void add(M message, Object key, int classIndex, long enqueueNanos) {
        Keyed<M> keyed = key == null ? obtainKeyed(null) : byKey.get(key);
        if (keyed == null) {
            keyed = obtainKeyed(key);
            byKey.put(key, keyed);
        }
        Node<M> node = obtainNode();
        node.message = message;
        node.enqueueNanos = enqueueNanos;
        node.keyed = keyed;
        appendToClass(node, classIndex);
        if (keyed.tail == null) {
            keyed.head = node;
        } else {
            keyed.tail.nextInKey = node;
        }
        keyed.tail = node;
        Run<M> run = keyed.runs[classIndex];
        node.run = run;
        if (run.head == null) {
            run.head = node;
            run.late = false;
            enqueue(run);
        } else {
            run.tail.nextInRun = node;
        }
        run.tail = node;
        depth[classIndex]++;
        size++;
    }

    /** Drains up to {@code max} messages of a class, oldest first (see the other overload). */
    public int drain(int classIndex, int max, Sink<M> sink) {
        return drain(classIndex, max, false, now, latency, sink);
    }

    /**
     * Drains up to {@code max} messages of a class, each preceded by any earlier waiting messages
     * of its key; returns how many messages went to the sink (including those that rode along).
     *
     * @param onTimeFirst false: the class's oldest message first; true: the head of the next
     *     on-time run first, and only when there is none the head of the first late run
     * @param nowNanos the clock, in the enqueue times' base
     * @param latencyNanos the backend latency a message still needs once chosen (judges lateness)
     */
    public int drain(int classIndex, int max, boolean onTimeFirst, long nowNanos, long latencyNanos, Sink<M> sink) {
        now = nowNanos;
        latency = latencyNanos;
        int out = 0;
        for (int i = 0; i < max && depth[classIndex] > 0; i++) {
            Node<M> chosen = onTimeFirst ? headOfFirstRun(classIndex) : classHead[classIndex];
            Keyed<M> keyed = chosen.keyed;
            while (keyed.head != chosen) {
                Node<M> earlier = keyed.head;
                int c = earlier.run.classIndex;
                M message = earlier.message;
                take(earlier);
                sink.accept(message, c, true);
                out++;
            }
            M message = chosen.message;
            take(chosen);
            sink.accept(message, classIndex, false);
            out++;
        }
        return out;
    }

    private Node<M> headOfFirstRun(int c) {
        settle(c);
        Run<M> run = queueHead[0][c] != null ? queueHead[0][c] : queueHead[1][c];
        return run.head;
    }

    /** Moves late runs from the front of the on-time queue to the late queue. */
    private void settle(int c) {
        Run<M> run = queueHead[0][c];
        while (run != null && isLate(run)) {
            unlink(run);
            run.late = true;
            enqueue(run);
            run = queueHead[0][c];
        }
    }

    private boolean isLate(Run<M> run) {
        return now + latency - run.head.enqueueNanos > deadline[run.classIndex];
    }

    /** Removes a message that is the oldest of its key (so also the head of its run). */
    private void take(Node<M> node) {
        Keyed<M> keyed = node.keyed;
        Run<M> run = node.run;
        int c = run.classIndex;
        unlinkFromClass(node, c);
        keyed.head = node.nextInKey;
        if (keyed.head == null) {
            keyed.tail = null;
        }
        run.head = node.nextInRun;
        if (run.head == null) {
            run.tail = null;
            unlink(run);
        } else if (!run.late || !isLate(run)) {
            // on time: round robin among the on-time runs; late but caught up: back to on time
            unlink(run);
            run.late = false;
            enqueue(run);
        } // late and still late: stays at the front, so one late key catches up before the next
        depth[c]--;
        size--;
        if (keyed.head == null) {
            if (keyed.key != null) {
                byKey.remove(keyed.key);
            }
            keyed.key = null;
            keyed.nextFree = freeKeys;
            freeKeys = keyed;
        }
        node.message = null;
        node.keyed = null;
        node.run = null;
        node.nextInRun = null;
        node.nextInKey = freeNodes;
        freeNodes = node;
    }

    private void appendToClass(Node<M> node, int c) {
        node.prevInClass = classTail[c];
        node.nextInClass = null;
        if (classTail[c] == null) {
            classHead[c] = node;
        } else {
            classTail[c].nextInClass = node;
        }
        classTail[c] = node;
    }

    private void unlinkFromClass(Node<M> node, int c) {
        if (node.prevInClass == null) {
            classHead[c] = node.nextInClass;
        } else {
            node.prevInClass.nextInClass = node.nextInClass;
        }
        if (node.nextInClass == null) {
            classTail[c] = node.prevInClass;
        } else {
            node.nextInClass.prevInClass = node.prevInClass;
        }
        node.prevInClass = null;
        node.nextInClass = null;
    }

    private void enqueue(Run<M> run) {
        int q = run.late ? 1 : 0;
        int c = run.classIndex;
        run.next = null;
        run.prev = queueTail[q][c];
        if (queueTail[q][c] == null) {
            queueHead[q][c] = run;
        } else {
            queueTail[q][c].next = run;
        }
        queueTail[q][c] = run;
        runs[q][c]++;
    }

    private void unlink(Run<M> run) {
        int q = run.late ? 1 : 0;
        int c = run.classIndex;
        if (run.prev == null) {
            queueHead[q][c] = run.next;
        } else {
            run.prev.next = run.next;
        }
        if (run.next == null) {
            queueTail[q][c] = run.prev;
        } else {
            run.next.prev = run.prev;
        }
        run.prev = null;
        run.next = null;
        runs[q][c]--;
    }

    private Node<M> obtainNode() {
        Node<M> n = freeNodes;
        if (n == null) {
            return new Node<>();
        }
        freeNodes = n.nextInKey;
        n.nextInKey = null;
        return n;
    }

    private Keyed<M> obtainKeyed(Object key) {
        Keyed<M> k = freeKeys;
        if (k == null) {
            k = new Keyed<>();
        } else {
            freeKeys = k.nextFree;
            k.nextFree = null;
        }
        k.key = key;
        return k;
    }

    /**
     * Writes every class's depth, head enqueue time and numbers of on-time and late runs into
     * the snapshot, judging lateness at the snapshot's clock and backend latency (so call it after
     * {@link LaneSnapshot#at}).
     */
    public void fill(LaneSnapshot snapshot) {
        now = snapshot.now();
        latency = snapshot.backendLatencyNanos();
        for (int c = 0; c < TrafficClass.COUNT; c++) {
            settle(c);
            Node<M> head = classHead[c];
            snapshot.lane(c, depth[c], head == null ? 0 : head.enqueueNanos);
            snapshot.keys(c, runs[0][c], runs[1][c]);
        }
    }

    /** A deep copy (same messages, independent queues), for simulations that try several futures from one point. */
    public KeyOrderedLanes<M> copy() {
        KeyOrderedLanes<M> out = new KeyOrderedLanes<>(deadline);
        Map<Node<M>, Node<M>> nodes = new IdentityHashMap<>();
        Map<Keyed<M>, Keyed<M>> keys = new IdentityHashMap<>();
        for (int c = 0; c < TrafficClass.COUNT; c++) {
            for (Node<M> n = classHead[c]; n != null; n = n.nextInClass) {
                Keyed<M> k = keys.computeIfAbsent(n.keyed, old -> {
                    Keyed<M> fresh = new Keyed<>();
                    fresh.key = old.key;
                    if (old.key != null) {
                        out.byKey.put(old.key, fresh);
                    }
                    return fresh;
                });
                Node<M> m = new Node<>();
                m.message = n.message;
                m.enqueueNanos = n.enqueueNanos;
                m.keyed = k;
                m.run = k.runs[c];
                out.appendToClass(m, c);
                nodes.put(n, m);
            }
        }
        for (Map.Entry<Keyed<M>, Keyed<M>> e : keys.entrySet()) {
            Keyed<M> old = e.getKey();
            Keyed<M> k = e.getValue();
            for (Node<M> n = old.head; n != null; n = n.nextInKey) {
                Node<M> m = nodes.get(n);
                if (k.tail == null) {
                    k.head = m;
                } else {
                    k.tail.nextInKey = m;
                }
                k.tail = m;
            }
            for (int c = 0; c < TrafficClass.COUNT; c++) {
                for (Node<M> n = old.runs[c].head; n != null; n = n.nextInRun) {
                    Node<M> m = nodes.get(n);
                    Run<M> run = k.runs[c];
                    if (run.tail == null) {
                        run.head = m;
                    } else {
                        run.tail.nextInRun = m;
                    }
                    run.tail = m;
                }
            }
        }
        for (int q = 0; q < 2; q++) {
            for (int c = 0; c < TrafficClass.COUNT; c++) {
                for (Run<M> run = queueHead[q][c]; run != null; run = run.next) {
                    Run<M> r = nodes.get(run.head).run;
                    r.late = run.late;
                    out.enqueue(r);
                }
            }
        }
        System.arraycopy(depth, 0, out.depth, 0, depth.length);
        out.size = size;
        out.now = now;
        out.latency = latency;
        return out;
    }

    /** Calls back with every waiting message, its class and enqueue time, class by class, oldest first (simulation bookkeeping; not for the hot path). */
    public void forEachWaiting(WaitingVisitor<M> visitor) {
        for (int c = 0; c < TrafficClass.COUNT; c++) {
            for (Node<M> n = classHead[c]; n != null; n = n.nextInClass) {
                visitor.visit(n.message, c, n.enqueueNanos);
            }
        }
    }

    /**
     * The lowest class (highest index) holding a waiting message of the key, or -1 when none
     * waits; a host that queues a message no higher than this keeps key order without ride-alongs
     * under strict priority (the message inherits its key's wait instead of promoting it).
     */
    public int lowestClassOf(Object key) {
        Keyed<M> keyed = key == null ? null : byKey.get(key);
        if (keyed == null) {
            return -1;
        }
        for (int c = TrafficClass.COUNT - 1; c >= 0; c--) {
            if (keyed.runs[c].head != null) {
                return c;
            }
        }
        return -1;
    }

    /** Messages waiting in a class. */
    public int depth(int classIndex) {
        return depth[classIndex];
    }

    /** Messages waiting in all classes. */
    public int size() {
        return size;
    }
}
