package io.tidegate.gateway.backend;

/**
 * The outcome of appending one message. Immutable.
 *
 * @param position  where the message is stored; null when it was {@link #spooled()}
 * @param duplicate true when a message with the same id was appended inside the dedup window;
 *                  {@code position} is then the original one and nothing new was stored
 * @param refusal   null, or why the backend refused to store this message (e.g. a Redis ACL
 *                  without the permission); nothing was stored and retrying cannot help
 */
public record AppendResult(StreamPosition position, boolean duplicate, String refusal) {

    private static final AppendResult SPOOLED = new AppendResult(null, false, null);

    public AppendResult(StreamPosition position, boolean duplicate) {
        this(position, duplicate, null);
    }

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

    /**
     * Refused by the backend for a reason retrying cannot fix; the publisher is told {@code
     * refusal} (see {@link BackendRefusedException}).
     */
    public static AppendResult refusedResult(String refusal) {
        return new AppendResult(null, false, java.util.Objects.requireNonNull(refusal));
    }

    /** True when the message is durable in the disk spool, not yet in the backend (no position). */
    public boolean spooled() {
        return position == null && refusal == null;
    }

    /** True when the backend refused the message (see {@link #refusal()}). */
    public boolean refused() {
        return refusal != null;
    }
}
