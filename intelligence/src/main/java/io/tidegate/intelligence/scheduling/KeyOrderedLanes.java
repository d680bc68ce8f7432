package io.tidegate.intelligence.scheduling;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.Map;

/**
 * One FIFO lane per class that keeps order within an ordering key under any policy: draining a
 * message first drains the earlier messages of its key still waiting in other lanes (they ride
 * along, promoted), so no policy can make a message overtake an earlier one of its key. A null key
 * has no order to keep.
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

    private static final class Node<M> {
        final M message;
        final Object key;
        final int classIndex;
        final long enqueueNanos;
        boolean drained;

        Node(M message, Object key, int classIndex, long enqueueNanos) {
            this.message = message;
            this.key = key;
            this.classIndex = classIndex;
            this.enqueueNanos = enqueueNanos;
        }
    }

    private final ArrayDeque<Node<M>>[] lanes;
    private final int[] depth = new int[TrafficClass.COUNT];
    private final Map<Object, ArrayDeque<Node<M>>> byKey = new HashMap<>();
    private int size;

    @SuppressWarnings({"unchecked", "rawtypes"}) // generic array creation
    public KeyOrderedLanes() {
        lanes = new ArrayDeque[TrafficClass.COUNT];
        for (int c = 0; c < TrafficClass.COUNT; c++) {
            lanes[c] = new ArrayDeque<>();
        }
    }

    /** Queues a message in its class's lane. */
    public void add(M message, Object key, int classIndex, long enqueueNanos) {
        Node<M> node = new Node<>(message, key, classIndex, enqueueNanos);
        lanes[classIndex].addLast(node);
        depth[classIndex]++;
        size++;
        if (key != null) {
            byKey.computeIfAbsent(key, k -> new ArrayDeque<>()).addLast(node);
        }
    }

    /**
     * Drains up to {@code max} messages of a class, each preceded by any earlier waiting messages
     * of its key; returns how many messages went to the sink (including those that rode along).
     */
    public int drain(int classIndex, int max, Sink<M> sink) {
        int out = 0;
        for (int i = 0; i < max; i++) {
            Node<M> head = live(classIndex);
            if (head == null) {
                break;
            }
            lanes[classIndex].pollFirst();
            if (head.key != null) {
                ArrayDeque<Node<M>> ofKey = byKey.get(head.key);
                while (ofKey.peekFirst() != head) {
                    Node<M> earlier = ofKey.pollFirst();
                    take(earlier);
                    sink.accept(earlier.message, earlier.classIndex, true);
                    out++;
                }
                ofKey.pollFirst();
                if (ofKey.isEmpty()) {
                    byKey.remove(head.key);
                }
            }
            take(head);
            sink.accept(head.message, classIndex, false);
            out++;
        }
        return out;
    }

    private void take(Node<M> node) {
        node.drained = true;
        depth[node.classIndex]--;
        size--;
    }

    private Node<M> live(int classIndex) {
        ArrayDeque<Node<M>> lane = lanes[classIndex];
        Node<M> head = lane.peekFirst();
        while (head != null && head.drained) {
            lane.pollFirst(); // rode along earlier; drop the stale entry
            head = lane.peekFirst();
        }
        return head;
    }

    /** A deep copy (same messages, independent queues), for simulations that try several futures from one point. */
    public KeyOrderedLanes<M> copy() {
        KeyOrderedLanes<M> out = new KeyOrderedLanes<>();
        Map<Node<M>, Node<M>> copies = new IdentityHashMap<>();
        for (int c = 0; c < TrafficClass.COUNT; c++) {
            for (Node<M> n : lanes[c]) {
                if (!n.drained) {
                    Node<M> m = new Node<>(n.message, n.key, n.classIndex, n.enqueueNanos);
                    copies.put(n, m);
                    out.lanes[c].addLast(m);
                }
            }
        }
        for (Map.Entry<Object, ArrayDeque<Node<M>>> e : byKey.entrySet()) {
            ArrayDeque<Node<M>> q = new ArrayDeque<>(e.getValue().size());
            for (Node<M> n : e.getValue()) {
                q.addLast(copies.get(n));
            }
            out.byKey.put(e.getKey(), q);
        }
        System.arraycopy(depth, 0, out.depth, 0, depth.length);
        out.size = size;
        return out;
    }

    /** Calls back with every waiting message, its lane and enqueue time (simulation bookkeeping; not for the hot path). */
    public void forEachWaiting(WaitingVisitor<M> visitor) {
        for (int c = 0; c < TrafficClass.COUNT; c++) {
            for (Node<M> n : lanes[c]) {
                if (!n.drained) {
                    visitor.visit(n.message, c, n.enqueueNanos);
                }
            }
        }
    }

    /** Sees one waiting message. */
    @FunctionalInterface
    public interface WaitingVisitor<M> {
        void visit(M message, int classIndex, long enqueueNanos);
    }

    /** Writes every lane's depth and head enqueue time into the snapshot. */
    public void fill(LaneSnapshot snapshot) {
        for (int c = 0; c < TrafficClass.COUNT; c++) {
            Node<M> head = live(c);
            snapshot.lane(c, depth[c], head == null ? 0 : head.enqueueNanos);
        }
    }

    public int depth(int classIndex) {
        return depth[classIndex];
    }

    public int size() {
        return size;
    }
}
