package io.tidegate.faults;

import java.time.Duration;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Counts one scenario's traffic by message id: sent, acknowledged (and how: stored or spooled),
 * failed, and per <em>view</em> (a broadcast subscriber, or all members of a group together) how
 * often each id was delivered. Lost = acknowledged but never delivered to the view; duplicated =
 * deliveries beyond the first.
 *
 * <p>Threading: thread-safe; SDK callbacks record from their own threads.
 */
final class Tally {

    private final Set<String> sent = ConcurrentHashMap.newKeySet();
    private final Set<String> acked = ConcurrentHashMap.newKeySet();
    private final AtomicLong spooled = new AtomicLong();
    private final Map<String, String> failed = new ConcurrentHashMap<>();
    private final Map<String, Map<String, AtomicInteger>> views = new ConcurrentHashMap<>();

    void sent(String id) {
        sent.add(id);
    }

    void acked(String id, boolean wasSpooled) {
        acked.add(id);
        if (wasSpooled) {
            spooled.incrementAndGet();
        }
    }

    void failed(String id, Throwable error) {
        failed.put(id, String.valueOf(error));
    }

    void delivered(String view, String id) {
        views.computeIfAbsent(view, v -> new ConcurrentHashMap<>())
                .computeIfAbsent(id, i -> new AtomicInteger()).incrementAndGet();
    }

    int sent() {
        return sent.size();
    }

    int acked() {
        return acked.size();
    }

    long spooled() {
        return spooled.get();
    }

    int failed() {
        return failed.size();
    }

    /** One failure message, for the report, or "" when none failed. */
    String aFailure() {
        return failed.values().stream().findFirst().orElse("");
    }

    /** Distinct ids the view received. */
    int delivered(String view) {
        return deliveries(view).size();
    }

    /** Acknowledged ids the view never received. */
    Set<String> lost(String view) {
        Set<String> lost = new HashSet<>(acked);
        lost.removeAll(deliveries(view).keySet());
        return lost;
    }

    /** Deliveries beyond the first, over all ids of the view. */
    int duplicates(String view) {
        return deliveries(view).values().stream().mapToInt(n -> n.get() - 1).sum();
    }

    /** Ids the view received more than once. */
    Set<String> duplicatedIds(String view) {
        Set<String> ids = new HashSet<>();
        deliveries(view).forEach((id, n) -> {
            if (n.get() > 1) {
                ids.add(id);
            }
        });
        return ids;
    }

    /** Every id the view received. */
    Set<String> deliveredIds(String view) {
        return Set.copyOf(deliveries(view).keySet());
    }

    /** Waits until every acknowledged id reached each view, or the timeout passed; true if all did. */
    boolean awaitDelivered(Duration timeout, String... viewNames) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            boolean all = true;
            for (String v : viewNames) {
                all &= deliveries(v).keySet().containsAll(acked);
            }
            if (all) {
                return true;
            }
            Thread.sleep(100);
        }
        return false;
    }

    private Map<String, AtomicInteger> deliveries(String view) {
        return views.getOrDefault(view, Map.of());
    }
}
