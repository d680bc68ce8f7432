package io.tidegate.gateway.backend;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import java.nio.charset.StandardCharsets;

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

    /**
     * Parses "{@code <millis>-<seq>}" given as ASCII bytes, as Redis replies carry it, without
     * making a String first.
     *
     * @throws IllegalArgumentException with a message saying what form is expected
     */
    public static EntryId parseAscii(byte[] text) {
        int dash = -1;
        for (int i = 0; i < text.length && dash < 0; i++) {
            if (text[i] == '-') {
                dash = i;
            }
        }
        if (dash > 0 && dash < text.length - 1) {
            try {
                long millis = digits(text, 0, dash);
                long seq = digits(text, dash + 1, text.length);
                if (millis >= 0 && seq >= 0) {
                    return new EntryId(millis, seq);
                }
            } catch (ArithmeticException tooLarge) {
                // reported below, as any other malformed id
            }
        }
        throw new IllegalArgumentException("entry id \"" + new String(text, StandardCharsets.ISO_8859_1)
                + "\" is not of the form <millis>-<seq>, e.g. 1700000000000-0");
    }

    /** The decimal value of {@code text[from, to)}; -1 when a byte is not a digit. */
    private static long digits(byte[] text, int from, int to) {
        long v = 0;
        for (int i = from; i < to; i++) {
            int d = text[i] - '0';
            if (d < 0 || d > 9) {
                return -1;
            }
            v = Math.addExact(Math.multiplyExact(v, 10), d);
        }
        return v;
    }

    /**
     * "{@code <millis>-<seq>}" as UTF-8 bytes for a protobuf string field: the same text as
     * {@link #toString()}, written straight into bytes so a position on the delivery path costs
     * neither a String nor its UTF-8 encoding when the frame is serialized.
     */
    public ByteString toByteString() {
        int millisDigits = digits(millis);
        int seqDigits = digits(seq);
        byte[] text = new byte[millisDigits + 1 + seqDigits];
        write(millis, text, millisDigits);
        text[millisDigits] = '-';
        write(seq, text, text.length);
        return UnsafeByteOperations.unsafeWrap(text); // the array never escapes, so wrapping without a copy is safe
    }

    private static int digits(long v) {
        int n = 1;
        while (v >= 10) {
            v /= 10;
            n++;
        }
        return n;
    }

    /** Writes {@code v}'s decimal digits into {@code text} ending just before {@code end}. */
    private static void write(long v, byte[] text, int end) {
        int i = end;
        do {
            text[--i] = (byte) ('0' + v % 10);
            v /= 10;
        } while (v != 0);
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
