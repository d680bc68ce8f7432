package io.tidegate.gateway.backend;

/**
 * The outcome of appending one message. Immutable.
 *
 * @param duplicate true when a message with the same id was appended inside the dedup window;
 *                  {@code position} is then the original one and nothing new was stored
 */
public record AppendResult(StreamPosition position, boolean duplicate) {

    public static AppendResult accepted(StreamPosition position) {
        return new AppendResult(position, false);
    }

    public static AppendResult duplicateOf(StreamPosition position) {
        return new AppendResult(position, true);
    }
}
