package io.tidegate.gateway.instruments;

import io.tidegate.intelligence.instrument.CoMovementProposal;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Co-movement proposals no listing has confirmed yet, kept so that a listing arriving later can
 * still confirm them: a venue's quotes often come before its listings. Indexed by each side's
 * (venue, symbol), so a listing finds the proposals naming it without a scan; symbols are compared
 * ignoring case and separators, since topics spell {@code BTC-USDT} as {@code BTCUSDT}.
 *
 * <p>Bounded: at most {@code capacity} proposals; adding one more evicts the oldest, counted in
 * {@link #evicted()}.
 *
 * <p>Threading: not thread-safe; used on the market-data tap's one thread. {@link #size()} and
 * {@link #evicted()} may be read from any thread (metrics).
 */
final class PendingProposals {

    private final int capacity;
    /** Oldest first. */
    private final LinkedHashSet<CoMovementProposal> order = new LinkedHashSet<>();
    /** {@code VENUE|SYMBOL} of either side -> the proposals naming it. */
    private final Map<String, List<CoMovementProposal>> bySide = new HashMap<>();
    private volatile int size;
    private volatile long evicted;

    /** @param capacity proposals kept at most (at least 1) */
    PendingProposals(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("pending proposals capacity must be at least 1: " + capacity);
        }
        this.capacity = capacity;
    }

    /** Keeps a proposal until {@link #remove}d or evicted; one already kept is not kept twice. */
    void add(CoMovementProposal p) {
        if (!order.add(p)) {
            return;
        }
        index(side(p.venueA(), p.symbolA()), p);
        index(side(p.venueB(), p.symbolB()), p);
        if (order.size() > capacity) {
            Iterator<CoMovementProposal> oldest = order.iterator();
            CoMovementProposal gone = oldest.next();
            oldest.remove();
            unindex(gone);
            evicted++;
        }
        size = order.size();
    }

    /** The proposals one side of which is {@code symbol} on {@code venue}, oldest first; a copy. */
    List<CoMovementProposal> naming(String venue, String symbol) {
        List<CoMovementProposal> found = bySide.get(side(venue, symbol));
        return found == null ? List.of() : new ArrayList<>(found);
    }

    /** Forgets a proposal (confirmed). */
    void remove(CoMovementProposal p) {
        if (order.remove(p)) {
            unindex(p);
            size = order.size();
        }
    }

    /** Proposals kept. */
    int size() {
        return size;
    }

    /** Proposals evicted, oldest first, to keep at most the capacity. */
    long evicted() {
        return evicted;
    }

    private void index(String side, CoMovementProposal p) {
        bySide.computeIfAbsent(side, s -> new ArrayList<>(1)).add(p);
    }

    private void unindex(CoMovementProposal p) {
        drop(side(p.venueA(), p.symbolA()), p);
        drop(side(p.venueB(), p.symbolB()), p);
    }

    private void drop(String side, CoMovementProposal p) {
        List<CoMovementProposal> list = bySide.get(side);
        if (list != null && list.remove(p) && list.isEmpty()) {
            bySide.remove(side);
        }
    }

    /** {@code VENUE|SYMBOL} with only the symbol's letters and digits, upper case. */
    private static String side(String venue, String symbol) {
        StringBuilder b = new StringBuilder(venue.length() + symbol.length() + 1)
                .append(venue.trim().toUpperCase(Locale.ROOT)).append('|');
        for (int i = 0; i < symbol.length(); i++) {
            char c = symbol.charAt(i);
            if (Character.isLetterOrDigit(c)) {
                b.append(Character.toUpperCase(c));
            }
        }
        return b.toString();
    }
}
