package io.tidegate.gateway.backend;

/**
 * The id of an entry inside one topic's stream, "{@code <millis>-<seq>}" as in Redis Streams.
 * Ids grow strictly within a topic. Immutable; safe to share between threads.
 */
public record EntryId(long millis, long seq) implements Comparable<EntryId> {

    /** Smaller than any id a backend assigns. */
    public static final EntryId MIN = new EntryId(0, 0);

    public EntryId {
        if (millis < 0 || seq < 0) {
            throw new IllegalArgumentException("entry id parts must not be negative");
        }
    }

    /**
     * Parses "{@code <millis>-<seq>}".
     *
     * @throws IllegalArgumentException with a message saying what form is expected
     */
    public static EntryId parse(String text) {
        int dash = text.indexOf('-');
        try {
            if (dash <= 0 || dash == text.length() - 1) {
                throw new NumberFormatException();
            }
            return new EntryId(Long.parseLong(text, 0, dash, 10), Long.parseLong(text, dash + 1, text.length(), 10));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(
                    "entry id \"" + text + "\" is not of the form <millis>-<seq>, e.g. 1700000000000-0");
        }
    }

    /** The next id after this one; used to resume strictly after a position. */
    public EntryId next() {
        return seq == Long.MAX_VALUE ? new EntryId(millis + 1, 0) : new EntryId(millis, seq + 1);
    }

    @Override
    public int compareTo(EntryId o) {
        int c = Long.compare(millis, o.millis);
        return c != 0 ? c : Long.compare(seq, o.seq);
    }

    @Override
    public String toString() {
        return millis + "-" + seq;
    }
}
