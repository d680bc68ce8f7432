package io.tidegate.gateway.backend.redis;

import io.tidegate.gateway.backend.DeliveryGap;
import io.tidegate.gateway.backend.EntryId;
import java.util.List;

/**
 * Decides whether a broadcast read skipped entries that retention trimmed, from what XINFO STREAM
 * says right after the read (Redis 7 and later, for {@code entries-added}).
 *
 * <p>Why this works: retention only trims from the head (XADD MAXLEN ~, XTRIM MINID) and Tidegate
 * never deletes single entries, so the stream's first {@code entries-added - length} entries are
 * exactly the trimmed ones and its first entry is number {@code entries-added - length + 1}. A
 * cursor that knows its own number (its <em>ordinal</em>: from the subscribe fence, counted up
 * with every entry read) thus finds a hole, and its exact size, by comparing the number of the
 * first entry the read returned with its own. A cursor that does not know it (a start position
 * or time given by the client, or before Redis 7) can only tell that it is older than the first
 * entry retained while entries were trimmed; that hole's size is unknown, and it may even be
 * empty when the position asked for was the very last entry trimmed. Stateless; any thread.
 */
final class RetentionGapCheck {

    /**
     * The outcome.
     *
     * @param gap       the hole, null when none
     * @param ordinal   the ordinal of the last entry read, -1 when not known
     * @param supported false when Redis cannot tell (before 7): checking again is no use
     */
    record Result(DeliveryGap gap, long ordinal, boolean supported) {
    }

    private RetentionGapCheck() {
    }

    /**
     * @param topic      the topic read
     * @param cursor     the id the read started after
     * @param fromShown  the cursor as the subscriber knows it (null when it names no entry)
     * @param ordinal    the cursor's ordinal, -1 when not known
     * @param read       the ids the read delivered from this topic, in order (at least one)
     * @param info       XINFO STREAM after the read
     */
    static Result check(String topic, EntryId cursor, EntryId fromShown, long ordinal, List<EntryId> read,
                        StreamInfo info) {
        if (info.entriesAdded() < 0) {
            return new Result(null, -1, false);
        }
        int n = read.size();
        EntryId first = read.get(0);
        EntryId last = read.get(n - 1);
        EntryId head = info.firstEntry();
        long trimmed = info.entriesAdded() - info.length();
        long lastOrdinal = last.equals(info.lastGenerated()) ? info.entriesAdded() : -1;
        if (head != null && head.compareTo(first) < 0) {
            // an entry older than the first one read is still there, so it is at or before the
            // cursor (else the read would have returned it): nothing after the cursor was trimmed
            long known = lastOrdinal >= 0 ? lastOrdinal : ordinal >= 0 ? ordinal + n : -1;
            return new Result(null, known, true);
        }
        // the first entry read is the first retained, or was trimmed since the read: count back
        int goneSinceRead = 0;
        while (goneSinceRead < n && (head == null || read.get(goneSinceRead).compareTo(head) < 0)) {
            goneSinceRead++;
        }
        long firstOrdinal = -1;
        if (goneSinceRead < n && read.get(goneSinceRead).equals(head)) {
            firstOrdinal = trimmed - goneSinceRead + 1;
        } else if (lastOrdinal >= 0) {
            firstOrdinal = lastOrdinal - n + 1;
        }
        if (lastOrdinal < 0 && firstOrdinal >= 0) {
            lastOrdinal = firstOrdinal + n - 1;
        }
        DeliveryGap gap = null;
        if (ordinal >= 0 && firstOrdinal >= 0) {
            if (firstOrdinal - 1 > ordinal) {
                gap = new DeliveryGap(topic, fromShown, first, firstOrdinal - 1 - ordinal);
            }
        } else if (trimmed > 0 && !cursor.equals(EntryId.MIN) && (head == null || cursor.compareTo(head) < 0)) {
            gap = new DeliveryGap(topic, fromShown, first, DeliveryGap.UNKNOWN);
        }
        return new Result(gap, lastOrdinal, true);
    }

    /**
     * What a gap check needs of XINFO STREAM.
     *
     * @param entriesAdded  how many entries the stream ever took; -1 before Redis 7
     * @param lastGenerated the newest id it ever took ({@code 0-0} when none)
     * @param firstEntry    its first entry now; null when empty
     */
    record StreamInfo(long length, long entriesAdded, EntryId lastGenerated, EntryId firstEntry) {

        /** Parses the flat field/value reply of XINFO STREAM (values as Lettuce returns them). */
        static StreamInfo parse(List<Object> reply) {
            long length = 0;
            long added = -1;
            EntryId lastGenerated = EntryId.MIN;
            EntryId first = null;
            for (int i = 0; i + 1 < reply.size(); i += 2) {
                String field = text(reply.get(i));
                Object value = reply.get(i + 1);
                switch (field) {
                    case "length" -> length = ((Number) value).longValue();
                    case "entries-added" -> added = ((Number) value).longValue();
                    case "last-generated-id" -> lastGenerated = EntryId.parse(text(value));
                    case "first-entry" -> {
                        if (value instanceof List<?> entry && !entry.isEmpty() && entry.get(0) != null) {
                            first = EntryId.parse(text(entry.get(0)));
                        }
                    }
                    default -> { }
                }
            }
            return new StreamInfo(length, added, lastGenerated, first);
        }

        private static String text(Object o) {
            return o instanceof byte[] b ? RedisKeys.string(b) : String.valueOf(o);
        }
    }
}
