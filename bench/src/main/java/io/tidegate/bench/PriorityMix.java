package io.tidegate.bench;

import io.tidegate.proto.v1.Priority;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The classes a publisher's messages carry, from {@code --priorities critical:1,high:4,...}: a
 * fixed cycle in which each class appears in proportion to its share, spread out (smooth
 * weighted round robin), so every publisher sends the same mix at every moment. Immutable.
 */
final class PriorityMix {

    /** The five classes, CRITICAL first: the order of per-class arrays in reports. */
    static final Priority[] CLASSES = {Priority.PRIORITY_CRITICAL, Priority.PRIORITY_HIGH, Priority.PRIORITY_NORMAL,
            Priority.PRIORITY_LOW, Priority.PRIORITY_BULK};

    private final String spec;
    private final Priority[] cycle;

    private PriorityMix(String spec, Priority[] cycle) {
        this.spec = spec;
        this.cycle = cycle;
    }

    /** No priority set: every message is NORMAL. */
    static PriorityMix none() {
        return new PriorityMix("", new Priority[0]);
    }

    /** Parses {@code class:share[,class:share...]}, shares whole numbers. */
    static PriorityMix parse(String spec) {
        if (spec.isBlank()) {
            return none();
        }
        int[] share = new int[CLASSES.length];
        for (String part : spec.split(",")) {
            String[] kv = part.trim().split(":");
            int c = indexOf(kv[0]);
            int n;
            try {
                n = kv.length == 2 ? Integer.parseInt(kv[1].trim()) : -1;
            } catch (NumberFormatException e) {
                n = -1;
            }
            if (c < 0 || n < 0) {
                throw new IllegalArgumentException("--priorities takes class:share pairs, e.g. critical:1,high:4,normal:20,low:25,bulk:50; was \""
                        + spec + "\"");
            }
            share[c] = n;
        }
        int total = 0;
        for (int s : share) {
            total += s;
        }
        if (total == 0 || total > 10_000) {
            throw new IllegalArgumentException("--priorities shares must add up to 1..10000, was " + total);
        }
        List<Priority> out = new ArrayList<>(total);
        int[] credit = new int[CLASSES.length];
        for (int i = 0; i < total; i++) {
            int best = -1;
            for (int c = 0; c < CLASSES.length; c++) {
                credit[c] += share[c];
                if (share[c] > 0 && (best < 0 || credit[c] > credit[best])) {
                    best = c;
                }
            }
            credit[best] -= total;
            out.add(CLASSES[best]);
        }
        return new PriorityMix(spec, out.toArray(Priority[]::new));
    }

    private static int indexOf(String name) {
        String n = name.trim().toUpperCase(Locale.ROOT);
        for (int c = 0; c < CLASSES.length; c++) {
            if (CLASSES[c].name().equals("PRIORITY_" + n)) {
                return c;
            }
        }
        return -1;
    }

    /** True when messages carry a priority. */
    boolean isSet() {
        return cycle.length > 0;
    }

    /** The priority of a publisher's {@code k}-th message. */
    Priority of(long k) {
        return cycle[(int) (k % cycle.length)];
    }

    /** The lane index (0 = CRITICAL) of a received message's priority; unspecified counts as NORMAL. */
    static int levelOf(Priority p) {
        return p == Priority.PRIORITY_UNSPECIFIED || p == Priority.UNRECOGNIZED ? 2 : p.getNumber() - 1;
    }

    @Override
    public String toString() {
        return spec;
    }
}
