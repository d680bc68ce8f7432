package io.tidegate.gateway.priority;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Function;

/**
 * FIFO lanes, one per priority level (0 = CRITICAL ... 4 = BULK), taken highest priority first,
 * that never let a message overtake an earlier one with the same ordering key: a message is
 * queued no higher than the lowest-priority lane still holding a message of its key.
 * Not thread-safe: the owner guards it.
 *
 * @param <T> queued item
 */
public final class PriorityLanes<T> {

    public static final int LEVELS = 5;

    private final ArrayDeque<Entry<T>>[] lanes;
    private final Map<String, int[]> queuedPerKey = new HashMap<>();
    private final Function<T, String> keyOf;
    private int size;

    /**
     * The lane of a message priority: CRITICAL 0 ... BULK 4; unspecified counts as NORMAL, so
     * messages need not be rebuilt just to spell out the default.
     */
    public static int levelOf(io.tidegate.proto.v1.Priority priority) {
        return priority == io.tidegate.proto.v1.Priority.PRIORITY_UNSPECIFIED
                ? io.tidegate.proto.v1.Priority.PRIORITY_NORMAL_VALUE - 1
                : priority.getNumber() - 1;
    }

    /** The name of a lane's priority ("CRITICAL" ... "BULK"), e.g. for metric attributes. */
    public static String nameOf(int level) {
        // the enum value without its PRIORITY_ prefix, which metric labels and docs do not carry
        return io.tidegate.proto.v1.Priority.forNumber(level + 1).name().substring("PRIORITY_".length());
    }

    @SuppressWarnings("unchecked")
    public PriorityLanes(Function<T, String> keyOf) {
        this.keyOf = keyOf;
        this.lanes = new ArrayDeque[LEVELS];
        for (int i = 0; i < LEVELS; i++) {
            lanes[i] = new ArrayDeque<>();
        }
    }

    public void add(T item, int level) {
        String key = keyOf.apply(item);
        int[] counts = queuedPerKey.computeIfAbsent(key, k -> new int[LEVELS]);
        int effective = level;
        for (int l = LEVELS - 1; l > level; l--) {
            if (counts[l] > 0) {
                effective = l;
                break;
            }
        }
        counts[effective]++;
        lanes[effective].addLast(new Entry<>(item, key, effective));
        size++;
    }

    /** Removes the first item of the highest-priority non-empty lane, or returns null. */
    public T poll() {
        for (ArrayDeque<Entry<T>> lane : lanes) {
            Entry<T> e = lane.pollFirst();
            if (e != null) {
                size--;
                int[] counts = queuedPerKey.get(e.key);
                if (--counts[e.level] == 0 && isZero(counts)) {
                    queuedPerKey.remove(e.key);
                }
                return e.item;
            }
        }
        return null;
    }

    /** The level {@link #poll} would take from next, or {@link #LEVELS} when empty. */
    public int headLevel() {
        for (int i = 0; i < LEVELS; i++) {
            if (!lanes[i].isEmpty()) {
                return i;
            }
        }
        return LEVELS;
    }

    /** The first item of one level's lane, or null. */
    public T peek(int level) {
        Entry<T> e = lanes[level].peekFirst();
        return e == null ? null : e.item;
    }

    /** The item {@link #poll} would return, or null. */
    public T peek() {
        for (ArrayDeque<Entry<T>> lane : lanes) {
            Entry<T> e = lane.peekFirst();
            if (e != null) {
                return e.item;
            }
        }
        return null;
    }

    public int size() {
        return size;
    }

    /** Queued items per level, CRITICAL first. */
    public int[] depths() {
        int[] depths = new int[LEVELS];
        for (int i = 0; i < LEVELS; i++) {
            depths[i] = lanes[i].size();
        }
        return depths;
    }

    private static boolean isZero(int[] counts) {
        for (int c : counts) {
            if (c != 0) {
                return false;
            }
        }
        return true;
    }

    private record Entry<T>(T item, String key, int level) {
    }
}
