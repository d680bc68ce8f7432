package io.tidegate.gateway.backend;

/**
 * Entries a BROADCAST subscription never got because retention trimmed them before it read them.
 * Immutable.
 *
 * @param topic the topic of the hole
 * @param from  the last entry delivered on the topic, or the start position asked for; null when
 *              neither exists (a start by timestamp, or nothing delivered yet)
 * @param to    the first entry delivered after the hole
 * @param lost  how many entries between {@code from} and {@code to} were trimmed; {@link #UNKNOWN}
 *              when the backend cannot tell
 */
public record DeliveryGap(String topic, EntryId from, EntryId to, long lost) {

    /** {@link #lost} when the count is not known. */
    public static final long UNKNOWN = -1;

    public boolean lostKnown() {
        return lost >= 0;
    }

    /** The same hole, ending at {@code first}, the entry actually delivered next. */
    public DeliveryGap endingAt(EntryId first) {
        return new DeliveryGap(topic, from, first, lost);
    }
}
