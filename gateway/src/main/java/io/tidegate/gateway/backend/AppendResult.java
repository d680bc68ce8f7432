package io.tidegate.gateway.backend;

/**
 * The outcome of appending one message. Immutable.
 *
 * @param position  where the message is stored; null when it was {@link #spooled()}
 * @param duplicate true when a message with the same id was appended inside the dedup window;
 *                  {@code position} is then the original one and nothing new was stored
 */
public record AppendResult(StreamPosition position, boolean duplicate) {

    private static final AppendResult SPOOLED = new AppendResult(null, false);

    public static AppendResult accepted(StreamPosition position) {
        return new AppendResult(position, false);
    }

    public static AppendResult duplicateOf(StreamPosition position) {
        return new AppendResult(position, true);
    }

    /**
     * Accepted into the gateway's durable disk spool while the backend is unavailable; the
     * backend assigns the position when the spool is replayed.
     */
    public static AppendResult spooledResult() {
        return SPOOLED;
    }

    /** True when the message is durable in the disk spool, not yet in the backend (no position). */
    public boolean spooled() {
        return position == null;
    }
}
