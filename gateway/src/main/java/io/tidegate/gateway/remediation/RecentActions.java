package io.tidegate.gateway.remediation;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * The last few remediation records, newest first, bounded by {@code remediation.recent}.
 * Thread-safe: the checks add, the console reads.
 */
public final class RecentActions {

    private final int capacity;
    private final Deque<RemediationRecord> records;

    public RecentActions(int capacity) {
        this.capacity = capacity;
        this.records = new ArrayDeque<>(capacity);
    }

    synchronized void add(RemediationRecord record) {
        if (records.size() == capacity) {
            records.removeLast();
        }
        records.addFirst(record);
    }

    /** A copy, newest first. */
    public synchronized List<RemediationRecord> list() {
        return new ArrayList<>(records);
    }
}
